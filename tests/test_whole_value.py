"""A long liveblog's entries are kept as one value (filecache.ParsedFiles.keep_whole) only
when a later build is likely to read them: after a first build, or once the folder is
as the last build left it; after an edit only their key is kept. Either way the output
is what a build without any cache writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sitegen.build.pipeline import build, default_options
from sitegen.incremental.filecache import ParsedFiles
from sitekit import DEFAULT_LIVEBLOG, entry_md, make_site, snapshot


@pytest.fixture
def recalled(monkeypatch) -> list[bool]:
    """Whether each build found its liveblog's whole value (True) or made the entries."""
    found: list[bool] = []
    recall = ParsedFiles.recall_whole

    def spy(self, name, key):  # type: ignore[no-untyped-def]
        value = recall(self, name, key)
        found.append(value is not None)
        return value
    monkeypatch.setattr(ParsedFiles, "recall_whole", spy)
    return found


def _site(root: Path) -> Path:
    return make_site(root, liveblogs={"live": {
        "liveblog.yaml": DEFAULT_LIVEBLOG,
        "a.md": entry_md("2025-03-01T10:00", "First entry.", title="First"),
        "b.md": entry_md("2025-03-01T11:00", "Second entry.", title="Second"),
    }})


def _touch(path: Path) -> None:
    """New stamps, same text: the up-to-date check fails, every file's text is the same."""
    stamp = path.stat()
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000_000))


def _same_as_fresh(site: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    build(default_options(site, fresh, use_cache=False))
    assert snapshot(site / "output") == snapshot(fresh)


def test_after_an_edit_only_the_key_is_kept_until_the_folder_settles(tmp_path: Path, recalled: list[bool]) -> None:
    site = _site(tmp_path / "site")
    entry = site / "content/live/a.md"
    build(default_options(site))  # first build: the value is kept
    _touch(entry)
    build(default_options(site))
    assert recalled == [False, True]
    entry.write_text(entry.read_text("utf-8").replace("First entry.", "First entry, edited."), "utf-8")
    build(default_options(site))  # an edit: only the key
    _touch(entry)
    build(default_options(site))  # as the last build left it: made, and kept whole
    _touch(entry)
    build(default_options(site))
    assert recalled == [False, True, False, False, True]
    _same_as_fresh(site, tmp_path)
