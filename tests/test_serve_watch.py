"""The watcher's filter and the debouncer that turns a save burst into one rebuild."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest
from serve_helpers import wait_for
from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirModifiedEvent,
    FileClosedEvent,
    FileClosedNoWriteEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileOpenedEvent,
)

from sitegen.serve.watch import ChangeLog, Debouncer, SourceWatcher, report_lost_events, watched_folders


@pytest.fixture
def watcher(tmp_path: Path):
    site = tmp_path / "site"
    for folder in ("content/night", "static", "templates", "output", ".sitegen-cache"):
        (site / folder).mkdir(parents=True)
    theme = tmp_path / "elsewhere/theme"
    (theme / "templates").mkdir(parents=True)
    changes: list[int] = []
    w = SourceWatcher(site, lambda paths: changes.append(paths), ignore=(site / "output", site / ".sitegen-cache"))
    w.watch(watched_folders(site, theme))
    w.changes = changes  # type: ignore[attr-defined]
    w.theme = theme  # type: ignore[attr-defined]
    yield w
    w.stop()


def test_watched_folders_are_the_sources_and_the_theme(watcher):
    site = watcher.source
    assert set(watched_folders(site, watcher.theme)) == {
        (site, False), (site / "content", True), (site / "static", True), (site / "templates", True),
        (watcher.theme, True)}
    assert (site / "output", True) not in watched_folders(site, watcher.theme)


@pytest.mark.parametrize("event_class", [FileOpenedEvent, FileClosedNoWriteEvent])
def test_reads_are_not_changes(watcher, event_class):
    watcher.dispatch(event_class(str(watcher.source / "content/night/a.md")))
    assert watcher.changes == []


def test_folder_mtime_noise_is_not_a_change(watcher):
    watcher.dispatch(DirModifiedEvent(str(watcher.source / "content/night")))
    assert watcher.changes == []


@pytest.mark.parametrize("event", [
    lambda s: FileModifiedEvent(str(s / "content/night/a.md")),
    lambda s: FileCreatedEvent(str(s / "content/night/b.md")),
    lambda s: FileDeletedEvent(str(s / "content/night/c.yaml")),
    lambda s: FileClosedEvent(str(s / "static/logo.svg")),
    lambda s: FileModifiedEvent(str(s / "sitegen.yaml")),
    # an editor's atomic save: write a temp file, rename it over the entry
    lambda s: FileMovedEvent(str(s / "content/night/.a.md.swp"), str(s / "content/night/a.md")),
    lambda s: FileMovedEvent(str(s / "content/night/a.md"), str(s / "content/night/a.md~")),
])
def test_changes_to_sources_count(watcher, event):
    made = event(watcher.source)
    watcher.dispatch(made)
    named = tuple(Path(p) for p in (made.src_path, getattr(made, "dest_path", "")) if p)
    assert watcher.changes == [named]  # the paths, so that a rebuild re-reads just those


def test_theme_outside_the_site_counts(watcher):
    watcher.dispatch(FileModifiedEvent(str(watcher.theme / "templates/base.html")))
    assert watcher.changes == [(watcher.theme / "templates/base.html",)]


@pytest.mark.parametrize("event", [DirCreatedEvent, DirDeletedEvent])
def test_a_folder_appearing_or_vanishing_makes_the_changes_unknown(watcher, event):
    """Files inside a folder moved in report nothing themselves: every file is checked."""
    watcher.dispatch(event(str(watcher.source / "content/night/sub")))
    assert watcher.changes == [None]


def test_change_log_collects_paths_until_taken_and_unknown_wins():
    log = ChangeLog()
    assert log.take() is None  # nothing known before the first build
    log.add([Path("/s/a.md")])
    log.add([Path("/s/b.md")])
    assert log.take() == {Path("/s/a.md"), Path("/s/b.md")}
    assert log.take() == frozenset()
    log.add([Path("/s/a.md")])
    log.add(None)
    log.add([Path("/s/c.md")])
    assert log.take() is None


def test_lost_kernel_events_make_the_changes_unknown():
    log = ChangeLog()
    log.take()
    undo = report_lost_events(log)
    try:
        logging.getLogger("watchdog.observers.inotify_c").warning("Inotify queue overflowed; filesystem events were lost")
        assert log.take() is None
    finally:
        undo()
    logging.getLogger("watchdog.observers.inotify_c").warning("Inotify queue overflowed; filesystem events were lost")
    assert log.take() == frozenset()


@pytest.mark.parametrize("rel", [
    "content/night/.a.md.swp", "content/night/a.md~", "content/night/4913", "content/night/#a.md#",
    "content/night/.#a.md", "content/night/a.md.tmp", "content/.git/index", "output/index.html",
    ".sitegen-cache/fragments.sqlite3", "README.md", "sitegen.yaml~", "notes/x.md",
])
def test_litter_and_unrelated_files_do_not_count(watcher, rel):
    watcher.dispatch(FileModifiedEvent(str(watcher.source / rel)))
    watcher.dispatch(FileCreatedEvent(str(watcher.source / rel)))
    assert watcher.changes == []


def test_a_burst_of_pokes_is_one_action():
    calls: list[int] = []
    debouncer = Debouncer(lambda: calls.append(1), settle=0.3, longest=30)
    debouncer.start()
    try:
        for _ in range(20):
            debouncer.poke()
        wait_for(lambda: calls, what="the action")
        time.sleep(0.6)  # longer than the quiet time: a second action would have run by now
        assert calls == [1]
        debouncer.poke()
        wait_for(lambda: len(calls) == 2, what="the second action")
    finally:
        debouncer.stop()


def test_changes_during_an_action_cause_exactly_one_more():
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def action() -> None:
        calls.append(1)
        started.set()
        release.wait(10)

    debouncer = Debouncer(action, settle=0.01)
    debouncer.start()
    try:
        debouncer.poke()
        assert started.wait(10)
        for _ in range(5):
            debouncer.poke()
        release.set()
        wait_for(lambda: len(calls) == 2, what="one more action")
        time.sleep(0.2)  # a third action, if the debouncer wrongly queued one, would have run
    finally:
        debouncer.stop()
    assert calls == [1, 1]


def test_an_action_that_raises_does_not_stop_the_debouncer():
    calls: list[int] = []

    def action() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")

    debouncer = Debouncer(action, settle=0.01)
    debouncer.start()
    try:
        debouncer.poke()
        wait_for(lambda: calls, what="the first action")
        debouncer.poke()
        wait_for(lambda: len(calls) == 2, what="the action after a failure")
    finally:
        debouncer.stop()
