"""What each published file is sent with: `Content-Type` and `Cache-Control`.

The defaults are made for live coverage behind a CDN. `updates.json`, which every
open page polls, may be cached for a fraction of the poll interval only; pages
briefly, then served stale while the CDN fetches the new version; feeds briefly;
the theme's content-hashed stylesheets and scripts and other content-hashed files
(processed media) for a year, as `immutable`: their names change with their bytes.
Rules in `deploy.cache_control` (output path pattern -> value, first match wins)
come before the defaults.
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase

from sitegen.serve.http import CONTENT_TYPES

YEAR = 31_536_000
HASHED = re.compile(r".+\.[0-9a-f]{10,64}\.[A-Za-z0-9]+")  # name.0123456789.ext (urls.hashed_name)
# Processed photos: media/NAME-<12+ hex of bytes and settings>[-WIDTH].EXT (the media pipeline's names)
MEDIA = re.compile(r"media/(?:[^/]+/)*[^/]+-[0-9a-f]{12,64}(?:-\d+)?\.[A-Za-z0-9]+")
FEED_NAMES = {"feed.xml": "application/rss+xml", "atom.xml": "application/atom+xml",
              "feed.json": "application/feed+json"}
MANIFEST_NAME = "updates.json"
TEXT_TYPES = ("text/", "application/json", "application/feed+json", "application/manifest+json",
              "application/rss+xml", "application/atom+xml", "application/xml", "image/svg+xml")


@dataclass(frozen=True)
class Headers:
    content_type: str
    cache_control: str

    @property
    def signature(self) -> str:
        """What the deploy record keeps: new headers for a file mean it is sent again."""
        return f"{self.content_type}\n{self.cache_control}"


@dataclass(frozen=True)
class CachePolicy:
    """The Cache-Control rules for one site: its poll interval and its overrides."""

    poll_seconds: int
    rules: tuple[tuple[str, str], ...] = ()

    def cache_control(self, key: str) -> str:
        for pattern, value in self.rules:
            if fnmatchcase(key, pattern):
                return value
        return default_cache_control(key, self.poll_seconds)

    def headers(self, key: str) -> Headers:
        return Headers(content_type(key), self.cache_control(key))


def manifest_max_age(poll_seconds: int) -> int:
    """A third of the poll interval: a page that polls every 15 s sees an entry at most
    5 s after the CDN could have fetched it, and the origin sees one request per 5 s per
    CDN location however many readers are polling."""
    return max(1, poll_seconds // 3)


def default_cache_control(key: str, poll_seconds: int) -> str:
    name = _name(key)
    if name == MANIFEST_NAME:
        return f"public, max-age={manifest_max_age(poll_seconds)}"
    if immutable(key):
        return f"public, max-age={YEAR}, immutable"
    if name.endswith((".html", ".htm")):
        return "public, max-age=60, stale-while-revalidate=60"
    if name in FEED_NAMES or name == "sitemap.xml":
        return "public, max-age=120"
    return "public, max-age=3600"


def immutable(key: str) -> bool:
    """A file whose name carries a hash of its bytes: its name never means other bytes."""
    return bool(HASHED.fullmatch(_name(key)) or MEDIA.fullmatch(key))


def content_type(key: str) -> str:
    """The type, with `charset=utf-8` for every text type (sitegen writes UTF-8)."""
    name = _name(key)
    dot = name.rfind(".")
    suffix = name[dot:].lower() if dot > 0 else ""
    kind = FEED_NAMES.get(name) or CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] \
        or "application/octet-stream"
    kind = kind.split(";")[0]
    return f"{kind}; charset=utf-8" if kind.startswith(TEXT_TYPES) else kind


def _name(key: str) -> str:
    """The file name of an output path (plain string work: asked for every file of a deploy)."""
    return key[key.rfind("/") + 1:]
