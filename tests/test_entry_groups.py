"""A fresh build keeps a liveblog's finished entries in groups of files
(incremental/entrygroups.py): after an edit only the edited file's group is made
again, a damaged group is made afresh, and the output is always what a build without
any cache writes."""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import FrozenInstanceError
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sitegen.build.pipeline import build, default_options
from sitegen.incremental import entries as entries_module
from sitegen.incremental import groupstamps, groupwork
from sitegen.incremental.entries import CachedEntryReader
from sitegen.incremental.entrygroups import (BUCKETS, GroupFile, bucket_of, decode_group, decode_stamped,
                                             encode_group)
from sitegen.incremental.filecache import ParsedFiles, SourceText, Unencodable
from sitegen.incremental.filestamps import FileStamps
from sitegen.model.pictures import Picture
from sitegen.model.site import Attribution, Author, Entry, SourceRef
from sitegen.output.skip import StaleInputs
from sitekit import DEFAULT_LIVEBLOG, entry_md, make_site, snapshot

COUNT = 40  # entry files: spread over many groups
GROUP_VALUE = "value LIKE '%' || char(10) || '[[\"%'"  # (SQL: a group's value, after its key)


@pytest.fixture
def made(monkeypatch) -> list[list[Path]]:
    """The files whose group each build made (rather than decoded), one list per build."""
    calls: list[list[Path]] = []
    original = CachedEntryReader.group_parts

    def spy(self, texts, plan, last=None):  # type: ignore[no-untyped-def]
        calls.append([t.path for t in texts])
        return original(self, texts, plan, last)
    monkeypatch.setattr(CachedEntryReader, "group_parts", spy)
    return calls


def _site(root: Path) -> Path:
    entries = {f"e{n:02d}.md": entry_md(f"2025-03-01T{n // 4 + 1:02d}:{n % 4 * 15:02d}", f"Entry {n}.",
                                        title=f"Entry {n}", topics="[energy]" if n % 3 else "[]")
               for n in range(COUNT)}
    return make_site(root, liveblogs={"live": {"liveblog.yaml": DEFAULT_LIVEBLOG, **entries}})


def _same_as_fresh(site: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    build(default_options(site, fresh, use_cache=False))
    assert snapshot(site / "output") == snapshot(fresh)


def test_after_an_edit_only_its_group_is_made_again(tmp_path: Path, made: list[list[Path]]) -> None:
    site = _site(tmp_path / "site")
    folder = site / "content/live"
    build(default_options(site))
    assert sorted(made[0]) == sorted(folder.glob("e*.md"))  # a first build makes every group
    edited = folder / "e07.md"
    edited.write_text(edited.read_text("utf-8").replace("Entry 7.", "Entry 7, corrected."), "utf-8")
    build(default_options(site))
    assert edited in made[1]
    assert {bucket_of(p.name) for p in made[1]} == {bucket_of(edited.name)}
    assert sorted(made[1]) == sorted(p for p in folder.glob("e*.md") if bucket_of(p.name) == bucket_of(edited.name))
    stamp = edited.stat()  # new stamps, the same text: every group as kept
    os.utime(edited, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1_000_000_000))
    build(default_options(site))
    assert len(made) == 2
    _same_as_fresh(site, tmp_path)
    db = sqlite3.connect(site / ".sitegen-cache/fragments.sqlite3")
    kept = db.execute(f"SELECT count(*) FROM fragments WHERE {GROUP_VALUE}").fetchone()[0]
    db.close()
    assert kept == len({bucket_of(p.name) for p in folder.glob("e*.md")})  # the edited group replaced, not added


def test_a_damaged_group_is_made_afresh(tmp_path: Path, made: list[list[Path]]) -> None:
    site = _site(tmp_path / "site")
    build(default_options(site))
    db = sqlite3.connect(site / ".sitegen-cache/fragments.sqlite3")
    with db:
        damaged = db.execute(f"UPDATE fragments SET value='[[\"x' WHERE {GROUP_VALUE}").rowcount
    db.close()
    assert damaged > 1
    (site / "content/live/e03.md").write_text(entry_md("2025-03-01T01:45", "Entry 3, again.", title="Entry 3"),
                                             "utf-8")
    build(default_options(site))
    assert len(made[1]) == COUNT  # every group made again from the files' cached parses
    _same_as_fresh(site, tmp_path)


