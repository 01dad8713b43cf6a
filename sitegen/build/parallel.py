"""Rendering and writing many pages on every core.

A cold build of a long liveblog renders thousands of entry pages. After the
model is built, the process forks one renderer per core: each renders its share
of the groups of pages and stages the files itself, into the build's staging
folder (`StagedBuild.share`), then sends the parent what it recorded (a
`core.forking.Forked` child's result, pickled between processes of the same build):
the files it staged and kept, and its new cache values. Creating a file is kernel
work that both cores can do at once (measured on this project's 2-core VM: 10,000
folders with a page each took 10-20 s from one process and 10 s from two, each its
half), so a single writing process would cap a build at one core's worth of file
creation. The parent claimed every path first, so clashes are reported exactly as
without the fork.
If a renderer fails for any reason, the parent renders its share itself (files
a renderer left half-written are written again): a template error or a full
disk then surfaces in the parent, with its usual message.
Each renderer sets how many pages it has made in a `Tally` slot of its own, which the
parent reads while it waits for them: the progress line counts the pages as they are
made (a long liveblog's first build renders for many seconds), not only as planned.
"""

from __future__ import annotations

import os
from typing import Callable, TypeVar

from sitegen.core.forking import Forked, Tally, can_fork, untold
from sitegen.core.memory import release_freed
from sitegen.incremental.cache import Cache
from sitegen.output.record import FileRecord
from sitegen.output.writer import OutputWriter, Task

R = TypeVar("R")

MIN_TASKS = 8  # groups of pages (about 50 each) below which forking does not pay

Report = tuple[dict[str, FileRecord], dict[str, None], dict[str, str]]  # (records, files staged, cache values)


def write_split(tasks: list[Task], writer: OutputWriter, cache: Cache, meanwhile: Callable[[], R],
                forked: Callable[[], None] | None = None, made: Callable[[int], None] | None = None) -> R:
    """Run the tasks (each renders and writes some pages, deferred by `writer.deferring`:
    their paths are claimed already), rendering on every core, and `meanwhile()` (the
    build's other files) in this process as they run; its result. `forked` is called once
    renderers are forked: what only they need (they inherited it) can go here. `made` is
    told how many pages are made so far, as they are."""
    writer = writer.making_deferred()
    made = made or untold
    cores = os.cpu_count() or 1
    if len(tasks) < MIN_TASKS or cores < 2 or not can_fork():
        before = len(writer.staged.records)
        for task in tasks:
            task(writer)
            made(len(writer.staged.records) - before)
        return meanwhile()
    renderers = min(cores, 4)
    return _render_in_children([tasks[i::renderers] for i in range(renderers)], writer, cache, meanwhile, forked,
                               made)


def _render_in_children(shares: list[list[Task]], writer: OutputWriter, cache: Cache, meanwhile: Callable[[], R],
                        forked: Callable[[], None] | None, made: Callable[[int], None]) -> R:
    """Each share rendered by a forked renderer while this process runs `meanwhile`; a
    renderer stopped by an error here (a clash, Ctrl-C) is killed and reaped. One reading
    its report waits for the one before: it has rendered its share by then."""
    renderers: list[Forked[Report]] = []
    tally = Tally(len(shares))
    release_freed()  # (each renderer starts as large as this process is resident)
    try:
        for slot, share in enumerate(shares):
            renderers.append(_fork_renderer(share, writer, cache, tally, slot))
        if forked is not None:
            forked()
            release_freed()  # (this process goes on, with the records of every file)
        result = meanwhile()
        reports = [renderer.result(while_waiting=lambda: made(tally.total())) for renderer in renderers]
        made(tally.total())
    finally:
        for renderer in renderers:
            renderer.close()
        tally.close()
    for share, report in zip(shares, reports):
        if report is None:
            for task in share:  # the renderer failed: do its share here, errors and all
                task(writer)
            continue
        records, files, pending = report
        writer.staged.adopt(records, files)
        for key, value in pending.items():
            cache.put(key, value)
    return result


def _fork_renderer(share: list[Task], writer: OutputWriter, cache: Cache, tally: Tally, slot: int) -> Forked[Report]:
    return Forked(lambda: _rendered(share, writer, cache, tally, slot))


def _rendered(tasks: list[Task], writer: OutputWriter, cache: Cache, tally: Tally, slot: int) -> Report:
    """In a forked renderer: its share's pages staged, and what the parent must know of
    them; how many are made so far in its `slot` of the `tally`, as it goes."""
    cache.in_forked_child()
    part = writer.staged.share()  # the pages go to the staging folder, their records to the parent
    into = writer.into(part)
    for task in tasks:
        task(into)
        tally.set(slot, len(part.records))
    return part.records, part.files, cache.pending
