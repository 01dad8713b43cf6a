"""The site as sitegen understands it: frozen, typed, validated, render-ready.

`source` builds these from the sources; `site`, `render` and `feeds` only read them.
Nothing here refers back to files except `source` locations for messages.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from functools import cached_property
from datetime import datetime, timedelta, timezone
from itertools import chain
from operator import is_not
from pathlib import Path
from typing import TYPE_CHECKING, Sequence
from zoneinfo import ZoneInfo

from sitegen.config.site_config import SiteConfig
from sitegen.model.pictures import Picture

if TYPE_CHECKING:  # (a build with nothing to do imports the model, not the languages)
    from sitegen.i18n import Lang


@dataclass(frozen=True, slots=True)  # (no instance dict: every entry has one)
class SourceRef:
    """Where something was written, for error messages."""

    path: Path
    line: int


@dataclass(frozen=True)
class Topic:
    slug: str
    title: str


@dataclass(frozen=True)
class Attribution:
    """Where an entry's information comes from (`source:` in the entry)."""

    name: str
    url: str | None


@dataclass(frozen=True)
class Author:
    """Who wrote an entry: an id from `authors:` (with its profile), or a bare name."""

    id: str | None  # the key under `authors:`; None for a name written out
    name: str
    role: str | None = None
    image: str | None = None  # a path under static/ or an http(s) URL
    url: str | None = None
    picture: Picture | None = None  # the local `image`, processed (sitegen.media)


@dataclass(frozen=True, slots=True)  # (no instance dict: a 50,000-entry build holds 50,000 entries throughout)
class Entry:
    id: str
    time: datetime  # timezone-aware
    title: str | None
    topics: tuple[str, ...]
    author: str | None
    pinned: bool
    key_event: bool
    draft: bool
    image: str | None
    caption: str | None
    credit: str | None
    source: Attribution | None
    updated: datetime | None
    body_html: str  # rendered, sanitised
    digest: str  # content hash of everything that shapes this entry's HTML
    origin: SourceRef
    scheduled: bool = False  # its time lies ahead: shown only by `--future` builds and `serve`
    correction_html: str | None = None  # rendered, sanitised `correction:` (with `updated`)
    authors: tuple[Author, ...] = ()  # `author:` resolved against `authors:`; `author` joins their names
    alt: str | None = None  # the image's alternative text; "" for a decorative image
    picture: Picture | None = None  # `image`, processed (a local image)
    media: tuple[Picture, ...] = ()  # every processed image the entry shows (sitegen.media)

    @property
    def last_modified(self) -> datetime:
        return self.updated or self.time


