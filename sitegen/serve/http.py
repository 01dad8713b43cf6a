"""The HTTP side of `sitegen serve`: files from the output folder, and a reload stream.

It serves only files inside the output folder and answers only requests addressed to
it by name; its event stream also checks Origin (what is allowed: guard.py). HTML
responses get the reload script; the files on disk never do.
"""

from __future__ import annotations

import json
import logging
import shutil
import socket
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sitegen.serve import livereload
from sitegen.serve.guard import AllowedHosts, Refused, resolve_inside, url_segments
from sitegen.serve.deadlines import HeadDeadlines
from sitegen.output.publish import MARKER

log = logging.getLogger("sitegen")

PING_SECONDS = 15.0
BACKLOG = 128  # connections the kernel queues: a browser opens many at once (the standard's 5 stalls them)
HEAD_SECONDS = 10.0  # to send a request's line and headers, from the connection's (or last response's) end
IO_SECONDS = 30  # any one read or write while answering
MAX_CONNECTIONS = 64  # threads answering at once (open event streams count)
SLOT_SECONDS = 1.0  # how long a new connection waits for one of them, before a 503
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"  # an SVG opened by itself runs nothing
BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n"
        b"Connection: close\r\n\r\n")
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".xml": "application/xml; charset=utf-8",
    ".xsl": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".pdf": "application/pdf",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mp3": "audio/mpeg",
}


def content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")


@dataclass(frozen=True)
class Status:
    """What every open tab should know: the last good build, and why the latest one failed."""

    build: str = ""
    problems: tuple[str, ...] = ()

    def as_json(self) -> str:
        return json.dumps({"build": self.build, "problems": list(self.problems)})