def test_a_broken_rule_across_groups_is_reported_as_usual(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(groupstamps, "RACY_NS", 0)  # (so that the build after the failed one takes groups by stamp)
    site = _site(tmp_path / "site")
    build(default_options(site))
    folder = site / "content/live"
    first, second = sorted(folder.glob("e*.md"), key=lambda p: bucket_of(p.name))[:: COUNT - 1]
    assert bucket_of(first.name) != bucket_of(second.name)
    second.write_text(entry_md("2025-03-02T10:00", "Twin.", id=first.stem), "utf-8")
    with pytest.raises(Exception) as failed:
        build(default_options(site))
    assert f"duplicate entry id {first.stem!r}" in str(failed.value)
    taken: list[Path] = []

    def decode(text: str, paths: list[Path], *args: object) -> object:
        taken.extend(paths)
        return decode_stamped(text, paths, *args)

    monkeypatch.setattr(entries_module, "decode_stamped", decode)
    with pytest.raises(Exception) as again:  # (the first's group now taken by its stamp: its files' facts as one)
        build(default_options(site))
    assert f"duplicate entry id {first.stem!r}" in str(again.value)
    assert first in taken and second not in taken  # (the failed build kept no value for the second's group)


def _source(path: Path) -> SourceText:
    return SourceText(path, None, f"key of {path.name}")


def _entry(path: Path, **changes: object) -> Entry:
    values: dict[str, object] = dict(
        id="e1", time=datetime(2025, 3, 30, 3, 30, tzinfo=ZoneInfo("Europe/Kyiv")), title="Title",
        topics=("energy", "talks"), author="Ann, Bob", pinned=True, key_event=True, draft=False,
        image="images/a.jpg", caption="A caption", credit="Photo: Ann",
        source=Attribution("Agency", "https://example.org/a"),
        updated=datetime(2025, 3, 30, 4, 0, tzinfo=timezone(timedelta(hours=2))), body_html="<p>Body \u2014 \"x\"</p>",
        digest="d" * 64, origin=SourceRef(path, 3), correction_html="<p>Fixed.</p>", alt="",
        authors=(Author("ann", "Ann", role="Reporter", url="https://example.org/ann"), Author(None, "Bob")))
    values.update(changes)
    return Entry(**values)  # type: ignore[arg-type]


def test_the_group_codec_gives_back_every_field(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    ann = Author("ann", "Ann", role="Reporter", url="https://example.org/ann")
    people = {"ann": ann}
    folded = datetime(2025, 10, 26, 3, 30, fold=1, tzinfo=ZoneInfo("Europe/Kyiv"))
    entries = (_entry(path, authors=(ann, Author(None, "Bob"))),
               _entry(path, id="e2", time=folded, title=None, topics=(), source=None, updated=None,
                      correction_html=None, authors=(), alt=None, image=None, origin=SourceRef(path, 9)))
    group = [GroupFile.of(_source(path), (("e1", "e2"), frozenset({"energy", "talks"}), frozenset({"images/a.jpg"})),
                       entries)]
    back = decode_group(encode_group(group, people), [_source(path)], people)
    assert back == group and repr([f.entries for f in back]) == repr([f.entries for f in group])
    assert back[0].entries[0].authors[0] is ann  # a profile comes back as that very profile
    assert back[0].entries[1].time.fold == 1
    assert not hasattr(back[0].entries[0], "__dict__")  # slotted, as the constructor makes them (memory)
    assert type(back[0].entries[0]) is Entry  # (filled in as another class of its layout: see `_entry`)
    with pytest.raises(FrozenInstanceError):
        back[0].entries[0].title = "changed"  # type: ignore[misc]
    assert decode_group(encode_group(group, people), [_source(tmp_path / "b.yaml")], people) is None
    assert decode_group("[[", [_source(path)], people) is None


def test_the_bodies_after_the_groups_json_come_back_whole_or_not_at_all(tmp_path: Path) -> None:
    """Bodies follow the JSON by their lengths in characters (newlines, astral
    characters and all); a value cut short or padded is made afresh."""
    path = tmp_path / "a.md"
    entries = (_entry(path, body_html="<p>one\ntwo \U0001F600 \u2014</p>\n", correction_html="\n", authors=()),
               _entry(path, id="e2", body_html="", correction_html=None, authors=()))
    group = [GroupFile.of(_source(path), (("e1", "e2"), frozenset(), frozenset()), entries)]
    text = encode_group(group, {})
    assert decode_group(text, [_source(path)], {}) == group
    assert decode_group(text[:-1], [_source(path)], {}) is None
    assert decode_group(text + "x", [_source(path)], {}) is None


@pytest.mark.parametrize("changes", [
    {"authors": (Author("ann", "Ann", role="Reporter"),)},  # not the profile of `authors:`
    {"picture": Picture("a.jpg", "photo", (), ())},  # set by a later stage, never by the reader
    {"time": datetime(2025, 3, 30, 3, 30)},  # no zone
    {"title": "half a pair \ud83d"},  # a lone surrogate, not UTF-8 (the YAML reader refuses its escape)
])
def test_what_the_group_codec_cannot_give_back_is_refused(tmp_path: Path, changes: dict[str, object]) -> None:
    path = tmp_path / "a.md"
    group = [GroupFile(_source(path), (("e1",), frozenset(), frozenset()), (_entry(path, **changes),), ((0, "e1"),))]
    with pytest.raises(Unencodable):
        encode_group(group, {})


def test_a_file_changed_after_its_stamps_were_taken_is_read_as_it_is(tmp_path: Path, monkeypatch) -> None:
    """The stamps give a file's old text key (it changed after the check looked) while
    neither its group nor its parse is cached any more: it is read as it is now, and
    the build goes on with that text (it used to end in a KeyError)."""
    site = _site(tmp_path / "site")
    build(default_options(site))
    edited = site / "content/live/e05.md"
    old_key: list[str] = []
    remember, known = FileStamps.remember, FileStamps.known

    def spy(self, path, taken, key):  # type: ignore[no-untyped-def]
        if path == edited:
            old_key.append(key)
        return remember(self, path, taken, key)

    def stale(self, path):  # type: ignore[no-untyped-def]
        key, now = known(self, path)
        return (old_key[0], now) if path == edited else (key, now)
    monkeypatch.setattr(FileStamps, "remember", spy)
    os.utime(edited, ns=(edited.stat().st_atime_ns, edited.stat().st_mtime_ns + 1_000_000_000))
    build(default_options(site))  # (read again: its key is recorded)
    assert old_key
    edited.write_text(entry_md("2025-03-01T02:15", "Entry 5, changed meanwhile.", title="Entry 5"), "utf-8")
    db = sqlite3.connect(site / ".sitegen-cache/fragments.sqlite3")
    with db:  # (no file's parse is kept: each group's value holds its files' entries)
        assert db.execute("SELECT count(*) FROM fragments WHERE value LIKE '[{\"@\":\"Draft\"%'").fetchone() == (0,)
        groups = len({bucket_of(p.name) for p in (site / "content/live").glob("e*.md")})
        assert db.execute(f"DELETE FROM fragments WHERE {GROUP_VALUE}").rowcount == groups
    db.close()
    monkeypatch.setattr(FileStamps, "known", stale)
    build(default_options(site))
    _same_as_fresh(site, tmp_path)


def _parses(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """The names of the entry files this process parses from now on."""
    names: list[str] = []
    real = entries_module.parse_entry_file

    def counted(path, text, problems):  # type: ignore[no-untyped-def]
        names.append(path.name)
        return real(path, text, problems)
    monkeypatch.setattr(entries_module, "parse_entry_file", counted)
    return names


def test_after_an_edit_the_groups_other_files_come_from_its_last_value_not_parsed_again(
        tmp_path: Path, monkeypatch, made: list[list[Path]]) -> None:
    monkeypatch.delenv("SITEGEN_VERIFY_INPUTS")  # (which would parse them, to compare)
    site = _site(tmp_path / "site")
    folder = site / "content/live"
    for n in range(BUCKETS + 1 - COUNT):  # (more files than groups: some group holds two)
        (folder / f"f{n:02d}.md").write_text(entry_md(f"2025-03-02T{n % 24:02d}:00", f"More {n}."), "utf-8")
    build(default_options(site))
    files = sorted(folder.glob("[ef]*.md"))
    edited = next(p for p in files if sum(bucket_of(q.name) == bucket_of(p.name) for q in files) > 1)
    neighbours = [p for p in files if bucket_of(p.name) == bucket_of(edited.name) and p != edited]
    edited.write_text(edited.read_text("utf-8").replace(".\n", ", corrected.\n"), "utf-8")
    parsed = _parses(monkeypatch)
    build(default_options(site))
    assert sorted(made[1]) == sorted([edited, *neighbours]) and parsed == [edited.name]
    _same_as_fresh(site, tmp_path)


def test_a_groups_last_value_made_in_another_time_zone_is_not_taken(tmp_path: Path, monkeypatch) -> None:
    site = _site(tmp_path / "site")
    folder = site / "content/live"
    build(default_options(site))
    (site / "sitegen.yaml").write_text((site / "sitegen.yaml").read_text("utf-8").replace(
        "timezone: UTC", "timezone: Asia/Tokyo"), "utf-8")
    edited = folder / "e07.md"
    edited.write_text(edited.read_text("utf-8").replace("Entry 7.", "Entry 7, corrected."), "utf-8")
    parsed = _parses(monkeypatch)
    build(default_options(site))
    assert len(parsed) >= COUNT  # every group made again: its last value's entries are in UTC
    _same_as_fresh(site, tmp_path)


def test_a_group_whose_value_cannot_be_kept_keeps_its_files_parses(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("SITEGEN_VERIFY_INPUTS")
    site = _site(tmp_path / "site")

    def refused(files, people):  # type: ignore[no-untyped-def]
        raise Unencodable("as a processed picture would be")
    monkeypatch.setattr(groupwork, "encode_group", refused)  # (where every group value is encoded)
    build(default_options(site))
    db = sqlite3.connect(site / ".sitegen-cache/fragments.sqlite3")
    drafts = db.execute("SELECT count(*) FROM fragments WHERE value LIKE '[{\"@\":\"Draft\"%'").fetchone()[0]
    db.close()
    assert drafts == COUNT
    edited = site / "content/live/e07.md"
    edited.write_text(edited.read_text("utf-8").replace("Entry 7.", "Entry 7, corrected."), "utf-8")
    parsed = _parses(monkeypatch)
    build(default_options(site))
    assert set(parsed) == {"e07.md"}  # the others' parses from the cache
    _same_as_fresh(site, tmp_path)


def _reads(monkeypatch) -> list[Path]:  # type: ignore[no-untyped-def]
    """The source files this process reads from now on."""
    paths: list[Path] = []
    real = ParsedFiles._read

    def counted(self, path, problems):  # type: ignore[no-untyped-def]
        paths.append(path)
        return real(self, path, problems)
    monkeypatch.setattr(ParsedFiles, "_read", counted)
    return paths


def _stamp_records(site: Path) -> list[dict[str, list[str]]]:
    """The stamp records (groupstamps.py) in the site's cache: bucket -> [stamp, key line]."""
    db = sqlite3.connect(site / ".sitegen-cache/fragments.sqlite3")
    values = [json.loads(value) for (value,) in db.execute("SELECT value FROM fragments WHERE value LIKE '{\"%'")]
    db.close()
    return [value for value in values
            if value and all(isinstance(entry, list) and len(entry) == 2 for entry in value.values())]


def test_groups_whose_files_are_as_stamped_are_taken_without_reading_a_file(tmp_path: Path, monkeypatch) -> None:
    """A fresh build takes each group whose files the up-to-date check found as they were
    (inode, size, mtime, ctime) from its value, reading none of them; the edited file's
    group and a group given a new file are read (and made) again."""
    monkeypatch.setattr(groupstamps, "RACY_NS", 0)  # (files written just now would be "racy": never stamped)
    monkeypatch.delenv("SITEGEN_VERIFY_INPUTS")  # (which would read them, to compare)
    site = _site(tmp_path / "site")
    folder = site / "content/live"
    build(default_options(site))
    (record,) = _stamp_records(site)
    assert sorted(map(int, record)) == sorted({bucket_of(p.name) for p in folder.glob("*.md")})
    assert all(stamp != groupstamps.NO_STAMP and line.endswith("\n") for stamp, line in record.values())
    edited, added = folder / "e07.md", folder / "new.md"
    edited.write_text(edited.read_text("utf-8").replace("Entry 7.", "Entry 7, corrected at length."), "utf-8")
    added.write_text(entry_md("2025-03-02T09:00", "A new entry."), "utf-8")
    read = _reads(monkeypatch)
    build(default_options(site))
    files = sorted(folder.glob("*.md"))
    changed = {bucket_of(edited.name), bucket_of(added.name)}
    assert sorted(read) == [p for p in files if bucket_of(p.name) in changed]
    _same_as_fresh(site, tmp_path)


def test_a_group_holding_a_file_changed_just_before_the_check_gets_no_stamp(tmp_path: Path) -> None:
    """Git's rule against racy files: a second write in the same clock tick could leave a
    file's signature as it was, so a group holding a file changed within two seconds of
    the check gets `NO_STAMP` and is not recorded (its files are read, or looked up, next
    time)."""
    site = _site(tmp_path / "site")
    build(default_options(site))
    assert _stamp_records(site) == []


def test_a_stamp_that_stands_for_other_texts_is_caught_by_the_verifying_suite(tmp_path: Path, monkeypatch) -> None:
    """Under SITEGEN_VERIFY_INPUTS (the test suite), a group taken by its stamp is checked
    against its files' texts: a stamp that did not change when a file did is an error."""
    monkeypatch.setattr(groupstamps, "group_stamp", lambda folder, paths, stamped, key: "always the same")
    site = _site(tmp_path / "site")
    build(default_options(site))
    edited = site / "content/live/e07.md"
    edited.write_text(edited.read_text("utf-8").replace("Entry 7.", "Entry 7, corrected."), "utf-8")
    with pytest.raises(StaleInputs):
        build(default_options(site))
