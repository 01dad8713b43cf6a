"""Reusable test helpers: free ports, a throwaway static HTTP server, and the
Nu Html Checker (vnu).

The external tools (Debian's Chromium, vnu.jar) are installed by
``scripts/install-test-tools.sh``; these helpers never download anything.
Fixtures wrapping them live in ``tests/conftest.py``.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
VNU_JAR = REPO_ROOT / ".tools/vnu/node_modules/vnu-jar/build/dist/vnu.jar"
AXE_JS = REPO_ROOT / ".tools/axe/node_modules/axe-core/axe.min.js"
INSTALL_HINT = "run `bash scripts/install-test-tools.sh` from the repo root"


class ToolMissing(RuntimeError):
    """An external tool the tests need is not installed."""


# --------------------------------------------------------------------------
# Ports and a static HTTP server
# --------------------------------------------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port on *host* that was free a moment ago.

    The OS picks it (bind to port 0). Another process could grab it before
    the caller binds, so callers that start servers should retry on failure
    (``static_server`` does).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _wait_until_answers(url: str, proc: subprocess.Popen, timeout: float) -> bool:
    """Poll *url* until it answers with any HTTP status; False if *proc* died
    or *timeout* seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=1):
                return True
        except urllib.error.HTTPError:
            return True  # it answered (e.g. 404): the server is up
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.05)
    return False


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@contextlib.contextmanager
def static_server(directory: str | os.PathLike, *, timeout: float = 15.0) -> Iterator[str]:
    """Serve *directory* over HTTP on 127.0.0.1 and yield its base URL
    (``http://127.0.0.1:PORT/``, with the trailing slash).

    Runs ``python -m http.server --bind 127.0.0.1 PORT --directory DIR`` in a
    subprocess, waits until it answers, and terminates it on exit. Retries a
    few ports in case the one picked by ``free_port`` was taken meanwhile.
    """
    directory = Path(directory).resolve()
    if not directory.is_dir():
        raise NotADirectoryError(f"static_server: not a directory: {directory}")

    with tempfile.TemporaryFile() as log:
        for _attempt in range(5):
            port = free_port()
            proc = subprocess.Popen(
                [sys.executable, "-m", "http.server", "--bind", "127.0.0.1",
                 str(port), "--directory", str(directory)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,  # request log; shown if start-up fails
            )
            url = f"http://127.0.0.1:{port}/"
            try:
                if _wait_until_answers(url, proc, timeout):
                    break
            except BaseException:
                _stop(proc)
                raise
            _stop(proc)
        else:
            log.seek(0)
            raise RuntimeError(
                f"static_server: http.server did not start for {directory}:\n"
                + log.read().decode(errors="replace")[-2000:]
            )
        try:
            yield url
        finally:
            _stop(proc)


# --------------------------------------------------------------------------
# Nu Html Checker
# --------------------------------------------------------------------------


def _expand(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Resolve *paths*; a directory stands for every ``*.html`` file under it."""
    files: list[Path] = []
    for p in paths:
        p = Path(p).resolve()
        if p.is_dir():
            files.extend(sorted(p.rglob("*.html")))
        elif p.is_file():
            files.append(p)
        else:
            # vnu silently reports nothing for a missing file: never let a
            # typo'd path pass as "valid".
            raise FileNotFoundError(f"vnu_check: no such file: {p}")
    return files


def _parse_vnu_json(text: str) -> dict:
    """Find and decode vnu's JSON report in *text*.

    vnu writes the report as one JSON object to **stderr** (stdout stays
    empty unless ``--stdout`` is given). The JVM may put other lines on
    stderr first (e.g. ``Picked up JAVA_TOOL_OPTIONS: ...``), so decode from
    the first ``{"`` onward rather than the whole text.
    """
    decoder = json.JSONDecoder()
    start = text.find('{"')
    while start != -1:
        try:
            obj, _end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find('{"', start + 1)
            continue
        if isinstance(obj, dict) and "messages" in obj:
            return obj
        start = text.find('{"', start + 1)
    raise ValueError("no vnu JSON report found")


def vnu_check(paths: Iterable[str | os.PathLike], *, timeout: float = 600) -> list[dict]:
    """Validate HTML files with the Nu Html Checker; return its error messages.

    All files go to ONE ``java -jar vnu.jar --format json --errors-only ...``
    run (JVM start-up costs ~2-3 s). A directory in *paths* stands for every
    ``*.html`` under it. Each returned dict is vnu's message (keys ``type``:
    ``"error"`` or ``"non-document-error"``, ``subType`` (e.g. ``"fatal"``),
    ``message``, ``url``, ``lastLine``, ``firstColumn``, ``extract``, ...)
    plus ``path``: the local file it refers to (a str), when it has a file: url.
    An empty list means every file is valid.

    Raises ``ToolMissing`` if vnu.jar or java is absent, ``FileNotFoundError``
    for a missing input, ``ValueError`` for no input files at all, and
    ``RuntimeError`` if vnu produced no parseable report.
    """
    if not VNU_JAR.is_file():
        raise ToolMissing(f"vnu.jar not found at {VNU_JAR}: {INSTALL_HINT}")
    files = _expand(paths)
    if not files:
        raise ValueError("vnu_check: no HTML files to check")

    cmd = ["java", "-jar", str(VNU_JAR), "--format", "json", "--errors-only",
           *map(str, files)]
    try:
        res = subprocess.run(cmd, capture_output=True, text=True,
                             encoding="utf-8", errors="replace",
                             timeout=timeout, stdin=subprocess.DEVNULL)
    except FileNotFoundError as e:  # no `java` on PATH
        raise ToolMissing(f"java not found: {e}") from e

    # Exit status: 0 = no errors, 1 = errors reported; the JSON is the truth.
    try:
        report = _parse_vnu_json(res.stderr)
    except ValueError:
        try:
            report = _parse_vnu_json(res.stdout)
        except ValueError:
            raise RuntimeError(
                f"vnu gave no JSON report (exit {res.returncode}).\n"
                f"stderr: {res.stderr[-2000:]}\nstdout: {res.stdout[-2000:]}"
            ) from None

    messages = [dict(m) for m in report.get("messages", [])]
    for m in messages:
        url = m.get("url", "")
        if url.startswith("file:"):
            m["path"] = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
    if res.returncode not in (0, 1) or (res.returncode == 1 and not messages):
        raise RuntimeError(
            f"vnu exited {res.returncode} with {len(messages)} messages:\n"
            f"{res.stderr[-2000:]}"
        )
    return messages


def format_vnu_messages(messages: list[dict]) -> str:
    """One ``path:line:col: message`` line per vnu message, for assert output."""
    return "\n".join(
        f"{m.get('path', m.get('url', '?'))}:{m.get('lastLine', '?')}:"
        f"{m.get('firstColumn', m.get('lastColumn', '?'))}: "
        f"[{m.get('type')}{'/' + m['subType'] if 'subType' in m else ''}] "
        f"{m.get('message')}"
        for m in messages
    )
