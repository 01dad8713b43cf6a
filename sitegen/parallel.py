"""Rendering many pages on both cores, writing them from one process.

A cold build of a long liveblog renders thousands of entry pages. After the
model is built, the process forks: the child renders three of every five groups
of pages and sends each group's bytes back over a pipe as soon as it is done
(pickled, between two processes of the same build); the parent renders the rest
and writes every file. One writer, because on a journaling file system two
processes creating files at once are several times slower than one. The parent
claimed every path first, so clashes are reported exactly as without the fork.
If the child fails for any reason, the parent renders the child's share itself:
a template error then surfaces in the parent, with its usual message.
"""

from __future__ import annotations

import fcntl
import os
import pickle
import select
import struct
from typing import Callable

from sitegen.bodies import can_fork
from sitegen.cache import Cache
from sitegen.output import OutputWriter

MIN_TASKS = 8  # groups of pages (about 50 each) below which forking does not pay
PIPE_BYTES = 1 << 20  # the child waits less on a parent busy with its own pages
_HEADER = struct.Struct("<Q?")  # length of the frame, and whether it is the last one
_inherited: list[object] = []  # the child must not close the parent's database connection

Task = Callable[[], None]


def write_split(tasks: list[Task], writer: OutputWriter, cache: Cache) -> None:
    """Run the tasks (each renders and writes some pages), rendering on two processes."""
    writer.preclaimed = True
    try:
        if len(tasks) < MIN_TASKS or (os.cpu_count() or 1) < 2 or not can_fork():
            for task in tasks:
                task()
            return
        # The child renders three of every five tasks: the parent also writes every file.
        _fork_and_run([t for i, t in enumerate(tasks) if i % 5 in (1, 2, 4)],
                      [t for i, t in enumerate(tasks) if i % 5 in (0, 3)], writer, cache)
    finally:
        writer.preclaimed = False


def _fork_and_run(theirs: list[Task], mine: list[Task], writer: OutputWriter, cache: Cache) -> None:
    read_end, write_end = os.pipe()
    try:
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except OSError:
        pass  # a smaller pipe only makes the child wait more
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _child(theirs, writer, cache, write_end)
    os.close(write_end)
    inbox = _Inbox(read_end, writer)
    writer.write_in_background()  # (after the fork: a thread must not be forked)
    try:
        for task in mine:
            task()
            inbox.take(block=False)
        inbox.take(block=True)
    finally:
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
        writer.wait_for_background()
    if status != 0 or inbox.last is None:
        for task in theirs:  # the child failed: do its share here, errors and all
            task()
        return
    records, pending = inbox.last
    writer.records.update(records)
    for key, value in pending.items():
        cache.put(key, value)


class _Inbox:
    """Frames from the child: pages to write, then its records and cache values."""

    def __init__(self, fd: int, writer: OutputWriter) -> None:
        self.fd = fd
        self.writer = writer
        self.buffer = bytearray()
        self.last: tuple[dict[str, object], dict[str, str]] | None = None
        self.closed = False

    def take(self, block: bool) -> None:
        """Write the pages that arrived; with `block`, wait for all of them."""
        while not self.closed and (block or select.select([self.fd], [], [], 0)[0]):
            chunk = os.read(self.fd, PIPE_BYTES)
            if not chunk:
                self.closed = True
            self.buffer += chunk
            self._frames()

    def _frames(self) -> None:
        while len(self.buffer) >= _HEADER.size:
            size, last = _HEADER.unpack_from(self.buffer)
            if len(self.buffer) < _HEADER.size + size:
                return
            payload = pickle.loads(self.buffer[_HEADER.size:_HEADER.size + size])
            del self.buffer[:_HEADER.size + size]
            if last:
                self.last = payload
            else:
                for rel, data, digest, inputs in payload:
                    self.writer.put(rel, data, digest, inputs)


def _child(tasks: list[Task], writer: OutputWriter, cache: Cache, fd: int) -> None:
    status = 1
    try:
        _inherited.append(cache.db)  # keep it referenced: never closed (or used) in the child
        cache.db = None
        writer.records, cache.pending, writer.capture = {}, {}, []
        for task in tasks:
            task()
            _send(fd, writer.capture, last=False)
            writer.capture = []
        _send(fd, (writer.records, cache.pending), last=True)
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
