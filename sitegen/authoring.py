"""Commands for people writing a site: `sitegen init` and `sitegen new`."""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from anyascii import anyascii

import sitegen.scaffold
from sitegen.config.site_config import CONFIG_FILE, load_config
from sitegen.i18n import Lang, bundled, load_translations
from sitegen.i18n.messages import Messages
from sitegen.render.renderer import find_theme
from sitegen.source.entry_rules import LIVEBLOG_FILE, SCAFFOLD_BODY
from sitegen.source.fields import LiveblogFields
from sitegen.core.errors import ContentError, Problem, SitegenError, raise_all
from sitegen.core.schema import parse
from sitegen.source.files import load_yaml_file
from sitegen.core.text import closest, normalise_slug

SCAFFOLD = Path(sitegen.scaffold.__file__).parent / "site"
GITIGNORE = ".gitignore"
MADE = ("output", ".sitegen-cache")  # what sitegen makes from a site's sources (the cache keeps previews too)


def init_site(directory: Path, language: str = "en") -> list[Path]:
    """Copy the starter site into `directory`, never overwriting a file (a .gitignore
    there gets the lines it lacks); `language` (a checked BCP 47 tag) is the site's, and
    its titles and descriptions are written in it. The files written, in order."""
    files = [p for p in sorted(SCAFFOLD.rglob("*")) if p.is_file()]
    targets = [directory / p.relative_to(SCAFFOLD) for p in files]
    problems = [Problem(t, None, "already exists; `sitegen init` never overwrites files")
                for t in targets if t.exists()]
    problems += [Problem(f, None, "is a file where `sitegen init` needs a folder: rename or remove it")
                 for f in dict.fromkeys(_file_in_the_way(t) for t in targets) if f is not None]
    raise_all(problems, SitegenError)
    for source, target in zip(files, targets):
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        except OSError as exc:  # a read-only or full disk
            raise SitegenError(Problem(target, None, f"cannot write: {exc.strerror}")) from None
    if language != "en":
        _localise(directory, bundled().lang(language).t, language)
    ignored = _ignore_what_is_made(directory)
    return targets + ([ignored] if ignored is not None else [])


