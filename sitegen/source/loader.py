"""Load and validate `content/`: liveblogs, topics and entries, into the model.

Everything is checked before anything is rendered, and every problem found is
reported at once with its file and line. A liveblog folder's entries come from an
`EntryReader` (entries.py): the full path, or the one `build` hands in.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sitegen.config.site_config import SiteConfig
from sitegen.i18n import Translations, bundled
from sitegen.core.errors import ContentError, Problem, SitegenError, raise_all
from sitegen.core.schema import parse
from sitegen.core.text import clean_text, normalise_slug, slug_problem
from sitegen.core.yamlsafe import YamlMap
from sitegen.markdown.bodies import RenderBodies
from sitegen.media.library import MediaLibrary
from sitegen.media.records import MemoryStore
from sitegen.model.site import Author, Liveblog, Site, SourceRef, Topic
from sitegen.source.entries import EntryReader, FolderPlan, FullReader, aware
from sitegen.source.people import profiles
from sitegen.source.schedule import Clock, utc_now
from sitegen.source.entry_rules import LIVEBLOG_FILE
from sitegen.source.fields import LiveblogFields
from sitegen.source.files import listed_files, load_yaml_file


def load_site(source: Path, config: SiteConfig, drafts: bool, render_bodies: RenderBodies,
              reader: EntryReader | None = None, now: datetime | None = None, future: bool = False,
              media: MediaLibrary | None = None, people: dict[str, Author] | None = None,
              translations: Translations | None = None) -> Site:
    """Read every liveblog under `source/content` into a validated `Site`; `reader`
    may remember files from earlier builds (build hands it the incremental one).
    Entries whose time lies after `now` are held back (kept, marked, with `future`:
    see schedule.py). `media` processes the images entries use (build hands one that
    remembers); `people` are the described authors with their photos (see people.py);
    `translations` the site's catalogs (i18n/), sitegen's own by default."""
    reader = reader or FullReader()
    clock = Clock(now or utc_now(), future)
    media = media or MediaLibrary(source / "static", config.media, MemoryStore(),
                                  Path(tempfile.gettempdir()) / f"sitegen-media-{os.getpid()}")
    if people is None:
        people = profiles(config.authors or {}, media)
    translations = translations or bundled()
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
            liveblog = _load_liveblog(folder, source, config, (drafts, render_bodies, people), problems,
                                      (reader, media), clock, translations)
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
    return Site(config, tuple(sorted(liveblogs, key=_home_order)), translations.lang(config.language, config.zone),
                clock.next_due(), tuple(people.values()))


def _home_order(liveblog: Liveblog) -> tuple[bool, float, str]:
    newest = liveblog.entries[0].time.timestamp() if liveblog.entries else 0.0
    return (not liveblog.is_live, -newest, liveblog.slug)


def _load_liveblog(folder: Path, source: Path, config: SiteConfig,
                   rendering: tuple[bool, RenderBodies, dict[str, Author]],
                   problems: list[Problem], readers: tuple[EntryReader, MediaLibrary], clock: Clock,
                   translations: Translations) -> Liveblog | None:
    reader, media = readers
    meta_path = folder / LIVEBLOG_FILE
    if not meta_path.is_file():
        problems.append(Problem(folder, None, f"a liveblog folder needs a {LIVEBLOG_FILE}: create one "
                                              "with at least `title:` (as in the folders `sitegen init` writes)"))
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
    lang = translations.lang(fields.language or config.language, zone)
    entries = reader.entries(FolderPlan(folder, source, topics, zone, *rendering), problems)
    entries = clock.hold_back(slug, entries)
    if not problems:  # processed images, final body markup in the liveblog's language (sitegen.media)
        entries = media.resolve(entries, lang.t, folder)
    render_bodies = rendering[1]
    summary = render_bodies([(f"summary-{slug}", clean_text(fields.summary))])[0] if fields.summary else None
    summary = media.resolve_html(summary, meta_path, data.line_of("summary"), lang.t) if summary else None
    ends = aware(fields.ends, zone) if fields.ends else None
    made = Liveblog(slug, clean_text(fields.title), clean_text(fields.description),
                    clock.status(slug, fields.status, ends), zone, topics, entries, SourceRef(meta_path, 1), lang,
                    summary_html=summary or None,
                    summary_updated=aware(fields.summary_updated, zone) if fields.summary_updated else None,
                    ends=ends)
    return reader.liveblog(folder, made)


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
