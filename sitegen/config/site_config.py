"""`sitegen.yaml`: the declarative schema of a site's configuration.

Every key is declared here with its type, default and check; unknown keys are
errors with a did-you-mean; user data belongs under `extra:`.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, fields, is_dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sitegen.config.deploy_config import DeployConfig
from sitegen.core import yamlsafe
from sitegen.core.errors import ConfigError, ContentError, Problem, raise_all
from sitegen.core.language import check_language
from sitegen.core.schema import Invalid, at_least, choice, parse, spec
from sitegen.core.text import clean_text, closest, normalise_slug, slug_problem
from sitegen.config.media_config import MediaConfig

CONFIG_FILE = "sitegen.yaml"
SOURCE_FOLDERS = ("content", "static", "templates", "themes", "i18n")  # what a build reads besides CONFIG_FILE
AUTHORS_FILE = "authors.yaml"  # optional, beside sitegen.yaml: the `authors:` mapping on its own
COMMENT_PROVIDERS = ("none", "disqus", "giscus", "coral")


def check_base_url(value: str) -> str:
    """An absolute http(s) URL, always ending in `/` so paths join predictably."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid(f"must be an absolute http(s) URL such as https://example.org/, not {value!r}")
    if parts.query or parts.fragment:
        raise Invalid("must not have a query or fragment")
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return f"{parts.scheme}://{parts.netloc}{path}"


def check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"unknown timezone {value!r}; use an IANA name such as Europe/Kyiv or UTC") from None
    return value


def check_slug(value: str) -> str:
    slug = normalise_slug(value)
    problem = slug_problem(slug)
    if problem:
        raise Invalid(problem)
    return slug


def check_url(value: str) -> str:
    if urlsplit(value).scheme not in ("http", "https"):
        raise Invalid(f"must be an http(s) URL, not {value!r}")
    return value


def check_image_path(value: str) -> str:
    """A path under static/ (no `..`) or an http(s) URL."""
    parts = urlsplit(value)
    if parts.scheme not in ("", "http", "https") or value.startswith("//"):
        raise Invalid(f"must be a path under static/ or an http(s) URL, not {value!r}")
    if not parts.scheme and ".." in parts.path.replace("\\", "/").split("/"):
        raise Invalid(f"must stay inside static/ (no '..'), not {value!r}")
    return value


@dataclass(frozen=True)
class PublisherConfig:
    """Who publishes the coverage: used in structured data and feeds."""

    name: str = spec(doc="organisation name shown to search engines")
    logo: str | None = spec(None, check=check_image_path, doc="path under static/ or an absolute URL")
    url: str | None = spec(None, check=check_url)


@dataclass(frozen=True)
class CommentsConfig:
    """The comment block closing each liveblog; a provider is loaded only on request."""

    provider: str = spec("none", check=choice(*COMMENT_PROVIDERS))
    heading: str | None = spec(None, doc="default: the catalog's comments_heading, in the page's language")
    invitation: str | None = spec(None, doc="default: the catalog's comments_invitation")
    disqus_shortname: str | None = spec(None)
    giscus_repo: str | None = spec(None)
    giscus_repo_id: str | None = spec(None)
    giscus_category: str | None = spec(None)
    giscus_category_id: str | None = spec(None)
    coral_url: str | None = spec(None, check=check_url)


_PROVIDER_KEYS = {
    "disqus": ("disqus_shortname",),
    "giscus": ("giscus_repo", "giscus_repo_id", "giscus_category", "giscus_category_id"),
    "coral": ("coral_url",),
}


@dataclass(frozen=True)
class LiveConfig:
    """How open pages follow a live liveblog through `updates.json`."""

    poll_seconds: int = spec(15, check=at_least(1))
    manifest_entries: int = spec(20, check=at_least(1))


@dataclass(frozen=True)
class MarkdownConfig:
    allow_html: bool = spec(False, doc="let raw HTML in entries through unescaped (trusted authors only)")


@dataclass(frozen=True)
class AuthorConfig:
    """One reporter under `authors:` (or in `authors.yaml`), known by a short id."""

    name: str = spec(doc="the name shown on entries (e.g. `name: Olena Kovalenko`)")
    role: str | None = spec(None, doc="e.g. Kyiv correspondent")
    image: str | None = spec(None, check=check_image_path, doc="photo: a path under static/ or an URL")
    url: str | None = spec(None, check=check_url, doc="their profile elsewhere")
    image_at: tuple[Path, int, str] | None = spec(None, derived=True, shapes_output=False,
                                                  doc="the file, line and key of `image:` (for a photo that "
                                                      "cannot be used)")


