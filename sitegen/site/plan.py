"""The shapes every page module shares: a page to render (`PageSpec`), a group of
pages that stand or fall together (`PageGroup`), and the `SitePlan` of where every
entry lives (its stream page), so links from anywhere can reach it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable, Iterator

from sitegen.core import urls
from sitegen.core.memo import Memo
from sitegen.core.urls import Links
from sitegen.model.pagination import Chunk
from sitegen.model.site import Entry, Liveblog, Site
from sitegen.site.streams import Streams
from sitegen.site.views import headline

# Renders an entry's <article> as seen from a page with the given links.
Fragment = Callable[[Entry, Liveblog, Links], str]

@dataclass(frozen=True)
class PageSpec:
    """A page to render. With `inputs` (a string naming everything that shapes the
    page's bytes besides the templates and config), `context` may be a function
    that makes it: a page whose inputs did not change since the last build is
    neither rebuilt nor rendered. The test suite checks every such claim
    (SITEGEN_VERIFY_INPUTS), so an input left out fails a test."""

    route: str
    template: str
    context: object
    inputs: str | None = None

    def make_context(self) -> object:
        return self.context() if callable(self.context) else self.context


@dataclass(frozen=True)
class PageGroup:
    """Pages whose inputs all follow from the group's `inputs` (the entry pages of one
    stream page's entries): when those did not change since the last build, the pages
    are not even looked at one by one. Tests check the claim, as for PageSpec."""

    name: str
    inputs: str
    routes: tuple[str, ...]
    pages: Callable[[], Iterator[PageSpec]]
    entries: tuple[Entry, ...] = ()  # whose pages these are, one per route (for the sitemap)
    whole: bool = True  # made as a whole, maybe later on another core; else page by page, each by its inputs


@dataclass(frozen=True)
class EntryLink:
    title: str
    time_iso: str
    time_label: str
    url: str
    day_label: str  # "Sun 23 Mar": lists span days, a bare time is ambiguous


class SitePlan:
    """Where every entry lives, so links from anywhere can reach it. `serve`'s rebuilds
    reuse what the last build worked out for pages whose entries did not change
    (streams.py)."""

    def __init__(self, site: Site, memo: Memo | None = None) -> None:
        """`memo`: the session's (see core/memo.py); a one-off build's is new."""
        self.site = site
        self.streams = Streams(memo or Memo())
        self.chunks: dict[str, list[Chunk]] = {}
        self.places: dict[str, dict[str, str]] = {}  # liveblog slug -> entry id -> its stream page
        for liveblog in site.liveblogs:
            slug, pinned = liveblog.slug, liveblog.pinned
            chunks = self.streams.chunks((slug,), liveblog.unpinned, site.config.per_page)
            self.chunks[slug] = chunks
            self.places[slug] = self.streams.places(slug, chunks, pinned, urls.liveblog(slug), partial(stream_route, slug))

    def by_location(self, liveblog: Liveblog) -> list[tuple[str, tuple[Entry, ...]]]:
        """(stream page route, the entries that live there), the front page first."""
        pinned = liveblog.pinned
        return [(stream_route(liveblog.slug, c.number), pinned + c.items if c.is_front else c.items)
                for c in self.chunks[liveblog.slug]]

    def route_of(self, liveblog: Liveblog, entry: Entry) -> str:
        """The route of the stream page `entry` is on."""
        return self.places[liveblog.slug][entry.id]

    def entry_link(self, liveblog: Liveblog, entry: Entry, links: Links, here: str) -> EntryLink:
        route = self.places[liveblog.slug][entry.id]
        anchor = "#" + urls.entry_anchor(entry.id)
        clock = liveblog.lang.clock  # (in the liveblog's zone and language)
        return EntryLink(headline(entry), entry.time.isoformat(), clock.time(entry.time),
                         anchor if route == here else links.to(route) + anchor, clock.day(entry.time))


def stream_route(slug: str, number: int) -> str:
    return urls.liveblog(slug) if number == 0 else urls.liveblog_page(slug, number)


def topic_stream_route(slug: str, topic_slug: str, number: int) -> str:
    return urls.topic(slug, topic_slug) if number == 0 else urls.topic_page(slug, topic_slug, number)