class StatusHub:
    """The current Status and a way to wait for the next one (one waiter per event stream)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._status = Status()
        self._version = 0
        self.closed = False

    @property
    def status(self) -> Status:
        with self._cond:
            return self._status

    def publish(self, status: Status) -> None:
        with self._cond:
            self._status = status
            self._version += 1
            self._cond.notify_all()

    def current(self) -> tuple[int, Status]:
        with self._cond:
            return self._version, self._status

    def wait_newer(self, version: int, timeout: float) -> tuple[int, Status]:
        """The status once it is newer than `version` (or the same one after `timeout`)."""
        with self._cond:
            self._cond.wait_for(lambda: self._version != version or self.closed, timeout)
            return self._version, self._status

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()


class PreviewServer(ThreadingHTTPServer):
    """One thread per connection, at most MAX_CONNECTIONS at once; daemon threads, since
    event streams never end by themselves."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = BACKLOG

    def __init__(self, address: tuple[str, int], root: Path, hub: StatusHub) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.root = root
        self.hub = hub
        self.deadlines = HeadDeadlines()
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__(address, PreviewHandler)
        self.port = self.server_address[1]
        self.allowed = AllowedHosts.for_address(address[0], self.port)

    def process_request(self, request: Any, client_address: Any) -> None:
        """A thread for the connection, once one of the slots is free; a connection that
        finds none within SLOT_SECONDS is answered 503 at once (the browser retries)."""
        if not self.slots.acquire(timeout=SLOT_SECONDS):
            try:
                request.settimeout(1.0)
                request.sendall(BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def server_close(self) -> None:
        self.deadlines.close()
        super().server_close()

    def handle_error(self, request: object, client_address: object) -> None:
        """A broken connection or a bug in one request never stops the server."""
        log.debug("request from %s failed", client_address, exc_info=True)


class PreviewHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive: a page's many files come over a few connections."""

    server: PreviewServer
    protocol_version = "HTTP/1.1"
    timeout = IO_SECONDS

    def version_string(self) -> str:
        return "sitegen-serve"

    def handle_one_request(self) -> None:
        """One request, whose head (and, on a kept-alive connection, the wait for it)
        must arrive within HEAD_SECONDS (see HeadDeadlines)."""
        self.server.deadlines.arm(self.connection, HEAD_SECONDS)
        try:
            super().handle_one_request()
        finally:
            self.server.deadlines.disarm(self.connection)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def _answer(self, head: bool) -> None:
        self.server.deadlines.disarm(self.connection)  # the head is in: answering may take longer
        if not self.server.allowed.allows(self.headers.get("Host")):
            self._plain(HTTPStatus.FORBIDDEN, "This preview answers only to its own address "
                                              "(the Host header names another).", head)
            return
        path = self.path.split("?", 1)[0]
        if path == livereload.EVENTS_PATH:
            self._events(head)
        elif path == livereload.SCRIPT_PATH:
            self._send(HTTPStatus.OK, "text/javascript; charset=utf-8", livereload.SCRIPT.encode(), head)
        elif path.startswith(livereload.PREFIX):
            self._not_found(head)
        else:
            self._file(head)

    # ------------------------------------------------------------------ files

    def _file(self, head: bool) -> None:
        build = self.server.hub.status.build  # before reading: a newer page only reloads once more
        try:
            segments, trailing = url_segments(self.path)
            real = resolve_inside(self.server.root, segments)
            if real.is_dir():
                if not trailing:
                    self._redirect_to_folder(segments)
                    return
                real = resolve_inside(self.server.root, segments + ["index.html"])
            if not real.is_file():
                raise Refused(HTTPStatus.NOT_FOUND)
        except Refused as refusal:
            if refusal.status == HTTPStatus.NOT_FOUND:
                self._not_found(head)
            else:
                self._plain(refusal.status, "Refused: this path is not inside the site.", head)
            return
        except (UnicodeDecodeError, OSError):
            self._not_found(head)
            return
        self._send_file(real, build, head)

    def _send_file(self, real: Path, build: str, head: bool) -> None:
        kind = content_type(real)
        try:
            if kind.startswith("text/html"):
                self._send(HTTPStatus.OK, kind, livereload.inject(real.read_bytes(), build), head)
                return
            with real.open("rb") as stream:
                size = real.stat().st_size
                self._start(HTTPStatus.OK, kind, size)
                if not head:
                    shutil.copyfileobj(stream, self.wfile)
        except OSError:  # removed by a rebuild between the check and the read
            self._not_found(head)

    def _redirect_to_folder(self, segments: list[str]) -> None:
        query = self.path.partition("?")[2].split("#", 1)[0]
        location = "/" + "".join(quote(s) + "/" for s in segments) + (f"?{query}" if query else "")
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

    def _not_found(self, head: bool) -> None:
        build = self.server.hub.status.build
        page = self.server.root / "404.html"
        try:
            body = livereload.inject(page.read_bytes(), build)
        except OSError:
            body = livereload.fallback_page("Not found", self._missing_reason(), build)
        self._send(HTTPStatus.NOT_FOUND, "text/html; charset=utf-8", body, head)

    def _missing_reason(self) -> str:
        if not (self.server.root / MARKER).is_file():
            return "The site has not been built yet: fix the problem shown above and save."
        return "There is no page at this address."

    # ----------------------------------------------------------- event stream

    def _events(self, head: bool) -> None:
        origin = self.headers.get("Origin")
        if origin is not None and not self.server.allowed.allows_origin(origin):
            self._plain(HTTPStatus.FORBIDDEN, "Refused: the event stream is for this preview's own pages.", head)
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Connection", "close")  # (it ends only when the tab goes away)
        self.end_headers()
        if head:
            return
        self.close_connection = True
        hub = self.server.hub
        version, status = hub.current()
        try:
            self._event("retry: 1000\n\n")
            self._event(f"event: status\ndata: {status.as_json()}\n\n")
            while not hub.closed:
                newer, status = hub.wait_newer(version, PING_SECONDS)
                if hub.closed:
                    break
                if newer == version:
                    self._event(": ping\n\n")  # finds closed connections, keeps proxies awake
                    continue
                version = newer
                self._event(f"event: status\ndata: {status.as_json()}\n\n")
        except (BrokenPipeError, ConnectionError, OSError):
            pass  # the tab went away

    def _event(self, text: str) -> None:
        self.wfile.write(text.encode("utf-8"))
        self.wfile.flush()

    # ---------------------------------------------------------------- helpers

    def _plain(self, status: HTTPStatus, message: str, head: bool) -> None:
        self._send(status, "text/plain; charset=utf-8", (message + "\n").encode(), head)

    def _send(self, status: HTTPStatus, kind: str, body: bytes, head: bool) -> None:
        self._start(status, kind, len(body))
        if not head:
            self.wfile.write(body)

    def _start(self, status: HTTPStatus, kind: str, length: int) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(length))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if kind.startswith("image/svg+xml"):
            self.send_header("Content-Security-Policy", SVG_POLICY)
        self.end_headers()
