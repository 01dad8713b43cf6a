"""Atom 1.0 and JSON Feed 1.1 beside every RSS feed (`X/atom.xml`, `X/feed.json`).

Each is made from the same `Feed` as the RSS and, like it, joined from each item's
kept text (see feedtext.py): `atom_tree` (ElementTree, in trees.py) and `json_feed_dumps`
(one `json.dumps`) are the references the tests hold them to, byte for byte. An
entry's id is its RSS guid (the absolute anchor URL, never changing), its link
is its own page, and a correction carries its `updated` time.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Callable, Iterator

from sitegen.feeds import text as feedtext
from sitegen.core import urls
from sitegen.feeds.rss import ATOM_NS
from sitegen.feeds.items import Feed, FeedItem, entry_image
from sitegen.model.site import Site
from sitegen.core.urls import Links
from sitegen.site.views import headline, permalink

XML_NS = "http://www.w3.org/XML/1998/namespace"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)  # `updated` of a feed with no entries yet


def other_formats(feed: Feed, site: Site) -> Iterator[tuple[str, bytes]]:
    """(route, bytes) of the Atom and JSON versions of an RSS feed."""
    for route, make in other_makers(feed):
        yield route, make(feed, site)


def other_makers(feed: Feed) -> list[tuple[str, Callable[[Feed, Site], bytes]]]:
    """(route, function making it) of the Atom and JSON versions of an RSS feed."""
    return [(urls.atom_beside(feed.route), atom), (urls.json_feed_beside(feed.route), json_feed)]


def rfc3339(moment: datetime) -> str:
    """RFC 3339 in UTC, as both formats expect."""
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def feed_author(site: Site) -> str:
    config = site.config
    return config.publisher.name if config.publisher else config.author or config.title


def feed_links(site: Site) -> Links:
    return Links.from_page(site.config.base_url, "")


def entry_page_url(item: FeedItem, links: Links) -> str:
    return links.absolute(urls.entry_page(item.liveblog.slug, item.entry.id))


def atom(feed: Feed, site: Site) -> bytes:
    """The Atom document as text, the same bytes as `atom_tree` (tests compare); each
    entry's text is made once per content (`_ATOM_ENTRIES`), as for RSS."""
    config = site.config
    links = feed_links(site)
    own = links.absolute(urls.atom_beside(feed.route))
    newest = max((i.entry.last_modified for i in feed.items), default=EPOCH)
    parts = [f'{feedtext.XML_DECLARATION}<feed xmlns="{ATOM_NS}" xml:lang="{feedtext.attribute(feed.language)}"'
             f' xml:base="{feedtext.attribute(config.base_url)}">',
             feedtext.element("  ", "id", own),
             feedtext.element("  ", "title", feed.title),
             feedtext.element("  ", "subtitle", feed.description),
             feedtext.element("  ", "updated", rfc3339(newest)),
             _link_text("  ", "self", "application/atom+xml", own),
             _link_text("  ", "alternate", "text/html", links.absolute(feed.page_route)),
             _author_text("  ", feed_author(site)),
             feedtext.element("  ", "generator", "sitegen")]
    entries = [_ATOM_ENTRIES.get(item, config.base_url, _atom_entry_text) for item in feed.items]
    return b"".join([feedtext.xml_bytes(parts), *entries, b"\n</feed>\n"])


_ATOM_ENTRIES = feedtext.item_texts()


