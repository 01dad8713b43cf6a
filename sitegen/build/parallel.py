"""Rendering many pages on both cores, writing them from one process.

A cold build of a long liveblog renders thousands of entry pages. After the
model is built, the process forks one renderer per core: each renders its
share of the groups of pages and sends each group's bytes back over a pipe as
soon as it is done (pickled, between processes of the same build). The parent
renders nothing meanwhile: it writes every file, in its only thread. One writer,
because on a journaling file system two processes creating files at once are
several times slower than one; and not a thread beside a renderer, because a
thread that makes system calls waits for the interpreter lock after each of
them while another thread runs Python code (measured: a writer thread beside a
busy one created files 3-8x slower than alone). The parent claimed every path
first, so clashes are reported exactly as without the fork. If a renderer
fails for any reason, the parent renders its share itself: a template error
then surfaces in the parent, with its usual message.
"""

from __future__ import annotations

import fcntl
import os
import pickle
import select
import struct
from dataclasses import dataclass
from typing import Callable

from sitegen.core.forking import can_fork
from sitegen.core.memory import release_freed
from sitegen.incremental.cache import Cache
from sitegen.output.record import FileRecord
from sitegen.output.sink import ForkedSink
from sitegen.output.writer import OutputWriter, Task

MIN_TASKS = 8  # groups of pages (about 50 each) below which forking does not pay
PIPE_BYTES = 1 << 20  # a renderer waits less on a parent busy writing
_HEADER = struct.Struct("<Q?")  # length of the frame, and whether it is the last one


def write_split(tasks: list[Task], writer: OutputWriter, cache: Cache,
                forked: Callable[[], None] | None = None) -> None:
    """Run the tasks (each renders and writes some pages, deferred by `writer.deferring`:
    their paths are claimed already), rendering on every core. `forked` is called once
    renderers are forked: what only they need (they inherited it) can go here."""
    writer = writer.making_deferred()
    cores = os.cpu_count() or 1
    if len(tasks) < MIN_TASKS or cores < 2 or not can_fork():
        for task in tasks:
            task(writer)
        return
    renderers = min(cores, 4)
    _render_in_children([tasks[i::renderers] for i in range(renderers)], writer, cache, forked)


@dataclass
class _Renderer:
    pid: int
    inbox: "_Inbox"
    share: list[Task]


def _render_in_children(shares: list[list[Task]], writer: OutputWriter, cache: Cache,
                        forked: Callable[[], None] | None) -> None:
    children: list[_Renderer] = []
    release_freed()  # (each renderer starts as large as this process is resident)
    try:
        for share in shares:
            children.append(_fork_renderer(share, writer, cache))
        if forked is not None:
            forked()
            release_freed()  # (this process writes on, with the records of every file)
        _write_arrivals([child.inbox for child in children])
    finally:
        for child in children:
            child.inbox.close()
        statuses = [os.waitpid(child.pid, 0)[1] for child in children]
    for child, status in zip(children, statuses):
        if status != 0 or child.inbox.last is None:
            for task in child.share:  # the renderer failed: do its share here, errors and all
                task(writer)
            continue
        records, pending = child.inbox.last
        writer.keep_all(records)
        for key, value in pending.items():
            cache.put(key, value)


def _fork_renderer(share: list[Task], writer: OutputWriter, cache: Cache) -> _Renderer:
    read_end, write_end = os.pipe()
    try:
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except OSError:
        pass  # a smaller pipe only makes the renderer wait more
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _child(share, writer, cache, write_end)
    os.close(write_end)  # (so that a later renderer does not hold it open)
    return _Renderer(pid, _Inbox(read_end, writer), share)


def _write_arrivals(inboxes: list["_Inbox"]) -> None:
    """Write pages as they arrive from any renderer, until every one has finished."""
    while waiting := {inbox.fd: inbox for inbox in inboxes if not inbox.closed}:
        ready, _, _ = select.select(list(waiting), [], [])
        for fd in ready:
            waiting[fd].take()


class _Inbox:
    """Frames from a renderer: pages to write, then its records and cache values."""

    def __init__(self, fd: int, writer: OutputWriter) -> None:
        self.fd = fd
        self.writer = writer
        self.buffer = bytearray()
        self.last: tuple[dict[str, FileRecord], dict[str, str]] | None = None
        self.closed = False

    def take(self) -> None:
        """Read what is there (the renderer is done at end of file); write whole frames."""
        chunk = os.read(self.fd, PIPE_BYTES)
        if not chunk:
            self.closed = True
        self.buffer += chunk
        self._frames()

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd, self.closed = -1, True

    def _frames(self) -> None:
        start = 0
        while len(self.buffer) - start >= _HEADER.size:
            size, last = _HEADER.unpack_from(self.buffer, start)
            end = start + _HEADER.size + size
            if len(self.buffer) < end:
                break
            with memoryview(self.buffer) as view:
                payload = pickle.loads(view[start + _HEADER.size:end])
            start = end
            if last:
                self.last = payload
            else:
                for rel, data, digest, inputs in payload:
                    self.writer.put(rel, data, digest, inputs)
        del self.buffer[:start]


def _child(tasks: list[Task], writer: OutputWriter, cache: Cache, fd: int) -> None:
    status = 1
    try:
        cache.in_forked_child()
        sink = ForkedSink()  # the pages go to the parent, which writes them
        into = writer.into(sink)
        for task in tasks:
            task(into)
            _send(fd, sink.take(), last=False)
        _send(fd, (sink.records, cache.pending), last=True)
        status = 0
    except BaseException:  # noqa: BLE001 - reported by the parent doing the work again
        pass
    finally:
        os._exit(status)


def _send(fd: int, value: object, last: bool) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data), last) + data)
    while view:
        view = view[os.write(fd, view):]
