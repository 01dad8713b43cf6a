"""Deadlines for slow clients of the preview server.

A socket timeout bounds each read, not a whole request: a client sending one byte
every few seconds would hold its thread for ever (and a few hundred such clients
every thread). The server arms a deadline for each request's head; one thread
shuts down the connections whose head is late, and their handlers then see the
end of the stream and finish.
"""

from __future__ import annotations

import socket
import threading
import time


class HeadDeadlines:
    """Connections still sending a request's head, and when their time is up. A socket
    timeout alone bounds each read, so a client sending a byte every few seconds
    would hold its thread for ever; one thread here shuts such connections down
    (their handler then sees the end of the stream and finishes)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._due: dict[socket.socket, float] = {}
        self._thread: threading.Thread | None = None
        self._closed = False

    def arm(self, sock: socket.socket, seconds: float) -> None:
        with self._cond:
            self._due[sock] = time.monotonic() + seconds
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, name="sitegen-http-deadlines", daemon=True)
                self._thread.start()
            self._cond.notify()

    def disarm(self, sock: socket.socket) -> None:
        with self._cond:
            self._due.pop(sock, None)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()

    def _run(self) -> None:
        with self._cond:
            while not self._closed:
                now = time.monotonic()
                for sock in [sock for sock, due in self._due.items() if due <= now]:
                    del self._due[sock]
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass  # (closed meanwhile)
                self._cond.wait(min([*self._due.values(), now + 1.0]) - now)
