"""A fresh `sitegen build` after one edit (the path of a newsroom publishing from cron
or CI): what it takes over from the up-to-date check (the folder's listing), what it
no longer rewrites (the file stamps, while few are stale), and what it still looks
at (every kept page, so that a page changed by hand in the output is made again)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from sitegen.build.pipeline import build, default_options
from sitegen.incremental.cache import Cache
from sitegen.incremental.filestamps import MIN_STALE, FileStamps, Stamped
from sitegen.incremental.uptodate import source_state
from sitegen.render.themes import BUNDLED_THEMES
from sitegen.source.entries import entry_files, is_entry_name
from sitekit import DEFAULT_LIVEBLOG, entry_md, make_site, snapshot

COUNT = 30


def _site(root: Path) -> Path:
    entries = {f"e{n:02d}.md": entry_md(f"2025-03-01T{n // 4 + 1:02d}:{n % 4 * 15:02d}", f"Entry {n}.",
                                        title=f"Entry {n}")
               for n in range(COUNT)}
    return make_site(root, liveblogs={"live": {"liveblog.yaml": DEFAULT_LIVEBLOG, **entries}})


def _edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text("utf-8").replace(old, new), "utf-8")


def test_the_listing_taken_from_the_check_is_the_folders_listing(tmp_path: Path) -> None:
    site = _site(tmp_path / "site")
    folder = site / "content/live"
    (folder / ".notes.md").write_text("hidden: never an entry\n", "utf-8")
    (folder / "briefs.yml").write_text("[]\n", "utf-8")
    (folder / "odd.md").mkdir()  # (a folder named like an entry file: listed as scan_folder lists it)
    state = source_state(site, BUNDLED_THEMES, "options")
    assert state is not None and state.stamped is not None
    listed = state.stamped.listed(folder, is_entry_name)
    assert listed == entry_files(folder, site)[0]
    assert folder / "briefs.yml" in listed and folder / ".notes.md" not in listed
    assert state.stamped.listed(site / "nowhere", is_entry_name) is None  # (not looked at: listed as before)



@pytest.mark.parametrize("name", ["a.md", "a.MD", ".md", "a.md.", "a..md", "a.b.md", "md", "a.yaml", "b.yml",
                                  "liveblog.yaml", "liveblog.yml", "a.yaml.bak", "a.txt", "-.md", "\u0437.md"])
def test_an_entry_file_is_known_by_its_name_as_by_its_suffix(name: str) -> None:
    """The check's listing picks entry files by name (`is_entry_name`), before any path is
    made: the same files as the suffix pathlib finds picks."""
    path = Path("/site/content/live") / name
    by_path = path.suffix == ".md" or (path.suffix in (".yaml", ".yml") and path.name != "liveblog.yaml")
    assert is_entry_name(name) == by_path

def _stamps(cache: Cache, ctimes: list[int]) -> FileStamps:
    """A folder's stamps after a build that found its files with these ctimes."""
    signatures = {f"/f/{n}.md": (n, 10, 1, ctime) for n, ctime in enumerate(ctimes)}
    stamps = FileStamps(cache, "stamps", Stamped(time.time_ns(), signatures))
    for n in range(len(ctimes)):
        key, now = stamps.known(Path(f"/f/{n}.md"))
        if key is None:
            stamps.remember(Path(f"/f/{n}.md"), now, f"key {n} {now}")
    stamps.save()
    return stamps


def test_file_stamps_are_stored_again_only_when_enough_are_stale() -> None:
    cache, ctimes = Cache(None), [1] * 200
    _stamps(cache, ctimes)  # a first build: every file's stamp is new
    first = cache.get("stamps")
    assert first is not None and len(FileStamps(cache, "stamps").old) == 200
    ctimes[0] = 2
    assert _stamps(cache, ctimes).hits == 199  # one file edited: the stored stamps stand
    assert cache.get("stamps") == first
    ctimes[:MIN_STALE + 1] = [3] * (MIN_STALE + 1)  # many: stored again
    _stamps(cache, ctimes)
    stored = FileStamps(cache, "stamps").old
    assert cache.get("stamps") != first and len(stored) == 200 and stored["/f/0.md"][3] == 3


def test_a_kept_page_changed_by_hand_is_made_again_by_the_next_build(tmp_path: Path) -> None:
    """The writer keeps a group of entry pages whole only when each page is as the last
    build left it (size and mtime): a fresh process does not trust its record blindly."""
    site = _site(tmp_path / "site")
    out = site / "output"
    build(default_options(site))
    page = out / "live/entries/e03/index.html"
    data = page.read_bytes()
    page.write_bytes(data.replace(b"Entry 3.", b"Entry 3!"))  # (the same size, by hand)
    os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 1_000_000_000))
    _edit(site / "content/live/e20.md", "Entry 20.", "Entry 20, corrected.")  # (so that the build runs)
    result = build(default_options(site))
    assert result.written > 1
    assert page.read_bytes() == data
    fresh = tmp_path / "fresh"
    build(default_options(site, fresh, use_cache=False))
    assert snapshot(out) == snapshot(fresh)


def test_after_edits_below_the_threshold_each_build_equals_a_fresh_one(tmp_path: Path) -> None:
    site = _site(tmp_path / "site")
    build(default_options(site))
    for n in (4, 9, 4):  # (stamps not stored again: the edited files are read each time)
        _edit(site / f"content/live/e{n:02d}.md", f"Entry {n}", f"Entry {n} again")
        build(default_options(site))
        fresh = tmp_path / f"fresh{n}"
        build(default_options(site, fresh, use_cache=False))
        assert snapshot(site / "output") == snapshot(fresh)
