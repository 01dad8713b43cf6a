"""How a preview starts. The first build into a new preview folder makes every page of
the liveblog: it runs before the watcher's threads start, so that it may fork renderers
as `sitegen build` does (a process with other threads never forks: `forking.can_fork`);
a save made while it ran is built before the preview is served. A kept folder's first
build makes only what changed since, with the watcher already running."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest
from serve_helpers import running, serve_site
from sitekit import article, entry_md, html_page, write

from sitegen.serve import session as session_module

SAVED = entry_md("2025-03-23T10:00", "Bravo, saved while the preview started.", title="Bravo headline",
                 topics="[diplomacy]")


@pytest.fixture
def first_builds(monkeypatch) -> list[bool]:
    """For each of the sessions' builds in order, whether it began with no thread but
    those running before (other tests' may linger): so it could fork (`forking.can_fork`)."""
    could: list[bool] = []
    rebuild = session_module.Rebuilder.rebuild
    before = set(threading.enumerate())

    def noting(self, changed=None, progress=None):  # type: ignore[no-untyped-def]
        could.append(set(threading.enumerate()) <= before)
        return rebuild(self, changed, progress)

    monkeypatch.setattr(session_module.Rebuilder, "rebuild", noting)
    return could


def _saving_after_first_build(monkeypatch, path: Path, text: str) -> None:
    """An editor's save right after the first build has read the sources (before the
    session goes on to watch them)."""
    rebuild = session_module.Rebuilder.rebuild
    saved: list[Path] = []

    def then_save(self, changed=None, progress=None):  # type: ignore[no-untyped-def]
        outcome = rebuild(self, changed, progress)
        if not saved:
            saved.append(write(path, text))
        return outcome

    monkeypatch.setattr(session_module.Rebuilder, "rebuild", then_save)


def test_a_new_preview_folders_first_build_may_fork_and_a_kept_ones_is_watched(tmp_path, first_builds):
    site = serve_site(tmp_path)
    with running(site) as session:
        assert session.last is not None and session.last.written == session.last.files
    with running(site) as again:  # (the same address, port 0: the folder kept, with its record)
        assert again.last is not None and again.last.ok and again.last.written < again.last.files
        assert again.preview is not None
        kept = again.preview.output
    shutil.rmtree(kept)  # (its record, in the cache folder, stays)
    with running(site) as anew:
        assert anew.last is not None and anew.last.written == anew.last.files
    # The parent built with the watcher's threads running, and so never forked. A kept
    # folder's first build runs watched: a save during it is seen.
    assert first_builds == [True, False, True]


def test_a_save_during_a_new_previews_first_build_is_built(tmp_path, monkeypatch):
    site = serve_site(tmp_path)
    _saving_after_first_build(monkeypatch, site / "content/night/bravo.md", SAVED)
    with running(site) as session:
        assert session.builds == 2  # (before it served: the second looked at every file)
        assert session.preview is not None
        page = html_page(session.preview.output / "night/index.html")
        assert article(page, "bravo").xpath("string(.//p)") == "Bravo, saved while the preview started."


def test_a_new_preview_with_nothing_saved_meanwhile_builds_once(tmp_path):
    site = serve_site(tmp_path)  # (written a moment before: stamps tell a later save all the same)
    with running(site) as session:
        assert session.builds == 1
        time.sleep(0.5)  # (settle is 0.05 s: a second build would have begun by now)
        assert session.builds == 1
