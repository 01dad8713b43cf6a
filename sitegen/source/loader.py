"""Load and validate `content/`: liveblogs, topics and entries, into the model.

Everything is checked before anything is rendered, and every problem found is
reported at once with its file and line.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from itertools import chain
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sitegen.incremental.cache import Cache
from sitegen.config.site_config import SiteConfig, check_timezone, check_url
from sitegen.core.errors import ContentError, Problem, SitegenError, raise_all
from sitegen.incremental.filecache import Codec, ParsedFiles, SourceText
from sitegen.source.entry_rules import (LIVEBLOG_FILE, SCAFFOLD_BODY, all_well, check_entries, file_facts,
                                        images_exist, images_found, placeholder_line)
from sitegen.incremental.folderstate import FileRecord, merged_entries, remember, stream_key
from sitegen.model.site import Attribution, Entry, Liveblog, Site, SourceRef, Topic, successor
from sitegen.core.schema import Invalid, choice, parse, spec
from sitegen.source.files import MarkdownSource, listed_files, load_yaml_file, scan_folder, split_markdown
from sitegen.core.text import clean_text, normalise_slug, slug_problem
from sitegen.core.yamlsafe import YamlList, YamlMap

MAX_ENTRIES_PER_FILE = 5000

# Renders many (entry id, Markdown body) pairs at once, so that misses can be batched.
BodyRenderer = Callable[[list[tuple[str, str]]], list[str]]


def check_time(value: str) -> str:
    """ISO 8601 with a time of day; the offset may be left out (liveblog time)."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{value!r} is not an ISO 8601 time such as 2025-03-23T09:15 or "
                      "2025-03-23T09:15:00+02:00") from None
    if len(value.strip()) <= 10 and parsed.hour == parsed.minute == 0:
        raise Invalid(f"{value!r} has no time of day; write e.g. {value}T09:15")
    if not 2 <= parsed.year <= 9998:  # beyond, moving between timezones overflows
        raise Invalid(f"{value!r} is out of range (years 2 to 9998)")
    return value


def check_image(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("", "http", "https") or value.startswith("//"):
        raise Invalid(f"must be a path under static/ or an http(s) URL, not {value!r}")
    if not parts.scheme and ".." in parts.path.replace("\\", "/").split("/"):
        raise Invalid(f"must stay inside static/ (no '..'), not {value!r}")
    return value


@dataclass(frozen=True)
class SourceFields:
    name: str = spec()
    url: str | None = spec(None, check=check_url)


@dataclass(frozen=True)
class EntryFields:
    """What an entry's front matter (or list item) may say."""

    time: str = spec(check=check_time)
    id: str | None = spec(None)
    title: str | None = spec(None)
    topics: tuple[str, ...] = spec(())
    author: str | None = spec(None)
    pinned: bool = spec(False)
    key_event: bool = spec(False)
    draft: bool = spec(False)
    image: str | None = spec(None, check=check_image)
    caption: str | None = spec(None)
    credit: str | None = spec(None)
    source: SourceFields | None = spec(None)
    updated: str | None = spec(None, check=check_time)


@dataclass(frozen=True)
class ListedEntryFields(EntryFields):
    """An entry in a `.yaml` list: the same fields, an `id` and the `body`."""

    body: str = spec("")


@dataclass(frozen=True)
class LiveblogFields:
    title: str = spec()
    description: str = spec("")
    status: str = spec("live", check=choice("live", "ended"))
    timezone: str | None = spec(None, check=check_timezone)
    topics: dict[str, Any] | None = spec(None)


@dataclass(frozen=True)
class _Draft:
    """An entry validated but not yet rendered."""

    fields: EntryFields
    id: str
    body: str
    origin: SourceRef
    key_lines: dict[str, int]  # where each field was written, for messages about it

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.origin.line)


