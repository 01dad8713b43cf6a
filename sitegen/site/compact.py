"""Two more views of a liveblog: `L/key-events/` (its key events only, for readers
without JavaScript and for sharing) and `L/embed/` (a compact, live version for
other sites' iframes: the newest entries and a link to the full coverage).

Both name their inputs like the stream pages (page_inputs.py): the liveblog's own
fields and the digests of the entries they show, so an unrelated edit rewrites
neither, and `serve`'s rebuild stays byte for byte a fresh build's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Iterator

from markupsafe import Markup

from sitegen.core import urls
from sitegen.core.urls import Links
from sitegen.model.site import Entry, Liveblog, Site
from sitegen.site.csp import embedded_frames
from sitegen.site.header import LiveblogHeader, liveblog_header
from sitegen.site.live import stream_data
from sitegen.site.plan import Fragment, PageSpec
from sitegen.site.views import Head, SiteView, feed_alternates, head, site_view

EMBED_ENTRIES = 10  # the newest; the embed links to the rest


@dataclass(frozen=True)
class KeyEventsPage:
    head: Head
    site: SiteView
    header: LiveblogHeader
    is_front: bool  # (the header links its title to the liveblog)
    count: int
    stream: Markup
    liveblog_url: str
    stream_data: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class EmbedPage:
    head: Head
    site: SiteView
    header: LiveblogHeader
    stream: Markup
    liveblog_url: str
    stream_data: tuple[tuple[str, str], ...]


def all_key_events(liveblog: Liveblog) -> tuple[Entry, ...]:
    """Every key event, newest first (the front page lists the newest few)."""
    return tuple(e for e in liveblog.entries if e.key_event)


def compact_pages(site: Site, liveblog: Liveblog, fragment: Fragment) -> Iterator[PageSpec]:
    chosen = all_key_events(liveblog)
    yield PageSpec(urls.key_events(liveblog.slug), "key_events.html",
                   partial(key_events_page, site, liveblog, chosen, fragment),
                   " ".join((liveblog.digest, "key events", *(e.digest for e in chosen))))
    newest = liveblog.entries[:EMBED_ENTRIES]
    yield PageSpec(urls.embed(liveblog.slug), "embed.html", partial(embed_page, site, liveblog, newest, fragment),
                   " ".join((liveblog.digest, "embed", repr(liveblog.last_modified), *(e.digest for e in newest))))


def key_events_page(site: Site, liveblog: Liveblog, chosen: tuple[Entry, ...], fragment: Fragment) -> KeyEventsPage:
    route = urls.key_events(liveblog.slug)
    links = Links.from_page(site.config.base_url, route)
    title = liveblog.lang.t.text("key_events_feed_title", liveblog=liveblog.title)
    stream = Markup("".join(fragment(e, liveblog, links) for e in chosen))
    return KeyEventsPage(
        head=head(site.config, links, route, title, liveblog.description,
                  alternates=feed_alternates(links, urls.key_events_feed(liveblog.slug), title), og_type="article",
                  lang=liveblog.lang, embedded=embedded_frames(stream)),
        site=site_view(site.config, links),
        header=liveblog_header(site, liveblog, links, archive=True, shown=chosen[:1]),
        is_front=False,
        count=len(chosen),
        stream=stream,
        liveblog_url=links.to(urls.liveblog(liveblog.slug)),
        stream_data=stream_data(site, liveblog, links, urls.liveblog(liveblog.slug)),
    )


def embed_page(site: Site, liveblog: Liveblog, newest: tuple[Entry, ...], fragment: Fragment) -> EmbedPage:
    route = urls.embed(liveblog.slug)
    links = Links.from_page(site.config.base_url, route)
    stream = Markup("".join(fragment(e, liveblog, links) for e in newest))
    # (a live liveblog's embed receives its new entries: any provider's embed may come)
    shown = head(site.config, links, route, liveblog.title, liveblog.description, robots="noindex",
                 lang=liveblog.lang, embedded=None if liveblog.is_live else embedded_frames(stream))
    data = stream_data(site, liveblog, links, None, poll=True)
    return EmbedPage(
        head=replace(shown, canonical=links.absolute(urls.liveblog(liveblog.slug))),
        site=site_view(site.config, links),
        header=liveblog_header(site, liveblog, links, shown=newest[:1]),
        stream=stream,
        liveblog_url=links.absolute(urls.liveblog(liveblog.slug)),
        stream_data=(*(pair for pair in data if pair[0] != "liveblog"), ("embed", str(EMBED_ENTRIES))),
    )