@dataclass(frozen=True)
class SiteConfig:
    title: str = spec(doc="the site's name, shown on every page (e.g. `title: Newsroom live`)")
    base_url: str = spec(check=check_base_url,
                         doc="the address the site is published at (e.g. `base_url: https://live.example.org/`)")
    description: str = spec("")
    language: str = spec("en", check=check_language, doc="a BCP 47 tag such as en, uk, ar or pt-BR")
    timezone: str = spec("UTC", check=check_timezone)
    theme: str = spec("default", check=check_slug)
    per_page: int = spec(50, check=at_least(1))
    feed_items: int = spec(50, check=at_least(1))
    author: str | None = spec(None)
    authors: dict[str, Any] | None = spec(None, doc="id -> name, role, image, url (see AuthorConfig)")
    publisher: PublisherConfig | None = spec(None)
    comments: CommentsConfig = spec(CommentsConfig())
    live: LiveConfig = spec(LiveConfig())
    markdown: MarkdownConfig = spec(MarkdownConfig())
    media: MediaConfig = spec(MediaConfig())
    extra: dict[str, Any] | None = spec(None, doc="free-form data for templates")
    deploy: DeployConfig | None = spec(None, shapes_output=False, doc="where `sitegen deploy` publishes")
    # The theme's stylesheets and scripts, (name, content-hashed name): set by the build.
    assets: tuple[tuple[str, str], ...] = spec((), derived=True)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def load_config(source: Path, base_url: str | None = None) -> SiteConfig:
    """Read and validate `sitegen.yaml`, reporting every problem at once."""
    path = source / CONFIG_FILE
    if not path.is_file():
        raise ConfigError(Problem(path, None, f"no {CONFIG_FILE} here: run sitegen in your site's folder, "
                                          "or name it with --source FOLDER (a new site: `sitegen init FOLDER`)"))
    try:
        data = yamlsafe.load(read_text(path), path)
    except ContentError as exc:
        raise ConfigError(list(exc.problems)) from None
    problems: list[Problem] = []
    config = parse(SiteConfig, data, path, problems)
    authors: dict[str, AuthorConfig] = {}
    if config is not None:
        problems += _provider_problems(config, path, data)
        authors = load_authors(source, data, problems)
    raise_all(problems, ConfigError)
    assert config is not None
    config = _without_controls(replace(config, authors=authors or None))
    if base_url is not None:
        try:
            config = replace(config, base_url=check_base_url(base_url))
        except Invalid as exc:
            raise ConfigError(f"--base-url {exc}") from None
    return config