@dataclass(frozen=True)
class Liveblog:
    slug: str
    title: str
    description: str
    status: str  # "live" | "ended"
    timezone: ZoneInfo
    topics: tuple[Topic, ...]
    entries: tuple[Entry, ...]  # newest first, pinned ones included in time order
    origin: SourceRef
    lang: Lang  # its language (liveblog.yaml's, else the site's): texts and clock in its timezone
    summary_html: str | None = None  # rendered, sanitised `summary:` (key points above the stream)
    summary_updated: datetime | None = None
    ends: datetime | None = None  # after it the liveblog counts as ended (`status` says so then)

    @property
    def is_live(self) -> bool:
        return self.status == "live"

    @property
    def coverage_end(self) -> datetime | None:
        """When the coverage ended: its `ends`, else its newest entry; None while live."""
        return None if self.is_live else self.ends or self.time_span[1]

    @cached_property
    def summary_digest(self) -> str:
        """The summary's part of the front page and `updates.json` (kept out of `digest`:
        an edited summary changes no other page)."""
        return hashlib.sha256(repr((self.summary_html, self.summary_updated)).encode()).hexdigest()

    # Derived once per liveblog (not once per page that shows them): pages, feeds and
    # structured data ask for these on every one of thousands of pages.
    @cached_property
    def digest(self) -> str:
        """A content hash of the liveblog's own fields: everything but its entries."""
        own = [(f.name, getattr(self, f.name)) for f in fields(self) if f.name not in _NOT_OWN]
        return hashlib.sha256(repr(own).encode()).hexdigest()

    # (`entries` being newest first, these look at a few entries, not at thousands; where
    # two times are the same instant, they give the first in `entries`, as min and max would.)
    @cached_property
    def last_modified(self) -> datetime | None:
        """The newest `time` or `updated` of any entry: that of a corrected entry, or the
        time of the newest entry not corrected."""
        entries = self.entries
        plain = next((i for i, e in enumerate(entries) if e.updated is None), None)
        corrected = [i for i in self.flagged if entries[i].updated is not None]
        places = corrected if plain is None else sorted({*corrected, plain})
        return max((entries[i].last_modified for i in places), default=None)

    @cached_property
    def time_span(self) -> tuple[datetime | None, datetime | None]:
        """The oldest and the newest `time` of any entry (what structured.coverage tells)."""
        entries = self.entries
        if not entries:
            return None, None
        first = len(entries) - 1
        while first and entries[first - 1].time == entries[-1].time:
            first -= 1
        return entries[first].time, entries[0].time

    @cached_property
    def flagged(self) -> tuple[int, ...]:
        """Where the pinned and the corrected (`updated`) entries are: the few that pages
        and the live manifest pick out of thousands."""
        return tuple(i for i, e in enumerate(self.entries) if flagged(e))

    @cached_property
    def pinned(self) -> tuple[Entry, ...]:
        """The pinned entries, newest first (the front page shows them above the stream)."""
        return tuple(e for e in (self.entries[i] for i in self.flagged) if e.pinned)

    @cached_property
    def unpinned(self) -> tuple[Entry, ...]:
        """The entries but the pinned ones, newest first: the stream's."""
        cuts = [i for i in self.flagged if self.entries[i].pinned]
        if not cuts:
            return self.entries
        starts = [0, *(i + 1 for i in cuts)]
        return tuple(chain.from_iterable(self.entries[a:b] for a, b in zip(starts, [*cuts, len(self.entries)])))

    @cached_property
    def ids(self) -> frozenset[str]:
        return frozenset(e.id for e in self.entries)

    @cached_property
    def _by_topic(self) -> dict[str, tuple[Entry, ...]]:
        found: dict[str, list[Entry]] = {t.slug: [] for t in self.topics}
        for entry in self.entries:
            for slug in entry.topics:
                found.setdefault(slug, []).append(entry)
        return {slug: tuple(entries) for slug, entries in found.items()}

    def topic_entries(self, slug: str) -> tuple[Entry, ...]:
        """One topic's entries, newest first (as `entries`)."""
        return self._by_topic.get(slug, ())

    def topic(self, slug: str) -> Topic:
        return next(t for t in self.topics if t.slug == slug)


_NOT_OWN = ("entries", "origin", "summary_html", "summary_updated")  # (what `digest` leaves out)


def same_objects(a: Sequence[object], b: Sequence[object]) -> bool:
    """The very same objects in the same order (a C loop: cheap for thousands). Never
    compared field by field: two entries at the same instant written in two zones are
    equal, yet render differently; the same (immutable) object always renders the same."""
    return len(a) == len(b) and not any(map(is_not, a, b))


def flagged(entry: Entry) -> bool:
    """Pinned or corrected: one of the few entries pages pick out of thousands."""
    return entry.pinned or entry.updated is not None


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)
StreamKey = tuple[int, str]


def stream_key(entry: Entry) -> StreamKey:
    """The sort key of a liveblog's stream (reversed): the instant in whole microseconds
    (exact) compares faster than an aware datetime, which asks its zone each time."""
    return ((entry.time - _EPOCH) // _MICROSECOND, entry.id)


@dataclass(frozen=True)
class Due:
    """The next moment at which a build would publish something new: a scheduled entry
    coming due, or a liveblog's `ends`."""

    time: datetime
    what: str


@dataclass(frozen=True)
class Site:
    config: SiteConfig
    liveblogs: tuple[Liveblog, ...]  # live ones first, then by newest entry
    lang: Lang  # the site's language and timezone: the home and 404 pages, the site's feed
    next_due: Due | None = None
    authors: tuple[Author, ...] = ()  # those described under `authors:` (each gets a page)
