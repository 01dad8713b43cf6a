"""RSS 2.0 feeds and the sitemap, written as text with ElementTree's escaping.

Both are made often (a sitemap lists every entry page; `serve` remakes the feeds
that list an edited entry), so they are joined from kept strings rather than built
as trees; `rss_tree` and `sitemap_tree` (trees.py) are the ElementTree references
the tests hold them to, byte for byte. An item's `guid` is the entry's absolute anchor URL,
which never changes once published; content has already lost the control
characters XML forbids.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from itertools import islice
from typing import Iterable, Iterator

from sitegen.feeds import text as feedtext
from sitegen.core import urls
from sitegen.model.site import Entry, Site
from sitegen.core.urls import Links
from sitegen.feeds.items import Feed, FeedItem, entry_image
from sitegen.site.views import headline, permalink

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_NS = "http://search.yahoo.com/mrss/"  # Media RSS: an image needs no byte length, unlike <enclosure>


def site_feeds(site: Site) -> Iterator[Feed]:
    """The site's feed, each liveblog's, and each topic's."""
    limit = site.config.feed_items
    # Each liveblog's entries are sorted already (newest first, by time and id), so only
    # each one's newest `limit` can make the site's feed: a long liveblog is not sorted again.
    everything = sorted((FeedItem(e, lb) for lb in site.liveblogs for e in lb.entries[:limit]),
                        key=lambda item: (item.entry.time, item.entry.id), reverse=True)
    yield Feed(urls.site_feed(), site.config.title, site.config.description or site.config.title,
               urls.home(), tuple(everything[:limit]), site.lang.tag)
    for lb in site.liveblogs:
        t, language = lb.lang.t, lb.lang.tag
        yield Feed(urls.liveblog_feed(lb.slug), lb.title, lb.description or lb.title, urls.liveblog(lb.slug),
                   tuple(FeedItem(e, lb) for e in lb.entries[:limit]), language)
        # The newest `limit` key events: stop looking there, not after 10,000 entries.
        key_events = list(islice((e for e in lb.entries if e.key_event), limit))
        yield Feed(urls.key_events_feed(lb.slug), t.text("key_events_feed_title", liveblog=lb.title),
                   t.text("key_events_feed_description", liveblog=lb.title), urls.liveblog(lb.slug),
                   tuple(FeedItem(e, lb) for e in key_events), language)
        for topic in lb.topics:
            entries = lb.topic_entries(topic.slug)[:limit]
            yield Feed(urls.topic_feed(lb.slug, topic.slug),
                       t.text("topic_title", topic=topic.title, liveblog=lb.title),
                       t.text("topic_feed_description", topic=topic.title), urls.topic(lb.slug, topic.slug),
                       tuple(FeedItem(e, lb) for e in entries), language)


def rss(feed: Feed, site: Site) -> bytes:
    """The RSS document as text, the same bytes as `rss_tree` (tests compare): each item's
    text is made once per content (`_RSS_ITEMS`), so remaking a feed after one edit joins
    kept strings instead of building and serializing a tree of 50 items."""
    config = site.config
    links = Links.from_page(config.base_url, "")
    # ElementTree declares a namespace only where used, sorted by prefix: `dc` comes with an author.
    dc = f' xmlns:dc="{DC_NS}"' if any(item.entry.author for item in feed.items) else ""
    media = f' xmlns:media="{MEDIA_NS}"' if any(item.entry.image for item in feed.items) else ""
    parts = [f'{feedtext.XML_DECLARATION}<rss xmlns:atom="{ATOM_NS}"{dc}{media} version="2.0">\n  <channel>',
             feedtext.element("    ", "title", feed.title),
             feedtext.element("    ", "link", links.absolute(feed.page_route)),
             feedtext.element("    ", "description", feed.description),
             feedtext.element("    ", "language", feed.language),
             feedtext.element("    ", "atom:link", None, (("href", links.absolute(feed.route)), ("rel", "self"),
                                                          ("type", "application/rss+xml")))]
    newest = max((i.entry.last_modified for i in feed.items), default=None)
    if newest:
        parts.append(feedtext.element("    ", "lastBuildDate", rfc822(newest)))
    parts.append(feedtext.element("    ", "generator", "sitegen"))
    items = [_RSS_ITEMS.get(item, config.base_url, _item_text) for item in feed.items]
    return b"".join([feedtext.xml_bytes(parts), *items, b"\n  </channel>\n</rss>\n"])


