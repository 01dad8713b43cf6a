"""The preview server under bursts and slow clients, its SVG policy, and what a killed
or stopped preview leaves behind (nothing, once the next one starts)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from serve_helpers import parse_response, raw_request, running, serve_site

from sitegen.output.lock import lock_path, output_lock
from sitegen.serve import http as http_module
from sitegen.serve.http import SVG_POLICY, PreviewServer, StatusHub
from sitegen.serve.session import FOLDER_PREFIX, Session


@pytest.fixture(scope="module")
def preview(tmp_path_factory):
    with running(serve_site(tmp_path_factory.mktemp("sturdy"))) as session:
        yield session


def _read_response(sock: socket.socket) -> bytes:
    """One response with a Content-Length, read off a kept-alive connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "connection closed before the response's head"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(parse_response(head + b"\r\n\r\n").header("content-length") or 0)
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def test_keep_alive_answers_several_requests_on_one_connection(preview):
    port = preview.server.port
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        for path in ("/night/", "/style.css", "/night/"):
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
            response = parse_response(_read_response(sock))
            assert response.status == 200
            assert response.header("connection") != "close"


def test_a_burst_of_connections_is_queued_not_stalled(preview):
    """100 connections at once (a browser opening a page with its assets, many tabs):
    each is accepted by the kernel at once (a queue of 5 made every ~6th wait a second)."""
    port = preview.server.port
    socks: list[socket.socket] = []
    slowest = 0.0
    try:
        for _ in range(100):
            started = time.monotonic()
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=10))
            slowest = max(slowest, time.monotonic() - started)
        for sock in socks:
            sock.sendall(f"GET /style.css HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
        answered = sum(parse_response(_read_response(sock)).status == 200 for sock in socks)
    finally:
        for sock in socks:
            sock.close()
    assert slowest < 0.9, f"a connection waited {slowest:.2f} s to be accepted"
    assert answered == 100


def test_a_client_dribbling_its_request_is_cut_off(preview, monkeypatch):
    monkeypatch.setattr(http_module, "HEAD_SECONDS", 1.0)
    port = preview.server.port
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /night/ HTTP/1.1\r\n")
        closed = False
        for _ in range(40):  # a header byte every 0.2 s: each read is quick, the whole head never ends
            try:
                sock.sendall(b"X")
                sock.settimeout(0.2)
                if sock.recv(1024) == b"":
                    closed = True
                    break
            except socket.timeout:
                continue
            except OSError:
                closed = True
                break
    assert closed and time.monotonic() - started < 5.0
    assert raw_request(port, "/night/").status == 200  # and the server still answers


def test_an_idle_kept_alive_connection_is_closed_after_the_head_deadline(preview, monkeypatch):
    monkeypatch.setattr(http_module, "HEAD_SECONDS", 0.5)
    port = preview.server.port
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET /style.css HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        assert parse_response(_read_response(sock)).status == 200
        started = time.monotonic()
        assert sock.recv(1) == b""  # closed by the server, not by this 5 s timeout
        assert time.monotonic() - started < 3.0


def test_connections_beyond_the_cap_get_a_quick_503(tmp_path, monkeypatch):
    monkeypatch.setattr(http_module, "MAX_CONNECTIONS", 4)
    monkeypatch.setattr(http_module, "SLOT_SECONDS", 0.2)
    monkeypatch.setattr(http_module, "HEAD_SECONDS", 2.0)
    (tmp_path / "index.html").write_text("<p>hi</p>")
    server = PreviewServer(("127.0.0.1", 0), tmp_path, StatusHub())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    idle = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(4)]
    try:
        time.sleep(0.3)  # (each holds a thread, sending nothing)
        started = time.monotonic()
        busy = raw_request(server.port, "/")
        assert busy.status == 503 and busy.header("retry-after") == "1"
        assert time.monotonic() - started < 1.5
        for sock in idle:  # the head deadline frees their threads
            assert sock.recv(1) == b""
        assert raw_request(server.port, "/").status == 200
    finally:
        for sock in idle:
            sock.close()
        server.shutdown()
        server.server_close()


def test_svg_files_are_served_with_a_policy_that_runs_nothing(preview):
    response = raw_request(preview.server.port, "/pic.svg")
    assert response.status == 200
    assert response.header("content-security-policy") == SVG_POLICY
    assert raw_request(preview.server.port, "/night/").header("content-security-policy") is None


def test_what_the_preview_refuses_stays_refused(preview):
    port = preview.server.port
    assert raw_request(port, "/../secret.txt").status == 403
    assert raw_request(port, "/night/", host="evil.example").status == 403
    assert raw_request(port, "/.sitegen-output").status == 404


# ------------------------------------------------------------------ leftovers of previews

@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """A temporary folder of the tests' own for previews (others' previews run meanwhile)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _previews() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob(f"{FOLDER_PREFIX}*"))


def _serve_process(site: Path) -> tuple[subprocess.Popen, Path]:
    before = _previews()
    proc = subprocess.Popen([sys.executable, "-m", "sitegen", "serve", "--source", str(site), "--port", "0"],
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                            env={**os.environ, "TMPDIR": tempfile.gettempdir()})
    try:
        for _ in range(50):
            line = proc.stderr.readline()  # type: ignore[union-attr]
            if line.startswith("Serving at") or not line:
                break
        assert line.startswith("Serving at"), line
        (folder,) = _previews() - before
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return proc, folder


def test_the_next_preview_removes_what_a_killed_one_left(tmp_path, private_tmp):
    site = serve_site(tmp_path)
    proc, folder = _serve_process(site)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert folder.is_dir()  # nothing could clean up after a SIGKILL
    alive = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))  # a running preview's folder, as it holds its lock
    try:
        with output_lock(alive / "site"):
            session = Session(site, "127.0.0.1", 0, say=lambda text: None).start()
            try:
                assert not folder.exists()
                assert alive.is_dir() and lock_path(alive / "site").is_file()
            finally:
                session.stop()
            assert session.folder is None
    finally:
        shutil.rmtree(alive, ignore_errors=True)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_stopped_preview_removes_its_folder(tmp_path, private_tmp, signum):
    site = serve_site(tmp_path)
    proc, folder = _serve_process(site)
    proc.send_signal(signum)
    assert proc.wait(timeout=30) in (0, 1, -signum)
    assert not folder.exists()
    assert not list((site / ".sitegen-cache").glob("output-*.json"))
