"""A long liveblog's finished entries kept in the persistent cache in groups of files,
so that a fresh `sitegen build` after one edit decodes what it kept and remakes one group.

`serve` keeps each folder's files, entries and facts in memory (folderstate.py) and
merges the files its watcher saw change. A new process (a newsroom's cron job or CI,
publishing after each edit) has only the persistent cache: one value for the whole
folder would be encoded and stored again after every edit (15 MB at 10,000 entries),
one per file would mean 10,000 lookups, decodes and `make_entry` calls. So a folder's
files are spread over `BUCKETS` groups by a hash of their names (a file stays in its
group as the folder grows): each group's value holds its files' finished entries and
the facts the cross-entry rules read, after a key naming every one of its files'
texts; it is kept under the group's name and replaced when the group changes, so
the cache holds one copy of the folder, not one group more per edit. After one edit
one group misses: the edited file's entries are made, its unchanged files' taken from
the group's last value (`decode_files`, when its key says it was made with the same
zone and settings), and the group is kept anew; every other group is decoded as it was
kept. No file's parse is kept beside its group's value (it would be 10,000 more values
written by a cold build), only for a group the codec refuses.

A fresh build takes a group whose files stand as the last fresh build stamped them
without reading or looking up any of them (groupstamps.py: `decode_stamped` then takes
each file's text key from the value itself).

The encoding is positional JSON made for `Entry` (lists, which the parser hands back
without calling Python per field), written and read by orjson. What it cannot give back
exactly (a processed picture, an author with more than a name who is not one of
`authors:`, a time whose zone has no name, a text that is not UTF-8) is refused
with `Unencodable`: that group is then made every time, from its files' kept parses.
The test suite checks every value kept against its decoded copy (SITEGEN_VERIFY_INPUTS).
JSON, never pickle: a cache file cannot run code.
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from itertools import chain
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from sitegen.incremental.filecache import SourceText, Unencodable
from sitegen.model.site import Attribution, Author, Entry, SourceRef, StreamKey, stream_key
from sitegen.source.entry_rules import Facts

BUCKETS = 64  # groups per folder: after an edit, one 64th of the folder is encoded again
FIELDS = tuple(f.name for f in fields(Entry))  # (a test holds `_entry` and `_row` to them)
_SET_PATH, _SET_LINE = SourceRef.path.__set__, SourceRef.line.__set__  # type: ignore[attr-defined]


class _Filling:
    """An `Entry`'s very layout (its slots, in order), not frozen: `_entry` fills one in
    with plain stores, which CPython turns into direct slot writes, then makes it the
    Entry it is by setting `__class__` (allowed between classes of one layout, and
    refused otherwise). A frozen dataclass's __init__ goes through object.__setattr__ by
    name, field by field, and even its slots' descriptors called one by one take four
    times as long: 10,000 entries after each edit."""

    __slots__ = FIELDS


def bucket_of(name: str) -> int:
    """The group a file belongs to, by its name alone (stable as the folder changes; the
    group's cache key names the folder). Not by its whole path: a path made from its
    folder's listing has yet to be spelled out, which costs more than the hash."""
    return zlib.crc32(name.encode("utf-8", "surrogatepass")) % BUCKETS


@dataclass(frozen=True)
class GroupFile:
    """One entry file's part of a group: its text (by key), facts and finished entries,
    with each entry's `stream_key` (the sort key of the liveblog's stream)."""

    source: SourceText
    facts: Facts
    entries: tuple[Entry, ...]
    keys: tuple[StreamKey, ...]

    @classmethod
    def of(cls, source: SourceText, facts: Facts, entries: tuple[Entry, ...]) -> "GroupFile":
        return cls(source, facts, entries, tuple([stream_key(e) for e in entries]))


def encode_group(files: list[GroupFile], people: dict[str, Author]) -> str:
    """The group's value; `Unencodable` when any entry would not come back the same.
    The entries' bodies (most of its bytes) follow the JSON as they are, one after the
    other, the JSON giving each one's length: decoding slices them out instead of
    scanning them for escapes (`decode_group`)."""
    bodies: list[str] = []
    data = [[f.source.key, list(f.facts[0]), sorted(f.facts[1]), sorted(f.facts[2]),
             [_without_bodies(_row(e, f.source.path, people), bodies) for e in f.entries], [k[0] for k in f.keys]]
            for f in files]
    try:
        text = orjson.dumps(data).decode("utf-8") + "\n" + "".join(bodies)
    except orjson.JSONEncodeError as exc:  # (a lone surrogate: none comes from a file read as UTF-8)
        raise Unencodable(f"the group codec cannot write {exc}") from None
    if os.environ.get("SITEGEN_VERIFY_INPUTS") == "1":
        back = decode_group(text, [f.source for f in files], people)  # (equal, and the entries written the same)
        if back != files or repr([f.entries for f in back]) != repr([f.entries for f in files]):
            raise AssertionError(f"entry group codec does not round-trip {files!r:.300}")
    return text


def decode_group(text: str, sources: list[SourceText], people: dict[str, Author],
                 start: int = 0) -> list[GroupFile] | None:
    """The group kept for exactly these files (in this order), or None: a value that
    does not fit (written by other code, damaged) is made afresh instead. `start`: where
    the value begins in `text` (after the cache's key line: not sliced off, a copy of a
    megabyte a group at 50,000 entries)."""
    decoded = decode_files(text, sources, people, start)
    if decoded is None or decoded[0] != [source.key for source in sources]:
        return None
    return list(decoded[1].values())


def decode_files(text: str, sources: list[SourceText], people: dict[str, Author],
                 start: int = 0) -> tuple[list[str], dict[str, GroupFile]] | None:
    """(the key of every file the value holds, in order; the parts of those among
    `sources`, by key), or None for a value that does not fit. After an edit, the
    group's other files are taken from its last value (entries.py), not parsed again."""
    decoded = _decoded(text, start, people, {source.key: source for source in sources})
    return None if decoded is None else (decoded[0], {part.source.key: part for part in decoded[1]})


@dataclass(frozen=True)
class StampedGroup:
    """A group taken by its stamp (`decode_stamped`): what a fresh build reads of it, not a
    `GroupFile` per file (after an edit, 10,000 of them made only to be let go)."""

    keys: list[str]  # each file's text key, in the order of its paths
    facts: Facts  # its files' facts as one: all the cross-entry rules ask of them (no id twice, ...)
    stream: list[tuple[int, str, Entry]]  # each entry after its stream_key


def decode_stamped(text: str, paths: list[Path], people: dict[str, Author], start: int = 0) -> StampedGroup | None:
    """The group kept for exactly these files (in this order), their text keys taken
    from the value: their stamps say they are the texts it was made from
    (groupstamps.py); None for a value that does not fit."""
    try:
        data = _rows_with_bodies(text, start)
        if data is None or len(data) != len(paths):
            return None
        shared: tuple[dict[Any, Any], ...] = ({}, {}, {}, {})  # (see `_entry`)
        stream: list[tuple[int, str, Entry]] = []
        for path, (_, _, _, _, rows, moments) in zip(paths, data):
            for row, moment in zip(rows, moments):
                entry = _entry(row, path, people, shared)
                stream.append((moment, entry.id, entry))
        facts = (tuple(chain.from_iterable(file[1] for file in data)), frozenset().union(*(file[2] for file in data)),
                 frozenset().union(*(file[3] for file in data)))
        return StampedGroup([file[0] for file in data], facts, stream)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None


def _decoded(text: str, start: int, people: dict[str, Author],
             wanted: dict[str, SourceText]) -> tuple[list[str], list[GroupFile]] | None:
    """(the key of every file the value holds, in order; the parts of those among
    `wanted`, by key), or None for a value that does not fit."""
    try:
        data = _rows_with_bodies(text, start)
        if data is None:
            return None
        keys: list[str] = []
        found: list[GroupFile] = []
        shared: tuple[dict[Any, Any], ...] = ({}, {}, {}, {})  # (see `_entry`)
        sets: dict[frozenset[str], frozenset[str]] = {}  # (the facts' topics and images: `serve` keeps every file's)
        for key, ids, topics, images, rows, moments in data:
            source = wanted.get(key)
            keys.append(key)
            if source is not None:
                entries = tuple([_entry(row, source.path, people, shared) for row in rows])
                stream_keys = tuple([(moment, entry.id) for moment, entry in zip(moments, entries)])
                found.append(GroupFile(source, (tuple(ids), _one_of(sets, topics), _one_of(sets, images)), entries,
                                       stream_keys))
        return keys, found
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None


def _rows_with_bodies(text: str, start: int) -> list[Any] | None:
    """The value's JSON (from `start`), each file as [key, ids, topics, images, rows,
    moments], every row's bodies put back; None for a value that does not fit. Only the
    JSON's line is copied out (for orjson, which reads it in less time than json reads
    it in place), the bodies sliced straight out of `text`. Raises what a damaged value makes the decoders raise."""
    end = text.find("\n", start)  # (the JSON's end: it holds no raw newline)
    if end < 0:
        return None
    data = orjson.loads(text[start:end])
    if type(data) is not list:
        return None
    at = end + 1  # (the bodies follow the JSON's line)
    for key, _, _, _, rows, moments in data:
        if type(key) is not str or len(moments) != len(rows):  # (the key names the path and its text)
            return None
        for row in rows:
            at = _with_bodies(row, text, at)
    return data if at == len(text) else None


def _one_of(sets: dict[frozenset[str], frozenset[str]], values: list[str]) -> frozenset[str]:
    """The set of `values`: one object for every file of the group naming the same (a few
    dozen sets of topics among thousands of files; `serve` keeps each file's facts)."""
    made = frozenset(values)
    return sets.setdefault(made, made)


def _row(e: Entry, path: Path, people: dict[str, Author]) -> list[Any]:
    """An entry as a list, in the order of its fields; what the reader never sets
    (scheduled, picture, media: later stages do) must be at its default."""
    if e.origin.path != path or e.scheduled or e.picture is not None or e.media:
        raise Unencodable(f"entry {e.id!r} holds what the group codec does not keep")
    return [e.id, _time(e.time), e.title, list(e.topics), e.author, e.pinned, e.key_event, e.draft, e.image,
            e.caption, e.credit, None if e.source is None else [e.source.name, e.source.url],
            None if e.updated is None else _time(e.updated), e.body_html, e.digest, e.origin.line,
            e.correction_html, [_author(a, people) for a in e.authors], e.alt]


BODY, CORRECTION = 13, 16  # where `_row` puts body_html and correction_html


def _without_bodies(row: list[Any], bodies: list[str]) -> list[Any]:
    """The row with its body and correction (if any) moved to `bodies`, their lengths left."""
    for at in (BODY, CORRECTION):
        if row[at] is not None:
            bodies.append(row[at])
            row[at] = len(row[at])
    return row


def _with_bodies(row: list[Any], text: str, at: int) -> int:
    """Put back what `_without_bodies` took, from `text` at `at`; where the next begins."""
    for field in (BODY, CORRECTION):
        length = row[field]
        if length is not None:
            if type(length) is not int or length < 0 or at + length > len(text):
                raise ValueError("a body's length that does not fit")
            row[field] = text[at:at + length]
            at += length
    return at


def _entry(row: list[Any], path: Path, people: dict[str, Author], shared: tuple[dict[Any, Any], ...]) -> Entry:
    """The entry `_row` wrote, filled in as a `_Filling` (a fresh build after an edit
    decodes thousands). The values many entries repeat (their topics, authors, byline,
    source) are one object for all of them, from `shared`: a 50,000-entry liveblog's
    entries are what its build holds longest."""
    (entry_id, time, title, topics, author, pinned, key_event, draft, image, caption, credit, source, updated,
     body_html, digest, line, correction_html, authors, alt) = row
    same_topics, same_authors, same_sources, same_bylines = shared
    origin = object.__new__(SourceRef)
    _SET_PATH(origin, path)
    _SET_LINE(origin, line)
    topics = tuple(topics)
    names = tuple([a if type(a) is str else (a[0],) for a in authors])  # (a profile as a 1-tuple: not a name)
    made = same_authors.get(names)
    if made is None:
        made = same_authors[names] = tuple([people[a[0]] if type(a) is list else _named(a) for a in authors])
    if source is not None:
        pair = (source[0], source[1])
        source = same_sources.get(pair) or same_sources.setdefault(pair, _attribution(*pair))
    entry: Any = object.__new__(_Filling)
    entry.id = entry_id
    entry.time = _when(time)
    entry.title = title
    entry.topics = same_topics.setdefault(topics, topics)
    entry.author = author and same_bylines.setdefault(author, author)
    entry.pinned = pinned
    entry.key_event = key_event
    entry.draft = draft
    entry.image = image
    entry.caption = caption
    entry.credit = credit
    entry.source = source
    entry.updated = None if updated is None else _when(updated)
    entry.body_html = body_html
    entry.digest = digest
    entry.origin = origin
    entry.scheduled = False
    entry.correction_html = correction_html
    entry.authors = made
    entry.alt = alt
    entry.picture = None
    entry.media = ()
    entry.__class__ = Entry
    return entry  # type: ignore[no-any-return]


def _time(value: datetime) -> Any:
    """A zone's time as [local time, fold, zone name]; a fixed offset's as ISO 8601."""
    zone = value.tzinfo
    if isinstance(zone, ZoneInfo) and zone.key:
        return [value.replace(tzinfo=None).isoformat(), value.fold, zone.key]
    if type(zone) is not timezone or value.fold:
        raise Unencodable(f"a time the group codec does not keep: {value!r}")
    return value.isoformat()


def _when(value: Any) -> datetime:
    if type(value) is str:
        return datetime.fromisoformat(value)
    local, fold, key = value
    return datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(key), fold=fold)


def _author(author: Author, people: dict[str, Author]) -> Any:
    """One of `authors:` by its id (decoded as that very profile), a bare name as text."""
    if author.id is not None and people.get(author.id) is author:
        return [author.id]
    if author == Author(None, author.name):
        return author.name
    raise Unencodable(f"author {author.name!r} is neither in `authors:` nor a bare name")


def _named(name: str) -> Author:
    author = object.__new__(Author)
    author.__dict__.update(id=None, name=name, role=None, image=None, url=None, picture=None)
    return author


def _attribution(name: str, url: str | None) -> Attribution:
    found = object.__new__(Attribution)
    found.__dict__.update(name=name, url=url)
    return found