def load_site(source: Path, config: SiteConfig, drafts: bool, render_bodies: BodyRenderer,
              files: ParsedFiles | None = None) -> Site:
    """Read every liveblog under `source/content` into a validated `Site`;
    `files` may remember parsed files from earlier builds (filecache.py)."""
    files = files or parsed_files(Cache(None))
    content = source / "content"
    if not content.is_dir():
        raise ContentError.at(content, None, "no content folder: create content/<liveblog>/liveblog.yaml")
    problems: list[Problem] = []
    liveblogs = []
    seen: dict[str, Path] = {}
    for folder in listed_files(content, source):
        if not folder.is_dir():
            continue
        try:
            liveblog = _load_liveblog(folder, source, config, drafts, render_bodies, problems, files)
        except SitegenError as exc:
            problems += exc.problems
            continue
        if liveblog is None:
            continue
        if liveblog.slug in seen:
            problems.append(Problem(folder, None, f"liveblog slug {liveblog.slug!r} is also used by "
                                                  f"{seen[liveblog.slug]} (slugs ignore letter case)"))
        seen[liveblog.slug] = folder
        liveblogs.append(liveblog)
    raise_all(problems, ContentError)
    return Site(config, tuple(sorted(liveblogs, key=_home_order)))


def _home_order(liveblog: Liveblog) -> tuple[bool, float, str]:
    newest = liveblog.entries[0].time.timestamp() if liveblog.entries else 0.0
    return (not liveblog.is_live, -newest, liveblog.slug)


def _load_liveblog(folder: Path, source: Path, config: SiteConfig, drafts: bool,
                   render_bodies: BodyRenderer, problems: list[Problem], files: ParsedFiles) -> Liveblog | None:
    meta_path = folder / LIVEBLOG_FILE
    if not meta_path.is_file():
        problems.append(Problem(folder, None, f"a liveblog folder needs a {LIVEBLOG_FILE}"))
        return None
    slug = normalise_slug(folder.name)
    if (why := slug_problem(slug)) is not None:
        problems.append(Problem(folder, None, f"folder name: {why}"))
        return None
    data = load_yaml_file(meta_path)
    fields = parse(LiveblogFields, data, meta_path, problems)
    if fields is None:
        return None
    topics = _topics(fields.topics, data, meta_path, problems)
    zone = ZoneInfo(fields.timezone or config.timezone)
    entries = _load_entries(folder, source, topics, zone, drafts, render_bodies, problems, files)
    made = Liveblog(slug, clean_text(fields.title), clean_text(fields.description), fields.status,
                    zone, topics, entries, SourceRef(meta_path, 1))
    made = successor(files.derived(("liveblog", str(folder))), made)  # (`serve`: see model.successor)
    files.keep_derived(("liveblog", str(folder)), made)
    return made


def _load_entries(folder: Path, source: Path, topics: tuple[Topic, ...], zone: ZoneInfo, drafts: bool,
                  render_bodies: BodyRenderer, problems: list[Problem], files: ParsedFiles) -> tuple[Entry, ...]:
    """One liveblog's entries, newest first. When none of its files changed, they come
    whole from the cache; otherwise each unchanged file is not parsed again. `serve`
    merges the files its watcher saw change into the last build's (folderstate.py)."""
    paths = files.listing(folder, lambda: _entry_files(folder, source), _is_entry_file)
    shape = (files.salt, zone.key, drafts, repr(topics), str(source))
    quick = merged_entries(files, folder, shape, paths, {t.slug for t in topics}, partial(images_found, source=source),
                           partial(_changed, folder=folder, zone=zone, drafts=drafts, render_bodies=render_bodies,
                                   files=files))
    if quick is not None:
        return quick
    texts = files.read_all(paths, problems, folder)
    serve = files.cache.keep_in_memory  # (which keeps each file's part, not the whole)
    key = "" if serve else files.key("entries", zone.key, str(drafts), repr(topics), " ".join([t.key for t in texts]))
    cached = None if serve else files.recall_whole(str(folder), key)
    if cached is not None and images_exist(cached[1], source):
        return cached[0]  # type: ignore[no-any-return]
    before = len(problems)
    parsed = list(files.parsed(texts, _parse_entry_file, problems))
    facts = [file_facts(text.key, found, files) for text, found in parsed]
    if not all_well(facts, topics, source):
        check_entries([d for _, found in parsed for d in found], topics, source, problems)
    made = _make_entries(parsed, zone, drafts, render_bodies, files)
    entries = tuple(sorted(chain.from_iterable(made), key=stream_key, reverse=True))
    if len(problems) == before and serve:
        remember(files, folder, shape, {text.path: FileRecord(tuple(kept), fact)
                                        for (text, _), fact, kept in zip(parsed, facts, made)}, entries)
    elif len(problems) == before:
        images = tuple(sorted(i.lstrip("/") for i in frozenset().union(*(f[2] for f in facts))
                              if not urlsplit(i).scheme))
        files.keep_whole(str(folder), key, (entries, images))
    return entries


