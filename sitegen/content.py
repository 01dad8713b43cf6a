"""Load and validate `content/`: liveblogs, topics and entries, into the model.

Everything is checked before anything is rendered, and every problem found is
reported at once with its file and line.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from itertools import chain
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sitegen.cache import Cache
from sitegen.config import SiteConfig, check_timezone, check_url
from sitegen.errors import ContentError, Problem, SitegenError, raise_all
from sitegen.filecache import Codec, ParsedFiles, SourceText
from sitegen.model import Attribution, Entry, Liveblog, Site, SourceRef, Topic
from sitegen.schema import Invalid, choice, parse, spec
from sitegen.sources import MarkdownSource, listed_files, load_yaml_file, scan_folder, split_markdown
from sitegen.text import clean_text, normalise_slug, slug_problem
from sitegen.yamlsafe import YamlList, YamlMap

LIVEBLOG_FILE = "liveblog.yaml"
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
    return Liveblog(slug, clean_text(fields.title), clean_text(fields.description), fields.status,
                    zone, topics, entries, SourceRef(meta_path, 1))


def _load_entries(folder: Path, source: Path, topics: tuple[Topic, ...], zone: ZoneInfo, drafts: bool,
                  render_bodies: BodyRenderer, problems: list[Problem], files: ParsedFiles) -> tuple[Entry, ...]:
    """One liveblog's entries, newest first. When none of its files changed, they come
    whole from the cache; otherwise each unchanged file is not parsed again."""
    texts = files.read_all(files.listing(folder, lambda: _entry_files(folder, source)), problems, folder)
    key = files.key("entries", zone.key, str(drafts), repr(topics), " ".join([t.key for t in texts]))
    cached = files.recall_whole(str(folder), key)
    if cached is not None and _images_exist(cached[1], source):
        return cached[0]
    before = len(problems)
    parsed = list(files.parsed(texts, _parse_entry_file, problems))
    facts = [_facts(text.key, found, files) for text, found in parsed]
    if not _all_well(facts, topics, source):
        _check_entries([d for _, found in parsed for d in found], topics, source, problems)
    entries = _make_entries(parsed, zone, drafts, render_bodies, files)
    entries.sort(key=_newest_first, reverse=True)
    if len(problems) == before:
        images = tuple(sorted(i.lstrip("/") for i in frozenset().union(*(f[2] for f in facts))
                              if not urlsplit(i).scheme))
        files.keep_whole(str(folder), key, (tuple(entries), images))
    return tuple(entries)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


def _newest_first(entry: Entry) -> tuple[int, str]:
    """The sort key of a liveblog's stream (reversed): the instant in whole microseconds
    (exact) compares faster than an aware datetime, which asks its zone each time."""
    return ((entry.time - _EPOCH) // _MICROSECOND, entry.id)


def _make_entries(parsed: list[tuple[SourceText, list[_Draft]]], zone: ZoneInfo, drafts: bool,
                  render_bodies: BodyRenderer, files: ParsedFiles) -> list[Entry]:
    """Entries from drafts, bodies rendered in one batch; `serve` reuses an unchanged file's."""
    made: list[Entry] = []
    todo: list[tuple[tuple[object, ...], list[_Draft]]] = []
    for source, found in parsed:
        key = ("file-entries", files.salt, source.key, zone.key, drafts)
        known = files.derived(key)
        if known is not None:
            made += known
        else:
            todo.append((key, [d for d in found if drafts or not d.fields.draft]))
    bodies = iter(render_bodies([(d.id, d.body) for _, kept in todo for d in kept]))
    for key, kept in todo:
        entries = [_entry(d, next(bodies), zone) for d in kept]
        files.keep_derived(key, entries)
        made += entries
    return made


def _images_exist(images: tuple[str, ...], source: Path) -> bool:
    """The one check on entries that depends on other files than theirs (see _check_entries)."""
    return all((source / "static" / image).is_file() for image in images)


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
    return [p for p in paths if p.suffix == ".md" or (p.suffix in (".yaml", ".yml") and p.name != LIVEBLOG_FILE)], symlinks


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
    return [_draft(fields, entry_id, src.body, SourceRef(path, line), problems, src.front_matter)]


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
                             item))
    return [d for d in drafts if d is not None]


def _draft(fields: EntryFields, entry_id: str, body: str, origin: SourceRef,
           problems: list[Problem], data: YamlMap) -> _Draft:
    if (why := slug_problem(entry_id)) is not None:
        problems.append(Problem(origin.path, origin.line, f"entry id: {why}"))
    if not body.strip() and not fields.title:
        problems.append(Problem(origin.path, origin.line, "entry has neither a title nor a body"))
    return _Draft(fields, entry_id, clean_text(body), origin, dict(getattr(data, "key_lines", {})))


def _check_entries(drafts: list[_Draft], topics: tuple[Topic, ...], source: Path,
                   problems: list[Problem]) -> None:
    """Cross-entry rules: unique ids, declared topics, local images that exist."""
    known = [t.slug for t in topics]
    declared = set(known)
    first_use: dict[str, SourceRef] = {}
    for d in drafts:
        where = d.origin
        if d.id in first_use:
            other = first_use[d.id]
            problems.append(Problem(where.path, where.line, f"duplicate entry id {d.id!r} (also "
                                                            f"{other.path}:{other.line}; ids ignore letter case)"))
        first_use.setdefault(d.id, where)
        for raw in d.fields.topics:
            if raw in declared:
                continue  # already a declared slug: nothing to normalise
            slug = normalise_slug(raw)
            if slug not in declared:
                close = difflib.get_close_matches(slug, known, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; declared: {', '.join(known) or 'none'}"
                problems.append(Problem(where.path, d.line_of("topics"), f"unknown topic {raw!r} (declare it under "
                                                                f"`topics:` in {LIVEBLOG_FILE}){hint}"))
        image = d.fields.image
        if image and not urlsplit(image).scheme and not (source / "static" / image.lstrip("/")).is_file():
            problems.append(Problem(where.path, d.line_of("image"), f"image {image!r} not found in static/"))


Facts = tuple[tuple[str, ...], frozenset[str], frozenset[str]]  # one file's ids, topics, images


def _facts(key: str, drafts: list[_Draft], files: ParsedFiles) -> Facts:
    """What the cross-entry rules look at in one file; `serve` keeps it per file version."""
    known = files.derived(("facts", key))
    if known is None:
        known = (tuple(d.id for d in drafts), frozenset(t for d in drafts for t in d.fields.topics),
                 frozenset(d.fields.image for d in drafts if d.fields.image))
        files.keep_derived(("facts", key), known)
    return known  # type: ignore[no-any-return]


def _all_well(facts: list[Facts], topics: tuple[Topic, ...], source: Path) -> bool:
    """The usual case, found from each file's facts without a loop per entry (a long
    liveblog has thousands): no id twice, no undeclared topic, every local image (each
    looked up once) there. Otherwise `_check_entries` says what is wrong, and where."""
    ids = list(chain.from_iterable(f[0] for f in facts))
    used = frozenset().union(*(f[1] for f in facts))
    images = frozenset().union(*(f[2] for f in facts))
    return (len(set(ids)) == len(ids) and used <= {t.slug for t in topics}
            and all(urlsplit(i).scheme or (source / "static" / i.lstrip("/")).is_file() for i in images))


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
