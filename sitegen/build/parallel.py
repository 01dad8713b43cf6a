"""Rendering and writing many pages on every core.

A cold build of a long liveblog renders thousands of entry pages. After the
model is built, the process forks one renderer per core: each renders its share
of the groups of pages and stages the files itself, into the build's staging
folder (`StagedBuild.share`), then sends the parent what it recorded (pickled,
between processes of the same build): the files it staged and kept, and its new
cache values. Creating a file is kernel work that both cores can do at once
(measured on this project's 2-core VM: 10,000 folders with a page each took
10-20 s from one process and 10 s from two, each its half), so a single writing
process would cap a build at one core's worth of file creation. The parent
claimed every path first, so clashes are reported exactly as without the fork.
If a renderer fails for any reason, the parent renders its share itself (files
a renderer left half-written are written again): a template error or a full
disk then surfaces in the parent, with its usual message.
"""

from __future__ import annotations

import os
import pickle
import select
from dataclasses import dataclass
from typing import Callable, TypeVar

from sitegen.core.forking import can_fork
from sitegen.core.memory import release_freed
from sitegen.incremental.cache import Cache
from sitegen.output.record import FileRecord
from sitegen.output.writer import OutputWriter, Task

R = TypeVar("R")

MIN_TASKS = 8  # groups of pages (about 50 each) below which forking does not pay
PIPE_BYTES = 1 << 20  # a renderer's report is read in pieces of this size


def write_split(tasks: list[Task], writer: OutputWriter, cache: Cache, meanwhile: Callable[[], R],
                forked: Callable[[], None] | None = None) -> R:
    """Run the tasks (each renders and writes some pages, deferred by `writer.deferring`:
    their paths are claimed already), rendering on every core, and `meanwhile()` (the
    build's other files) in this process as they run; its result. `forked` is called once
    renderers are forked: what only they need (they inherited it) can go here."""
    writer = writer.making_deferred()
    cores = os.cpu_count() or 1
    if len(tasks) < MIN_TASKS or cores < 2 or not can_fork():
        for task in tasks:
            task(writer)
        return meanwhile()
    renderers = min(cores, 4)
    return _render_in_children([tasks[i::renderers] for i in range(renderers)], writer, cache, meanwhile, forked)


@dataclass
class _Renderer:
    pid: int
    inbox: "_Inbox"
    share: list[Task]


def _render_in_children(shares: list[list[Task]], writer: OutputWriter, cache: Cache, meanwhile: Callable[[], R],
                        forked: Callable[[], None] | None) -> R:
    children: list[_Renderer] = []
    release_freed()  # (each renderer starts as large as this process is resident)
    try:
        for share in shares:
            children.append(_fork_renderer(share, writer, cache))
        if forked is not None:
            forked()
            release_freed()  # (this process goes on, with the records of every file)
        result = meanwhile()  # (a renderer done first waits for its report to be read: it is small)
        _read_reports([child.inbox for child in children])
    finally:
        for child in children:
            child.inbox.close()
        statuses = [os.waitpid(child.pid, 0)[1] for child in children]
    for child, status in zip(children, statuses):
        report = child.inbox.report() if status == 0 else None
        if report is None:
            for task in child.share:  # the renderer failed: do its share here, errors and all
                task(writer)
            continue
        records, files, pending = report
        writer.staged.adopt(records, files)
        for key, value in pending.items():
            cache.put(key, value)
    return result


def _fork_renderer(share: list[Task], writer: OutputWriter, cache: Cache) -> _Renderer:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _child(share, writer, cache, write_end)
    os.close(write_end)  # (so that a later renderer does not hold it open)
    return _Renderer(pid, _Inbox(read_end), share)


def _read_reports(inboxes: list["_Inbox"]) -> None:
    """Read every renderer's report as it comes (a report larger than a pipe holds
    would otherwise stop its renderer), until every one has finished."""
    while waiting := {inbox.fd: inbox for inbox in inboxes if not inbox.closed}:
        ready, _, _ = select.select(list(waiting), [], [])
        for fd in ready:
            waiting[fd].take()


Report = tuple[dict[str, FileRecord], dict[str, None], dict[str, str]]  # (records, files staged, cache values)


class _Inbox:
    """A renderer's report: the bytes of one pickle, read until the renderer closes its end."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = bytearray()
        self.closed = False

    def take(self) -> None:
        chunk = os.read(self.fd, PIPE_BYTES)
        if not chunk:
            self.closed = True
        self.buffer += chunk

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd, self.closed = -1, True

    def report(self) -> Report | None:
        """The report, or None when the renderer sent none whole (it failed)."""
        try:
            return pickle.loads(self.buffer)  # type: ignore[no-any-return]
        except Exception:  # noqa: BLE001 - cut short: the parent does the share again
            return None


def _child(tasks: list[Task], writer: OutputWriter, cache: Cache, fd: int) -> None:
    status = 1
    try:
        cache.in_forked_child()
        part = writer.staged.share()  # the pages go to the staging folder, their records to the parent
        into = writer.into(part)
        for task in tasks:
            task(into)
        report: Report = (part.records, part.files, cache.pending)
        with os.fdopen(fd, "wb", PIPE_BYTES) as pipe:  # (pickled in frames as it goes: no copy of it whole)
            pickle.dump(report, pipe, protocol=pickle.HIGHEST_PROTOCOL)
        status = 0
    except BaseException:  # noqa: BLE001 - reported by the parent doing the work again
        pass
    finally:
        os._exit(status)
