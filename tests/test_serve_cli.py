"""`sitegen serve` as a user runs it: a real subprocess, its messages, Ctrl-C, busy ports."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

from helpers import free_port
from serve_helpers import raw_request, serve_site

SERVING = re.compile(r"Serving at (http://[^ ]+/)")


class ServeProcess:
    """`python -m sitegen serve ARGS`, with its stderr read line by line in the background."""

    def __init__(self, *args: str, tmpdir: Path) -> None:
        tmpdir.mkdir(exist_ok=True)
        env = {**os.environ, "TMPDIR": str(tmpdir), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "sitegen", "serve", *args], env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def expect(self, pattern: str | re.Pattern, timeout: float = 60) -> re.Match:
        """The first line (from now on) matching `pattern`; fails on exit or timeout."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        while True:
            try:
                line = self._queue.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no line matching {regex.pattern!r} in: {self.lines}") from None
            if line is None:
                raise AssertionError(f"serve exited ({self.proc.wait()}) before {regex.pattern!r}: {self.lines}")
            self.lines.append(line)
            if match := regex.search(line):
                return match

    def rest(self) -> list[str]:
        """The remaining lines, once the process has ended."""
        while (line := self._queue.get(timeout=30)) is not None:
            self.lines.append(line)
        return self.lines

    def stop(self, sig: int = signal.SIGINT) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=20)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].rstrip("/"))


def test_serve_prints_the_url_and_stops_cleanly_on_ctrl_c(tmp_path):
    site = serve_site(tmp_path)
    port = free_port()
    serve = ServeProcess("--source", str(site), "--port", str(port), tmpdir=tmp_path / "tmp")
    try:
        url = serve.expect(SERVING).group(1)
        assert url == f"http://127.0.0.1:{port}/"
        assert raw_request(port, "/night/").status == 200
        (kept,) = (site / ".sitegen-cache").glob("preview-*")  # the preview's folder, kept for the next one
        assert (kept / "site/night/index.html").is_file()
    finally:
        code = serve.stop(signal.SIGINT)
    assert code == 0
    lines = serve.rest()
    assert not any("Traceback" in line for line in lines), lines
    assert list((tmp_path / "tmp").iterdir()) == []  # nothing in TMPDIR
    assert not (site / "output").exists()  # serve never writes where `sitegen build` does


def test_sigterm_also_stops_cleanly(tmp_path):
    site = serve_site(tmp_path)
    serve = ServeProcess("--source", str(site), "--port", str(free_port()), tmpdir=tmp_path / "tmp")
    try:
        serve.expect(SERVING)
    finally:
        code = serve.stop(signal.SIGTERM)
    assert code == 0
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_taken_port_is_reported_and_the_next_free_one_used(tmp_path):
    site = serve_site(tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        serve = ServeProcess("--source", str(site), "--port", str(port), tmpdir=tmp_path / "tmp")
        try:
            taken = serve.expect(r"Port (\d+) is taken; using port (\d+) instead")
            assert int(taken.group(1)) == port and int(taken.group(2)) > port
            url = serve.expect(SERVING).group(1)
            assert port_of(url) == int(taken.group(2))
            assert raw_request(port_of(url), "/night/").status == 200
        finally:
            assert serve.stop() == 0


def test_binding_beyond_loopback_warns(tmp_path):
    site = serve_site(tmp_path)
    port = free_port("0.0.0.0")
    serve = ServeProcess("--source", str(site), "--host", "0.0.0.0", "--port", str(port), tmpdir=tmp_path / "tmp")
    try:
        serve.expect(r"warning: serving on 0\.0\.0\.0: other computers")
        assert serve.expect(SERVING).group(1) == f"http://127.0.0.1:{port}/"
        assert raw_request(port, "/night/").status == 200
    finally:
        assert serve.stop() == 0


def test_no_site_here_is_an_error_not_a_traceback(tmp_path):
    folder = tmp_path / "not-a-site"
    folder.mkdir()
    result = subprocess.run([sys.executable, "-m", "sitegen", "serve", "--source", str(folder),
                             "--port", str(free_port())], capture_output=True, text=True, timeout=60,
                            stdin=subprocess.DEVNULL, env={**os.environ, "TMPDIR": str(tmp_path)})
    assert result.returncode == 1
    assert f"{folder / 'sitegen.yaml'}: no sitegen.yaml here" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_broken_config_at_start_is_shown_and_serve_keeps_running(tmp_path):
    site = serve_site(tmp_path)
    (site / "sitegen.yaml").write_text("title: [\n")
    port = free_port()
    serve = ServeProcess("--source", str(site), "--port", str(port), tmpdir=tmp_path / "tmp")
    try:
        serve.expect(re.escape(str(site / "sitegen.yaml")) + r":\d+: ")
        serve.expect(SERVING)
        assert raw_request(port, "/").status == 404  # nothing good to show yet, but alive
        (site / "sitegen.yaml").write_text("title: Mended\nbase_url: https://example.org/\n")
        serve.expect(r"built \d+ files")
        assert raw_request(port, "/night/").status == 200
    finally:
        assert serve.stop() == 0