def _without_controls(value: Any) -> Any:
    """The config with control characters (a YAML escape like "\\u0001" can write them)
    removed from its texts, as from content's: no HTML wants them and XML forbids them.
    `extra:` is the user's own data and is left as written."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, tuple):
        return tuple(_without_controls(v) for v in value)
    if isinstance(value, dict):  # (`authors:`; `extra:` is skipped below)
        return {k: _without_controls(v) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _without_controls(getattr(value, f.name)) for f in fields(value) if f.name != "extra"}
        return replace(value, **changes)
    return value


def load_authors(source: Path, data: Any, problems: list[Problem]) -> dict[str, AuthorConfig]:
    """`authors:` in sitegen.yaml and the mapping in `authors.yaml` (either or both), each
    id checked: a slug, described once, with the known keys only."""
    found: dict[str, AuthorConfig] = {}
    where: dict[str, Path] = {}
    sources: list[tuple[Path, Any]] = [(source / CONFIG_FILE, data.get("authors") if isinstance(data, dict) else None)]
    extra = source / AUTHORS_FILE
    if extra.is_file():
        try:
            raw = yamlsafe.load(read_text(extra), extra)
        except ContentError as exc:
            problems += exc.problems
            raw = None
        if raw is not None and not isinstance(raw, yamlsafe.YamlMap):
            problems.append(Problem(extra, getattr(raw, "line", 1), "authors.yaml must map each author's id to "
                                                                     "their name, role, image and url"))
        else:
            sources.append((extra, raw))
    for path, mapping in sources:
        if not mapping:
            continue
        prefix = "authors." if path.name == CONFIG_FILE else ""
        for key, value in mapping.items():
            line = mapping.line_of(key) if isinstance(mapping, yamlsafe.YamlMap) else None
            author_id = normalise_slug(str(key))
            if (why := slug_problem(author_id)) is not None:
                problems.append(Problem(path, line, f"author id {key!r}: {why}"))
                continue
            if author_id in found:
                problems.append(Problem(path, line, f"author {author_id!r} is described twice (also in "
                                                    f"{where[author_id]})"))
                continue
            parsed = parse(AuthorConfig, value, path, problems, f"{prefix}{author_id}", line)
            if parsed is None:
                continue
            at = (path, value.line_of("image"), f"{prefix}{author_id}.image")
            if parsed.image and (why := not_in_static(source / "static", parsed.image)):
                problems.append(Problem(at[0], at[1], f"{at[2]}: {why}"))
                continue
            found[author_id] = replace(parsed, image_at=at) if parsed.image else parsed
            where[author_id] = path
    return found


def _provider_problems(config: SiteConfig, path: Path, data: Any) -> list[Problem]:
    needed = _PROVIDER_KEYS.get(config.comments.provider, ())
    line = getattr(data.get("comments"), "line", None)  # (`comments:` alone is null, no mapping)
    return [Problem(path, line, f"comments.{key} is required when comments.provider is "
                                f"{config.comments.provider!r}")
            for key in needed if getattr(config.comments, key) is None]


def missing_from_static(static: Path, image: str) -> bool:
    """A local image (not a URL) that is no file in the site's `static` folder. A name the
    system cannot even look up (longer than a file name may be) is missing, not a crash."""
    if urlsplit(image).scheme:
        return False
    try:
        return not (static / image.lstrip("/")).is_file()
    except OSError:
        return True


def not_in_static(static: Path, path: str, kind: str = "image") -> str | None:
    """What to tell an editor whose local `path` is no file in static/ (None when it is
    one, or a URL): the file it most likely meant (a phone's IMG_0042.JPG written
    img_0042.jpg), or where to copy it."""
    if not missing_from_static(static, path):
        return None
    rel = path.lstrip("/")
    folder, _, name = rel.rpartition("/")
    try:
        with os.scandir(static / folder) as items:
            names = [item.name for item in items if item.is_file()]
    except (OSError, ValueError):  # (no such folder, one that cannot be read, a NUL in the name)
        names = []
    close = next((n for n in names if n.lower() == name.lower()), None) or closest(name, names)
    if close:
        meant = f"{folder}/{close}" if folder else close
        return (f"{kind} {path!r} not found in static/; did you mean {meant!r}? (the name must match letter "
                "for letter, capitals included)")
    where = f"static/{folder}/" if folder else "static/"
    return f"{kind} {path!r} not found in static/: copy the file into {where} or correct the path"


MAX_SOURCE_BYTES = 1 << 20


def read_text(path: Path) -> str:
    """Read a UTF-8 source with a size cap; a bad file is the user's error, not a crash.

    Whatever the editor saved, the text comes back the same: without a byte-order
    mark, its line endings (Windows CRLF, old Mac CR, or a mix) as LF. Every reader
    of sources (and so every cache keyed by their text) sees what an LF twin gives."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode):  # (a folder: read_bytes says so)
            raise ContentError.at(path, None, "cannot read: not a regular file (a named pipe, socket or "
                                              "device, which would hang the build): remove it")
        size = info.st_size
        if size > MAX_SOURCE_BYTES:
            raise ContentError.at(path, None, f"file is {size} bytes; the limit is {MAX_SOURCE_BYTES}")
        raw = path.read_bytes()
    except OSError as exc:
        raise ContentError.at(path, None, unreadable(exc)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = unify_newlines(raw[: exc.start].decode("utf-8", "replace")).count("\n") + 1
        raise ContentError.at(path, line, "not valid UTF-8 text: save the file with the encoding UTF-8 "
                                          "(your editor's Save As dialog has the choice)") from None
    return unify_newlines(text)


def unify_newlines(text: str) -> str:
    """CRLF and lone CR as LF (cheap when there is no CR, the usual case)."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def unreadable(exc: OSError) -> str:
    """Why a source cannot be read, in words: loops and dangling links are common."""
    if exc.errno == errno.ELOOP:
        return "cannot read: a symlink loop (the link leads back to itself): remove it or point it at a real file"
    if exc.errno == errno.ENOENT:
        return "cannot read: the file is gone, or is a symlink to a missing file"
    return f"cannot read: {exc.strerror}"
