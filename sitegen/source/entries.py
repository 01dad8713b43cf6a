"""One liveblog folder's entry files into entries: list, read, parse, check, render.

`FullReader` is the full path, which reads and parses every file each time. `build`
hands the loader a reader that remembers (sitegen/incremental/entries.py), built from
the same functions here, so both give the same entries.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sitegen.config.site_config import read_text
from sitegen.core.errors import Problem, SitegenError
from sitegen.core.schema import parse
from sitegen.core.text import clean_text, normalise_slug, slug_problem
from sitegen.core.yamlsafe import YamlList, YamlMap
from sitegen.markdown.bodies import RenderBodies
from sitegen.model.site import Attribution, Author, Entry, Liveblog, SourceRef, Topic, stream_key
from sitegen.markdown.nesting import too_deep
from sitegen.source.entry_rules import LIVEBLOG_FILE, SCAFFOLD_BODY, check_entries, placeholder_line
from sitegen.source.fields import Draft, EntryFields, ListedEntryFields
from sitegen.source.files import MarkdownSource, load_yaml_file, scan_folder, split_markdown
from sitegen.source.people import resolve_authors

MAX_ENTRIES_PER_FILE = 5000


@dataclass(frozen=True)
class FolderPlan:
    """What shapes one liveblog folder's entries besides its files."""

    folder: Path
    source: Path  # the site folder (images are looked up under its static/)
    topics: tuple[Topic, ...]
    zone: ZoneInfo
    drafts: bool  # drafts are shown
    render_bodies: RenderBodies
    people: dict[str, Author] | None = None  # `authors:` (each entry's `author` resolved against it)


class EntryReader(Protocol):
    """How the loader gets a folder's entries; `FullReader` is the full path."""

    def entries(self, plan: FolderPlan, problems: list[Problem]) -> tuple[Entry, ...]:
        """The folder's entries, newest first; problems added to `problems`."""

    def liveblog(self, folder: Path, made: Liveblog) -> Liveblog:
        """The liveblog to use for `made` (a reader may hand back an equal one it knows)."""


class FullReader:
    """Every file read, parsed and checked; nothing remembered."""

    def entries(self, plan: FolderPlan, problems: list[Problem]) -> tuple[Entry, ...]:
        drafts: list[Draft] = []
        for path in entry_files(plan.folder, plan.source)[0]:
            try:
                text = read_text(path)
            except SitegenError as exc:
                problems += exc.problems
                continue
            drafts += parse_entry_file(path, text, problems)
        check_entries(drafts, plan.topics, plan.source, problems)
        return tuple(sorted(render_drafts(shown(drafts, plan.drafts), plan), key=stream_key, reverse=True))

    def liveblog(self, folder: Path, made: Liveblog) -> Liveblog:
        return made


def render_drafts(drafts: list[Draft], plan: FolderPlan) -> list[Entry]:
    """The drafts' entries, every body and correction rendered in one batch."""
    corrections = [d for d in drafts if d.fields.correction]
    rendered = plan.render_bodies([(d.id, d.body) for d in drafts]
                                  + [(f"{d.id}-correction", clean_text(d.fields.correction or ""))
                                     for d in corrections])
    corrected = dict(zip(map(id, corrections), rendered[len(drafts):]))
    return [make_entry(d, html, plan.zone, corrected.get(id(d)), plan.people or {})
            for d, html in zip(drafts, rendered)]


def shown(drafts: list[Draft], show_drafts: bool) -> list[Draft]:
    """The drafts that become entries: all of them, or those not marked `draft`."""
    return [d for d in drafts if show_drafts or not d.fields.draft]


def entry_files(folder: Path, source: Path) -> tuple[list[Path], bool]:
    """The folder's entry files, and whether any file there is a symlink."""
    paths, symlinks = scan_folder(folder, source)
    return [p for p in paths if is_entry_file(p)], symlinks


def is_entry_file(path: Path) -> bool:
    return is_entry_name(path.name)


def is_entry_name(name: str) -> bool:
    """Whether a file of this name in a liveblog's folder holds entries: by its suffix,
    as pathlib finds it (a name's last dot, not its first character nor its last)."""
    dot = name.rfind(".")
    suffix = name[dot:] if 0 < dot < len(name) - 1 else ""
    return suffix == ".md" or (suffix in (".yaml", ".yml") and name != LIVEBLOG_FILE)


def parse_entry_file(path: Path, text: str, problems: list[Problem]) -> list[Draft]:
    try:
        if path.suffix == ".md":
            return _from_markdown(path, problems, text)
        return _from_yaml_list(path, problems, text)
    except SitegenError as exc:
        problems += exc.problems
        return []


def _from_markdown(path: Path, problems: list[Problem], text: str | None = None) -> list[Draft]:
    src: MarkdownSource = split_markdown(path, text)
    fields = parse(EntryFields, src.front_matter, path, problems, line=2)
    if fields is None:
        return []
    entry_id = normalise_slug(fields.id if fields.id is not None else path.stem)
    line = src.front_matter.line_of("id") if fields.id is not None else 1
    return [_draft(fields, entry_id, src.body, SourceRef(path, line), problems, src.front_matter, src.body_line)]


