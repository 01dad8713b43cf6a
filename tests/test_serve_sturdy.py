"""The preview server under bursts and slow clients, its SVG policy, and what a killed
or stopped preview leaves behind (its folder and record for the next preview at its
address; nothing else, once the next one starts)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from serve_helpers import parse_response, raw_request, running, serve_site, wait_for
from sitekit import article, entry_md, html_page, snapshot, write

from sitegen.build.pipeline import build, default_options, manifest_path, open_cache
from sitegen.output.lock import is_locked, lock_path, output_lock
from sitegen.serve import http as http_module
from sitegen.serve.http import SVG_POLICY, PreviewServer, StatusHub
from sitegen.serve import session as session_module
from sitegen.serve.previews import KEPT_PREFIX, REMOVING, TEMPORARY_PREFIX, kept_folder
from sitegen.serve.session import Session


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


# ------------------------------------------------------------------ what previews leave behind

@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """A temporary folder of the tests' own for previews (others' previews run meanwhile)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _kept(site: Path) -> set[Path]:
    return set((site / ".sitegen-cache").glob(f"{KEPT_PREFIX}*"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve_process(site: Path, port: int = 0) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "sitegen", "serve", "--source", str(site), "--port", str(port)],
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                            env={**os.environ, "TMPDIR": tempfile.gettempdir()})
    try:
        for _ in range(50):
            line = proc.stderr.readline()  # type: ignore[union-attr]
            if line.startswith("Serving at") or not line:
                break
        assert line.startswith("Serving at"), line
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return proc


def _build_as_preview(site: Path, session: Session, output: Path) -> dict[str, bytes]:
    """What `sitegen build` writes with the preview's options, into a fresh folder."""
    assert session.rebuilder is not None
    build(replace(session.rebuilder.options, output=output, now=None), open_cache(session.rebuilder.options))
    return snapshot(output)


def test_the_next_preview_at_that_address_starts_from_the_last_ones_pages(tmp_path, private_tmp):
    site = serve_site(tmp_path)
    port = _free_port()
    first = Session(site, "127.0.0.1", port, say=lambda text: None).start()
    try:
        assert first.preview is not None and first.preview.kept
        folder = first.preview.folder
        assert folder.parent == site / ".sitegen-cache" and first.last is not None
        everything = first.last.files
        assert first.last.written == everything
    finally:
        first.stop()
    assert first.preview is None and (folder / "site/night/index.html").is_file()
    write(site / "content/night/bravo.md", entry_md("2025-03-23T10:00", "Bravo, corrected.", title="Bravo headline",
                                                    topics="[diplomacy]"))
    second = Session(site, "127.0.0.1", port, say=lambda text: None).start()
    try:
        assert second.preview is not None and second.preview.folder == folder
        assert second.last is not None and second.last.ok
        assert 0 < second.last.written < everything / 2  # (the entry's pages, the stream's, feeds)
        assert snapshot(folder / "site") == _build_as_preview(site, second, tmp_path / "fresh")
        page = html_page(folder / "site/night/index.html")
        assert article(page, "bravo").xpath("string(.//p)") == "Bravo, corrected."
    finally:
        second.stop()
    assert _kept(site) == {folder}


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_stopped_preview_keeps_its_folder_and_record(tmp_path, private_tmp, signum):
    site = serve_site(tmp_path)
    proc = _serve_process(site)
    proc.send_signal(signum)
    assert proc.wait(timeout=30) in (0, 1, -signum)
    (folder,) = _kept(site)
    assert not is_locked(folder / "site") and (folder / "site/night/index.html").is_file()
    record = manifest_path(default_options(site, folder / "site"))
    assert record is not None and "night/index.html" in json.loads(record.read_text())["files"]
    assert list(private_tmp.iterdir()) == []  # (no temporary folder)


def test_a_starting_preview_removes_the_folders_of_ended_ones_once_it_serves(tmp_path, private_tmp, monkeypatch):
    site = serve_site(tmp_path)
    killed = _serve_process(site, _free_port())
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    (left,) = _kept(site)  # nothing could clean up after a SIGKILL
    temporary = private_tmp / f"{TEMPORARY_PREFIX}old"  # a killed preview's of an earlier kind
    write(lock_path(temporary / "site"), "")
    alive = site / ".sitegen-cache" / f"{KEPT_PREFIX}alive"  # a running preview's, as it holds its lock
    half_removed = write(site / ".sitegen-cache" / f"{REMOVING}{KEPT_PREFIX}gone/site/x.html", "")  # (stopped midway)
    set_aside = [left.with_name(REMOVING + left.name), temporary.with_name(REMOVING + temporary.name),
                 half_removed.parent.parent]
    at_first_build: list[list[bool]] = []
    rebuild = session_module.Rebuilder.rebuild

    def noting(self, changed=None, progress=None):  # type: ignore[no-untyped-def]
        at_first_build.append([folder.is_dir() for folder in set_aside])
        return rebuild(self, changed, progress)

    monkeypatch.setattr(session_module.Rebuilder, "rebuild", noting)
    with output_lock(alive / "site"):
        session = Session(site, "127.0.0.1", 0, say=lambda text: None).start()
        try:
            assert session.preview is not None and session.preview.folder not in (left, alive)
            assert not left.exists() and not temporary.exists()
            assert at_first_build[0] == [True, True, True]  # (set aside, not deleted before the build)
            wait_for(lambda: not any(folder.exists() for folder in set_aside), what="the folders deleted")
            assert alive.is_dir() and lock_path(alive / "site").is_file()
        finally:
            session.stop()
    assert session.preview is None


def test_a_preview_whose_folder_cannot_be_made_builds_into_a_temporary_one(tmp_path, private_tmp):
    site = serve_site(tmp_path)
    port = _free_port()
    kept = kept_folder(site.resolve(), "127.0.0.1", port)
    assert kept is not None
    write(kept, "a file where the folder goes")  # (as a read-only site folder refuses it: root may write anyway)
    session = Session(site, "127.0.0.1", port, say=lambda text: None).start()
    try:
        assert session.preview is not None and not session.preview.kept
        assert session.last is not None and session.last.ok
        assert (session.preview.output / "night/index.html").is_file()
    finally:
        session.stop()


def test_a_preview_whose_folder_is_busy_builds_into_a_temporary_one(tmp_path, private_tmp):
    site = serve_site(tmp_path)
    port = _free_port()
    kept = kept_folder(site.resolve(), "127.0.0.1", port)
    assert kept is not None
    with output_lock(kept / "site"):  # (another process writing it: a `sitegen build --output` there, say)
        session = Session(site, "127.0.0.1", port, say=lambda text: None).start()
        try:
            assert session.preview is not None and not session.preview.kept
            temporary = session.preview.folder
            assert temporary.parent == private_tmp and (temporary / "site/night/index.html").is_file()
        finally:
            session.stop()
    assert not temporary.exists()
