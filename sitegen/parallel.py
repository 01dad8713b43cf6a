"""Writing many pages on both cores: the build forks, and each process writes its share.

A cold build of a long liveblog renders thousands of entry pages. After the
model is built, the process forks; the child writes every other group of pages
into the same staging folder and sends back what the parent needs (the files'
records and the values it rendered for the cache), pickled over a pipe between
two processes of the same build. The parent claimed every path first, so clashes
are reported exactly as without the fork. If the child fails for any reason,
the parent writes the child's share itself: a template error then surfaces in
the parent, with its usual message.
"""

from __future__ import annotations

import os
import pickle
from typing import Callable

from sitegen.bodies import can_fork
from sitegen.cache import Cache
from sitegen.output import OutputWriter

MIN_TASKS = 8  # groups of pages (about 50 each) below which forking does not pay
_inherited: list[object] = []  # the child must not close the parent's database connection


def write_split(tasks: list[Callable[[], None]], writer: OutputWriter, cache: Cache) -> None:
    """Run the tasks (each writes some pages), split between this process and a child."""
    writer.preclaimed = True
    try:
        if len(tasks) < MIN_TASKS or (os.cpu_count() or 1) < 2 or not can_fork():
            for task in tasks:
                task()
            return
        _fork_and_run(tasks[1::2], tasks[0::2], writer, cache)
    finally:
        writer.preclaimed = False


def _fork_and_run(theirs: list[Callable[[], None]], mine: list[Callable[[], None]],
                  writer: OutputWriter, cache: Cache) -> None:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _child(theirs, writer, cache, write_end)
    os.close(write_end)
    try:
        for task in mine:
            task()
    finally:
        payload = _read(read_end)
        _, status = os.waitpid(pid, 0)
    if status != 0 or not payload:
        for task in theirs:  # the child failed: do its share here, errors and all
            task()
        return
    records, staged, written, pending = pickle.loads(payload)
    writer.records.update(records)
    writer.staged += staged
    writer.written += written
    for key, value in pending.items():
        cache.put(key, value)


def _child(tasks: list[Callable[[], None]], writer: OutputWriter, cache: Cache, fd: int) -> None:
    status = 1
    try:
        _inherited.append(cache.db)  # keep it referenced: never closed (or used) in the child
        cache.db = None
        writer.records, writer.staged, writer.written, cache.pending = {}, [], 0, {}
        for task in tasks:
            task()
        _write(fd, pickle.dumps((writer.records, writer.staged, writer.written, cache.pending)))
        status = 0
    except BaseException:  # noqa: BLE001 - reported by the parent doing the work again
        pass
    finally:
        os._exit(status)


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.close(fd)


def _read(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)