_RSS_ITEMS = feedtext.item_texts()


def _item_text(item: FeedItem, base_url: str) -> bytes:
    """One `<item>` as `trees.rss_tree` writes it inside its channel (indented as ElementTree does)."""
    entry = item.entry
    links = Links.from_page(base_url, "")
    anchor = permalink(entry, item.liveblog, links)
    ind = "      "
    parts = ["\n    <item>",
             feedtext.element(ind, "title", headline(entry)),
             feedtext.element(ind, "link", links.absolute(urls.entry_page(item.liveblog.slug, entry.id))),
             feedtext.element(ind, "guid", anchor, (("isPermaLink", "true"),)),
             feedtext.element(ind, "pubDate", rfc822(entry.time)),
             feedtext.element(ind, "description", Links.from_page(base_url, "").absolute_html(entry.body_html))]
    if entry.author:
        parts.append(feedtext.element(ind, "dc:creator", entry.author))
    parts += [feedtext.element(ind, "category", item.liveblog.topic(slug).title) for slug in entry.topics]
    if entry.image:
        parts.append(feedtext.element(ind, "media:content", None, media_of(entry, links)))
    parts.append("\n    </item>")
    return feedtext.xml_bytes(parts)


def clear_feed_caches() -> None:
    """Forget every kept item text of every format (tests and benchmarks start cold)."""
    feedtext.clear_all()


def media_of(entry: Entry, links: Links) -> tuple[tuple[str, str], ...]:
    """The entry's image as Media RSS describes it (Atom and JSON Feed carry the same)."""
    kind, url = entry_image(entry, links)
    return (("url", url), ("medium", "image"), ("type", kind))


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rfc822(moment: datetime) -> str:
    """RFC 822 (RSS's dates) in UTC, as `email.utils.format_datetime` writes them (a test
    holds it to that): importing `email.utils` (and `socket` with it) cost a publish more
    than writing every item's date."""
    utc = moment.astimezone(timezone.utc)
    return (f"{_DAYS[utc.weekday()]}, {utc.day:02d} {_MONTHS[utc.month - 1]} {utc.year:04d} "
            f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d} +0000")


SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def sitemap(routes: Iterable[tuple[str, datetime | None]], base_url: str) -> bytes:
    """The same bytes as ElementTree would write (tests compare), made as text because
    a sitemap lists every entry page: ElementTree took most of a fast rebuild's time."""
    return sitemap_text([(route, lastmod_text(modified) if modified else None) for route, modified in routes],
                        base_url)


def lastmod_text(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def sitemap_text(routes: Iterable[tuple[str, str | None]], base_url: str) -> bytes:
    """`sitemap` from (route, `lastmod_text` or None) pairs."""
    return sitemap_document([sitemap_urls(routes, base_url).encode("utf-8")])


def sitemap_urls(routes: Iterable[tuple[str, str | None]], base_url: str) -> str:
    """The sitemap's <url> elements for (route, `lastmod_text` or None) pairs: a part
    of `sitemap_document` (`serve` keeps the parts of pages that did not change)."""
    parts = []
    for route, modified in routes:
        parts.append(_sitemap_loc(base_url, route))
        if modified:
            parts.append(f"\n    <lastmod>{modified}</lastmod>")
        parts.append("\n  </url>")
    return "".join(parts)


def sitemap_document(urls: list[bytes]) -> bytes:
    """The sitemap from its parts (`sitemap_urls`, as UTF-8), in order, joined once: at
    50,000 entries it is 7 MB, and `serve` makes it again after each edit (each copy more,
    as text and then bytes, was 7 MB more at the moment its memory peaks)."""
    head = f"<?xml version='1.0' encoding='utf-8'?>\n<urlset xmlns=\"{SITEMAP_NS}\">".encode()
    if not any(urls):
        return head[:-1] + b" />\n"
    return b"".join([head, *urls, b"\n</urlset>\n"])


@lru_cache(maxsize=1 << 17)  # `serve` writes the same thousands of lines after each edit
def _sitemap_loc(base_url: str, route: str) -> str:
    return f"\n  <url>\n    <loc>{feedtext.text(Links.from_page(base_url, '').absolute(route))}</loc>"
