"""Helpers for the `sitegen serve` tests: a tiny site, a running preview, raw HTTP.

    site = serve_site(tmp_path)
    with running(site) as session:
        response = raw_get(session.server.port, "/%2e%2e/secret")
        wait_for(lambda: session.builds == 2)
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from sitekit import entry_md, make_site, write

from sitegen.serve.session import Session

LIVEBLOG = """\
title: Night shift
description: Live coverage for the preview tests.
timezone: Europe/Kyiv
topics:
  energy: Energy talks
  diplomacy: Diplomacy
"""

ENTRIES = {
    "alpha.md": entry_md("2025-03-23T09:00", "Alpha body text.", title="Alpha headline", topics="[energy]"),
    "bravo.md": entry_md("2025-03-23T10:00", "Bravo body text.", title="Bravo headline", topics="[diplomacy]"),
    "charlie.md": entry_md("2025-03-23T11:00", "Charlie body text.", title="Charlie headline"),
}


# The page's own live polling (updates.json) is slowed right down, so that every
# change these tests see comes from serve's reload.
CONFIG = """\
title: Preview desk
base_url: https://example.org/news/
timezone: UTC
publisher:
  name: Preview desk
  logo: pic.svg
live:
  poll_seconds: 3600
"""


def serve_site(root: Path, entries: dict[str, str] | None = None) -> Path:
    """A small site with one liveblog (`night`), a static file of each common type."""
    files: dict[str, str | bytes] = {
        "static/app.js": "console.log('hi');\n",
        "static/data.json": '{"a": 1}\n',
        "static/style.css": "body { color: black; }\n",
        "static/pic.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\n',
        "static/pic.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 16,
        "static/photo.jpg": b"\xff\xd8\xff\xe0" + b"\x00" * 16,
        "static/notes.txt": "plain\n",
    }
    return make_site(root, config=CONFIG, liveblogs={"night": {"liveblog.yaml": LIVEBLOG, **(entries or ENTRIES)}},
                     files=files)


def add_entry(site: Path, name: str, text: str) -> Path:
    return write(site / "content" / "night" / name, text)


@contextlib.contextmanager
def running(site: Path, *, poll: bool = False, drafts: bool = True) -> Iterator[Session]:
    """A real preview on a free port (port 0: the system picks), stopped afterwards."""
    lines: list[str] = []
    session = Session(site, "127.0.0.1", 0, drafts=drafts, poll=poll, settle=0.05, say=lines.append)
    session.lines = lines  # type: ignore[attr-defined]
    session.start()
    try:
        yield session
    finally:
        session.stop()


def wait_for(condition: Callable[[], object], timeout: float = 15.0, what: str = "condition") -> None:
    """Poll until `condition()` is true; fail after `timeout` seconds (generous: CI has 2 cores)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def wait_build(session: Session, after: int, timeout: float = 15.0) -> None:
    """Wait until a good build newer than build number `after` is published."""
    wait_for(lambda: session.builds > after, timeout, f"build #{after + 1}")


def wait_problems(session: Session, timeout: float = 15.0) -> tuple[str, ...]:
    wait_for(lambda: session.hub.status.problems, timeout, "a failed build")
    return session.hub.status.problems


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def raw_request(port: int, target: bytes | str, host: str | None = "default",
                extra: dict[str, str] | None = None, method: str = "GET") -> Response:
    """Send exactly `target` as the request target (no client-side normalisation) and
    read the whole response; `host=None` sends no Host header."""
    if isinstance(target, str):
        target = target.encode("latin-1")
    lines = [method.encode() + b" " + target + b" HTTP/1.1"]
    if host is not None:
        lines.append(f"Host: {f'127.0.0.1:{port}' if host == 'default' else host}".encode())
    for name, value in (extra or {}).items():
        lines.append(f"{name}: {value}".encode())
    lines.append(b"Connection: close")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"\r\n".join(lines) + b"\r\n\r\n")
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return parse_response(b"".join(chunks))


def raw_get_ok(port: int, target: str) -> Response:
    response = raw_request(port, target)
    assert response.status == 200, f"GET {target}: {response.status}"
    return response


def parse_response(data: bytes) -> Response:
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split()[1])
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Response(status, headers, body)


class EventStream:
    """A reader of the preview's Server-Sent Events, returning each `status` as a dict."""

    def __init__(self, port: int, origin: str | None = None) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=15)
        headers = ["GET /__sitegen/events HTTP/1.1", f"Host: 127.0.0.1:{port}", "Accept: text/event-stream"]
        if origin is not None:
            headers.append(f"Origin: {origin}")
        self.sock.sendall(("\r\n".join(headers) + "\r\n\r\n").encode())
        self.buffer = b""
        head = self._until(b"\r\n\r\n")
        self.response = parse_response(head + b"\r\n\r\n")

    def _until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("event stream closed")
            self.buffer += chunk
        item, _, self.buffer = self.buffer.partition(marker)
        return item

    def next_status(self) -> dict:
        """The next `status` event's data (skipping retry lines and pings)."""
        while True:
            block = self._until(b"\n\n").decode()
            fields = dict(line.split(": ", 1) for line in block.split("\n") if ": " in line and line[0] != ":")
            if fields.get("event") == "status":
                return json.loads(fields["data"])

    def until(self, condition: Callable[[dict], object]) -> dict:
        """The first status (from now on) that meets `condition`."""
        while not condition(status := self.next_status()):
            pass
        return status

    def close(self) -> None:
        self.sock.close()