def _changed(paths: list[Path], folder: Path, zone: ZoneInfo, drafts: bool, render_bodies: BodyRenderer,
             files: ParsedFiles) -> dict[Path, FileRecord] | None:
    """The changed files' records for `serve`'s shortcut (folderstate.py); None on any
    problem: the full path then reports it, with its neighbours'."""
    scratch: list[Problem] = []
    parsed = list(files.parsed(files.read_all(paths, scratch, folder), _parse_entry_file, scratch))
    if scratch or len(parsed) != len(paths):
        return None
    facts = [file_facts(text.key, found, files) for text, found in parsed]
    made = _make_entries(parsed, zone, drafts, render_bodies, files)
    return {text.path: FileRecord(tuple(kept), fact) for (text, _), fact, kept in zip(parsed, facts, made)}


def _make_entries(parsed: list[tuple[SourceText, list[_Draft]]], zone: ZoneInfo, drafts: bool,
                  render_bodies: BodyRenderer, files: ParsedFiles) -> list[list[Entry]]:
    """Each file's entries from its drafts, bodies rendered in one batch; `serve` reuses
    an unchanged file's."""
    made: list[list[Entry]] = []
    todo: list[tuple[int, tuple[object, ...], list[_Draft]]] = []
    for source, found in parsed:
        key = ("file-entries", files.salt, source.key, zone.key, drafts)
        known = files.derived(key)
        if known is None:
            todo.append((len(made), key, [d for d in found if drafts or not d.fields.draft]))
        made.append(known)  # type: ignore[arg-type]  # (None until made below)
    bodies = iter(render_bodies([(d.id, d.body) for _, _, kept in todo for d in kept]))
    for at, key, kept in todo:
        made[at] = [_entry(d, next(bodies), zone) for d in kept]
        files.keep_derived(key, made[at])
    return made


def _topics(raw: dict[str, Any] | None, data: YamlMap, path: Path,
            problems: list[Problem]) -> tuple[Topic, ...]:
    if not raw:
        return ()
    topics: dict[str, Topic] = {}
    for key, title in raw.items():
        line = raw.line_of(key) if isinstance(raw, YamlMap) else data.line_of("topics")
        slug = normalise_slug(str(key))
        if (why := slug_problem(slug)) is not None:
            problems.append(Problem(path, line, f"topic {why}"))
        elif slug in topics:
            problems.append(Problem(path, line, f"topic {slug!r} is declared twice (slugs ignore letter case)"))
        elif not isinstance(title, (str, int, float)) or isinstance(title, bool) or not str(title).strip():
            problems.append(Problem(path, line, f"topic {slug!r} needs a title, e.g. `{slug}: Energy talks`"))
        else:
            topics[slug] = Topic(slug, clean_text(str(title)))  # `2025: ...` titles are text too
    return tuple(topics.values())


def _entry_files(folder: Path, source: Path) -> tuple[list[Path], bool]:
    """The folder's entry files, and whether any file there is a symlink."""
    paths, symlinks = scan_folder(folder, source)
    return [p for p in paths if _is_entry_file(p)], symlinks


def _is_entry_file(path: Path) -> bool:
    return path.suffix == ".md" or (path.suffix in (".yaml", ".yml") and path.name != LIVEBLOG_FILE)


def _parse_entry_file(path: Path, text: str, problems: list[Problem]) -> list[_Draft]:
    try:
        if path.suffix == ".md":
            return _from_markdown(path, problems, text)
        return _from_yaml_list(path, problems, text)
    except SitegenError as exc:
        problems += exc.problems
        return []


def parsed_files(cache: Cache, salt: str = "", changed: frozenset[Path] | None = None) -> ParsedFiles:
    """Entry files parsed through `cache` (see filecache.py); `salt` names everything
    else that shapes an entry (the Markdown renderer's fingerprint); `changed` is what
    `serve`'s watcher saw change (see ParsedFiles)."""
    classes = (_Draft, EntryFields, ListedEntryFields, SourceFields, SourceRef, Entry, Attribution)
    return ParsedFiles(cache, Codec(classes), salt, changed)