def _atom_entry_text(item: FeedItem, base_url: str) -> bytes:
    """One `<entry>` as `trees.atom_tree` writes it inside the feed (indented as ElementTree does)."""
    entry, links, ind = item.entry, Links.from_page(base_url, ""), "    "
    parts = ["\n  <entry>",
             feedtext.element(ind, "id", permalink(entry, item.liveblog, links)),
             feedtext.element(ind, "title", headline(entry)),
             _link_text(ind, "alternate", "text/html", entry_page_url(item, links)),
             feedtext.element(ind, "published", rfc3339(entry.time)),
             feedtext.element(ind, "updated", rfc3339(entry.last_modified))]
    if entry.author:
        parts.append(_author_text(ind, entry.author))
    parts += [feedtext.element(ind, "category", None, (("term", slug), ("label", item.liveblog.topic(slug).title)))
              for slug in entry.topics]
    if entry.image:
        parts.append(_link_text(ind, "enclosure", *entry_image(entry, links)))
    parts += [feedtext.element(ind, "content", links.absolute_html(entry.body_html), (("type", "html"),)),
              "\n  </entry>"]
    return feedtext.xml_bytes(parts)


def _link_text(indent: str, rel: str, kind: str, href: str) -> str:
    return feedtext.element(indent, "link", None, (("rel", rel), ("type", kind), ("href", href)))


def _author_text(indent: str, name: str) -> str:
    return f"\n{indent}<author>{feedtext.element(indent + '  ', 'name', name)}\n{indent}</author>"


def json_feed(feed: Feed, site: Site) -> bytes:
    """The JSON Feed as text, the same bytes as `json_feed_dumps` (tests compare): the
    document without its items through `json.dumps`, each item's text kept as for RSS."""
    links = feed_links(site)
    head = json.dumps(_json_head(feed, site, links), ensure_ascii=False, indent=1)
    items = b",".join([_JSON_ITEMS.get(item, site.config.base_url, _json_item_text) for item in feed.items])
    tail = "\n ]" if items else "]"
    if site.config.publisher and site.config.publisher.logo:
        icon = links.absolute_static(site.config.publisher.logo)
        tail += f',\n "icon": {json.dumps(icon, ensure_ascii=False)}'
    # head[:-2]: the head without its closing "\n}", which follows the items instead
    return b"".join([(head[:-2] + ',\n "items": [').encode("utf-8"), items, (tail + "\n}\n").encode("utf-8")])


_JSON_ITEMS = feedtext.item_texts()


def _json_item_text(item: FeedItem, base_url: str) -> bytes:
    """One item as `json.dumps(..., indent=1)` writes it in the `items` array: a line
    break and two spaces before each of its lines (JSON strings hold no raw line break)."""
    text = json.dumps(_json_item(item, Links.from_page(base_url, "")), ensure_ascii=False, indent=1)
    return ("\n  " + text.replace("\n", "\n  ")).encode("utf-8")


def _json_head(feed: Feed, site: Site, links: Links) -> dict[str, Any]:
    """The feed's own fields, in the order they are written, up to (without) `items`."""
    return {
        "version": JSON_FEED_VERSION,
        "title": feed.title,
        "home_page_url": links.absolute(feed.page_route),
        "feed_url": links.absolute(urls.json_feed_beside(feed.route)),
        "description": feed.description,
        "language": feed.language,
        "authors": [{"name": feed_author(site)}],
    }


def json_feed_dumps(feed: Feed, site: Site) -> bytes:
    """`json_feed` as one `json.dumps` of the whole document: the reference the tests hold it to."""
    links = feed_links(site)
    data = _json_head(feed, site, links)
    data["items"] = [_json_item(item, links) for item in feed.items]
    if site.config.publisher and site.config.publisher.logo:
        data["icon"] = links.absolute_static(site.config.publisher.logo)
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _json_item(item: FeedItem, links: Links) -> dict[str, Any]:
    entry = item.entry
    data: dict[str, Any] = {
        "id": permalink(entry, item.liveblog, links),
        "url": entry_page_url(item, links),
        "title": headline(entry),
        "content_html": links.absolute_html(entry.body_html),
        "date_published": rfc3339(entry.time),
        "date_modified": rfc3339(entry.last_modified),
    }
    if entry.author:
        data["authors"] = [{"name": entry.author}]
    if entry.topics:
        data["tags"] = [item.liveblog.topic(slug).title for slug in entry.topics]
    if entry.image:
        data["image"] = entry_image(entry, links)[1]
    return data