def _ignore_what_is_made(directory: Path) -> Path | None:
    """Have git leave out what sitegen makes (the output, and the cache with its kept
    previews: hundreds of megabytes for a long liveblog): the lines the folder's
    .gitignore lacks are added (the file made if missing, its other lines kept). The
    file when it was written; None when it says so already or cannot be read as text."""
    path = directory / GITIGNORE
    try:
        text = path.read_text("utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError):
        return None  # (not ours to rewrite)
    have = {line.strip().strip("/") for line in text.splitlines()}
    missing = [f"/{name}/" for name in MADE if name not in have]
    if not missing:
        return None
    try:
        path.write_text(text + ("\n" if text and not text.endswith("\n") else "") + "\n".join(missing) + "\n", "utf-8")
    except OSError as exc:
        raise SitegenError(Problem(path, None, f"cannot write: {exc.strerror}")) from None
    return path


def _file_in_the_way(target: Path) -> Path | None:
    """A file standing where one of `target`'s folders must be (`content` saved as a file)."""
    return next((p for p in target.parents if p.exists() and not p.is_dir()), None)


def _localise(directory: Path, t: Messages, language: str) -> None:
    """The starter site's config and liveblog in `language`: its tag, and the titles and
    descriptions readers see first (JSON strings are valid YAML scalars)."""
    texts = {
        directory / CONFIG_FILE: {"title": t.init_site_title, "description": t.init_site_description,
                                  "language": language},
        directory / "content" / "my-liveblog" / LIVEBLOG_FILE: {"title": t.init_liveblog_title,
                                                                 "description": t.init_liveblog_description},
    }
    for path, values in texts.items():
        lines = path.read_text("utf-8").splitlines()
        for i, line in enumerate(lines):
            key = line.split(":", 1)[0]
            if key in values:
                lines[i] = f"{key}: {json.dumps(values[key], ensure_ascii=False)}"
        path.write_text("\n".join(lines) + "\n", "utf-8")


def filename_slug(title: str | None) -> str:
    """An ASCII file-name fragment from a headline, in any script: 'Drones hit Kyiv!' ->
    'drones-hit-kyiv', 'Вибух у Києві' -> 'vibukh-u-kiievi'. Transliterated rather than
    kept in Unicode: the file name is the entry's id, which is its anchor in every URL
    (`#entry-...`), and ids are ASCII slugs so links stay readable and safe everywhere."""
    ascii_title = anyascii(unicodedata.normalize("NFKC", title or ""))
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    return "-".join(words)[:60].strip("-") or "update"


def new_entry(source: Path, liveblog: str, title: str | None, topics: tuple[str, ...],
              now: datetime | None = None) -> Path:
    """Write a new entry file stamped with the current time in the liveblog's timezone."""
    config = load_config(source)
    folder = source / "content" / normalise_slug(liveblog)
    meta_path = folder / LIVEBLOG_FILE
    if not meta_path.is_file():
        raise ContentError.at(meta_path, None, f"no liveblog {liveblog!r}: {meta_path} does not exist"
                                               f"{_liveblog_hint(source, folder.name)}")
    problems: list[Problem] = []
    fields = parse(LiveblogFields, load_yaml_file(meta_path), meta_path, problems)
    raise_all(problems, ContentError)
    assert fields is not None
    declared = {normalise_slug(str(k)) for k in (fields.topics or {})}
    unknown = [t for t in topics if normalise_slug(t) not in declared]
    if unknown:
        raise ContentError.at(meta_path, None, f"unknown topic(s) {', '.join(unknown)}; declared: "
                                               f"{', '.join(sorted(declared)) or 'none'}")
    zone = ZoneInfo(fields.timezone or config.timezone)
    stamp = (now or datetime.now(zone)).astimezone(zone).replace(microsecond=0)
    path = _free_path(folder, f"{stamp:%Y-%m-%d-%H%M}-{filename_slug(title)}")
    language = fields.language or config.language
    translations = load_translations(source, find_theme(source, config.theme).i18n)
    lang = translations.lang(language, zone)
    path.write_text(_entry_text(stamp, title, topics, lang), "utf-8")
    return path


def _liveblog_hint(source: Path, name: str) -> str:
    """Did-you-mean among the site's liveblogs (folders holding a liveblog.yaml)."""
    content = source / "content"
    known = sorted(p.name for p in content.iterdir() if (p / LIVEBLOG_FILE).is_file()) if content.is_dir() else []
    close = closest(name, known)
    if close:
        return f"; did you mean {close!r}?"
    return f"; liveblogs here: {', '.join(known)}" if known else "; create content/<liveblog>/liveblog.yaml first"


def _free_path(folder: Path, stem: str) -> Path:
    path, n = folder / f"{stem}.md", 2
    while path.exists():
        path, n = folder / f"{stem}-{n}.md", n + 1
    return path


def _entry_text(stamp: datetime, title: str | None, topics: tuple[str, ...], lang: Lang) -> str:
    """The new file, with comments in the liveblog's language (YAML comments: never
    published). A JSON string is a valid YAML scalar with every character escaped."""
    zone = f"{lang.clock.zone_name(stamp)}, {lang.clock.offset(stamp)}"
    lines = ["---", f"# {lang.t.text('new_entry_time_note', zone=zone)}", f"time: {stamp.isoformat()}"]
    if title:
        lines.append(f"title: {json.dumps(title, ensure_ascii=False)}")
    if topics:
        lines.append(f"topics: [{', '.join(normalise_slug(t) for t in topics)}]")
    lines += [f"# {lang.t.new_entry_body_note}", "---", "", SCAFFOLD_BODY, ""]  # refused by the build until replaced
    return "\n".join(lines)