def _from_yaml_list(path: Path, problems: list[Problem], text: str | None = None) -> list[Draft]:
    data = load_yaml_file(path, text)
    if not isinstance(data, YamlList):
        problems.append(Problem(path, getattr(data, "line", 1), "an entries file must be a YAML list "
                                                                "of entries (lines starting with '- ')"))
        return []
    if len(data) > MAX_ENTRIES_PER_FILE:
        problems.append(Problem(path, 1, f"more than {MAX_ENTRIES_PER_FILE} entries in one file: split them "
                                          "into several files (one an hour or a day, say)"))
        return []
    drafts = []
    for item, line in zip(data, data.item_lines):
        fields = parse(ListedEntryFields, item, path, problems, "entry", line)
        if fields is None:
            continue
        if fields.id is None:
            problems.append(Problem(path, line, "an entry in a .yaml list needs an `id`"))
            continue
        body_line = item.line_of("body") + (1 if "\n" in fields.body.rstrip("\n") else 0)  # (`body: |`)
        drafts.append(_draft(fields, normalise_slug(fields.id), fields.body, SourceRef(path, line), problems,
                             item, body_line))
    return [d for d in drafts if d is not None]


def _draft(fields: EntryFields, entry_id: str, body: str, origin: SourceRef,
           problems: list[Problem], data: YamlMap, body_line: int) -> Draft:
    if (why := slug_problem(entry_id)) is not None:
        problems.append(Problem(origin.path, origin.line, f"entry id: {why}"))
    if not body.strip() and not fields.title:
        problems.append(Problem(origin.path, origin.line, "entry has neither a title nor a body: give it a "
                                                           "`title:` or write the update (below the front matter, "
                                                           "or as `body:` in a list of entries)"))
    if not fields.draft and (at := placeholder_line(body, body_line)) is not None:
        problems.append(Problem(origin.path, at, f"the entry still says {SCAFFOLD_BODY!r} (written by "
                                                 "`sitegen new`): replace it with the update, or add "
                                                 "`draft: true` until the entry is ready"))
    if (deep := too_deep(body)) is not None:
        problems.append(Problem(origin.path, body_line + deep,
                                "the text is nested too deep from here (lists or quotes inside one another, "
                                "more than 20 levels): Markdown would drop the rest of the entry; indent "
                                "less or use fewer '>' so the levels stay below 20"))
    if fields.updated and _before(fields.updated, fields.time):
        problems.append(Problem(origin.path, data.line_of("updated"),
                                f"updated ({fields.updated}) is before time ({fields.time}): `updated` says "
                                "when a published entry last changed, so it comes after `time`; correct "
                                "it, or remove `updated`"))
    if fields.correction is not None and not fields.updated:
        problems.append(Problem(origin.path, data.line_of("correction"), "a `correction` needs `updated:` set "
                                "to when the entry was corrected (e.g. updated: 2025-03-23T10:15)"))
    return Draft(fields, entry_id, clean_text(body), origin, dict(getattr(data, "key_lines", {})))


def _before(updated: str, time: str) -> bool:
    """`updated` earlier than `time`, when both say whether they carry an offset (with
    one of each, the liveblog's timezone, unknown here, would decide: not judged)."""
    first, second = datetime.fromisoformat(updated), datetime.fromisoformat(time)
    return (first.tzinfo is None) == (second.tzinfo is None) and first < second


def make_entry(d: Draft, body_html: str, zone: ZoneInfo, correction_html: str | None = None,
               people: dict[str, Author] | None = None) -> Entry:
    f = d.fields
    local_image = f.image and not urlsplit(f.image).scheme
    authors = resolve_authors(f.author or (), people or {})
    values: dict[str, Any] = dict(
        id=d.id, time=aware(f.time, zone), title=_text(f.title),
        topics=tuple(dict.fromkeys(normalise_slug(t) for t in f.topics)),
        author=", ".join(a.name for a in authors) or None, authors=authors,
        correction_html=correction_html or None, pinned=f.pinned, key_event=f.key_event, draft=f.draft,
        image=f.image.lstrip("/") if local_image and f.image else f.image,
        alt=" ".join(clean_text(f.alt).split()) if f.alt is not None else None,
        caption=_text(f.caption), credit=_text(f.credit),
        source=Attribution(clean_text(f.source.name), f.source.url) if f.source else None,
        updated=aware(f.updated, zone) if f.updated else None,
        body=d.body, body_html=body_html,
    )
    # The digest covers every field that can shape the entry's HTML, never its location.
    digest = hashlib.sha256(repr(sorted(values.items())).encode()).hexdigest()
    del values["body"]  # its HTML is what pages show: the Markdown need not be kept (nor cached)
    return Entry(**values, digest=digest, origin=d.origin)


def aware(value: str, zone: ZoneInfo) -> datetime:
    """An ISO 8601 time; without an offset, in `zone` (the liveblog's)."""
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed


def _text(value: str | None) -> str | None:
    return clean_text(value).strip() or None if value else None