def _from_markdown(path: Path, problems: list[Problem], text: str | None = None) -> list[_Draft]:
    src: MarkdownSource = split_markdown(path, text)
    fields = parse(EntryFields, src.front_matter, path, problems, line=2)
    if fields is None:
        return []
    entry_id = normalise_slug(fields.id if fields.id is not None else path.stem)
    line = src.front_matter.line_of("id") if fields.id is not None else 1
    return [_draft(fields, entry_id, src.body, SourceRef(path, line), problems, src.front_matter, src.body_line)]


def _from_yaml_list(path: Path, problems: list[Problem], text: str | None = None) -> list[_Draft]:
    data = load_yaml_file(path, text)
    if not isinstance(data, YamlList):
        problems.append(Problem(path, getattr(data, "line", 1), "an entries file must be a YAML list "
                                                                "of entries (lines starting with '- ')"))
        return []
    if len(data) > MAX_ENTRIES_PER_FILE:
        problems.append(Problem(path, 1, f"more than {MAX_ENTRIES_PER_FILE} entries in one file"))
        return []
    drafts = []
    for item, line in zip(data, data.item_lines):
        fields = parse(ListedEntryFields, item, path, problems, "entry", line)
        if fields is None:
            continue
        if fields.id is None:
            problems.append(Problem(path, line, "an entry in a .yaml list needs an `id`"))
            continue
        drafts.append(_draft(fields, normalise_slug(fields.id), fields.body, SourceRef(path, line), problems,
                             item, item.line_of("body")))
    return [d for d in drafts if d is not None]


def _draft(fields: EntryFields, entry_id: str, body: str, origin: SourceRef,
           problems: list[Problem], data: YamlMap, body_line: int) -> _Draft:
    if (why := slug_problem(entry_id)) is not None:
        problems.append(Problem(origin.path, origin.line, f"entry id: {why}"))
    if not body.strip() and not fields.title:
        problems.append(Problem(origin.path, origin.line, "entry has neither a title nor a body"))
    if not fields.draft and (at := placeholder_line(body, body_line)) is not None:
        problems.append(Problem(origin.path, at, f"the entry still says {SCAFFOLD_BODY!r} (written by "
                                                 "`sitegen new`): replace it with the update, or add "
                                                 "`draft: true` until the entry is ready"))
    if fields.updated and _before(fields.updated, fields.time):
        problems.append(Problem(origin.path, data.line_of("updated"),
                                f"updated ({fields.updated}) is before time ({fields.time}): `updated` says "
                                "when a published entry last changed, so it comes after `time`; correct "
                                "it, or remove `updated`"))
    return _Draft(fields, entry_id, clean_text(body), origin, dict(getattr(data, "key_lines", {})))


def _before(updated: str, time: str) -> bool:
    """`updated` earlier than `time`, when both say whether they carry an offset (with
    one of each, the liveblog's timezone, unknown here, would decide: not judged)."""
    first, second = datetime.fromisoformat(updated), datetime.fromisoformat(time)
    return (first.tzinfo is None) == (second.tzinfo is None) and first < second


def _entry(d: _Draft, body_html: str, zone: ZoneInfo) -> Entry:
    f = d.fields
    local_image = f.image and not urlsplit(f.image).scheme
    values: dict[str, Any] = dict(
        id=d.id, time=_aware(f.time, zone), title=_text(f.title),
        topics=tuple(dict.fromkeys(normalise_slug(t) for t in f.topics)),
        author=_text(f.author), pinned=f.pinned, key_event=f.key_event, draft=f.draft,
        image=f.image.lstrip("/") if local_image and f.image else f.image,
        caption=_text(f.caption), credit=_text(f.credit),
        source=Attribution(clean_text(f.source.name), f.source.url) if f.source else None,
        updated=_aware(f.updated, zone) if f.updated else None,
        body=d.body, body_html=body_html,
    )
    # The digest covers every field that can shape the entry's HTML, never its location.
    digest = hashlib.sha256(repr(sorted(values.items())).encode()).hexdigest()
    del values["body"]  # its HTML is what pages show: the Markdown need not be kept (nor cached)
    return Entry(**values, digest=digest, origin=d.origin)


def _aware(value: str, zone: ZoneInfo) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed


def _text(value: str | None) -> str | None:
    return clean_text(value).strip() or None if value else None
