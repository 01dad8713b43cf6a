"""The feeds and the sitemap written with ElementTree: the references the tests hold
the text writers (rss.py, formats.py) to, byte for byte. A build never imports this
module (nor ElementTree): joining kept strings is what makes rewriting a sitemap of
every entry page cheap.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Iterable

from sitegen.core import urls
from sitegen.core.urls import Links
from sitegen.feeds.formats import EPOCH, XML_NS, entry_page_url, feed_author, feed_links, rfc3339
from sitegen.feeds.items import Feed, FeedItem, entry_image
from sitegen.feeds.rss import ATOM_NS, CONTENT_NS, DC_NS, MEDIA_NS, SITEMAP_NS, media_of
from sitegen.model.site import Site
from sitegen.site.views import headline, permalink

ET.register_namespace("content", CONTENT_NS)
ET.register_namespace("media", MEDIA_NS)
ET.register_namespace("dc", DC_NS)
ET.register_namespace("atom", ATOM_NS)


def rss_tree(feed: Feed, site: Site) -> bytes:
    """`rss` written with ElementTree: the reference the tests hold it to."""
    links = feed_links(site)
    root = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(root, "channel")
    _text(channel, "title", feed.title)
    _text(channel, "link", links.absolute(feed.page_route))
    _text(channel, "description", feed.description)
    _text(channel, "language", feed.language)
    ET.SubElement(channel, f"{{{ATOM_NS}}}link",
                  {"href": links.absolute(feed.route), "rel": "self", "type": "application/rss+xml"})
    newest = max((i.entry.last_modified for i in feed.items), default=None)
    if newest:
        _text(channel, "lastBuildDate", format_datetime(newest.astimezone(timezone.utc)))
    _text(channel, "generator", "sitegen")
    for item in feed.items:
        _rss_item(channel, item, links)
    return _written(root)


def _rss_item(channel: ET.Element, item: FeedItem, links: Links) -> None:
    entry = item.entry
    node = ET.SubElement(channel, "item")
    _text(node, "title", headline(entry))
    anchor = permalink(entry, item.liveblog, links)
    _text(node, "link", links.absolute(urls.entry_page(item.liveblog.slug, entry.id)))  # its own page
    ET.SubElement(node, "guid", {"isPermaLink": "true"}).text = anchor  # (never changes: the contract)
    _text(node, "pubDate", format_datetime(entry.time.astimezone(timezone.utc)))
    _text(node, "description", links.absolute_html(entry.body_html))
    if entry.author:
        _text(node, f"{{{DC_NS}}}creator", entry.author)
    for slug in entry.topics:
        _text(node, "category", item.liveblog.topic(slug).title)
    if entry.image:
        ET.SubElement(node, f"{{{MEDIA_NS}}}content", dict(media_of(entry, links)))


def _text(parent: ET.Element, tag: str, value: str) -> ET.Element:
    node = ET.SubElement(parent, tag)
    node.text = value
    return node


def sitemap_tree(routes: Iterable[tuple[str, datetime | None]], base_url: str) -> bytes:
    """`sitemap` written with ElementTree: the reference the tests hold it to."""
    links = Links.from_page(base_url, "")
    root = ET.Element("urlset", {"xmlns": SITEMAP_NS})
    for route, modified in routes:
        node = ET.SubElement(root, "url")
        _text(node, "loc", links.absolute(route))
        if modified:
            _text(node, "lastmod", modified.astimezone(timezone.utc).isoformat(timespec="seconds"))
    return _written(root)


def atom_tree(feed: Feed, site: Site) -> bytes:
    """`atom` written with ElementTree: the reference the tests hold it to."""
    links = feed_links(site)
    root = ET.Element("feed", {"xmlns": ATOM_NS, f"{{{XML_NS}}}lang": feed.language,
                                           f"{{{XML_NS}}}base": site.config.base_url})
    _sub(root, "id", links.absolute(urls.atom_beside(feed.route)))
    _sub(root, "title", feed.title)
    _sub(root, "subtitle", feed.description)
    newest = max((i.entry.last_modified for i in feed.items), default=EPOCH)
    _sub(root, "updated", rfc3339(newest))
    _link(root, "self", "application/atom+xml", links.absolute(urls.atom_beside(feed.route)))
    _link(root, "alternate", "text/html", links.absolute(feed.page_route))
    ET.SubElement(_sub(root, "author"), "name").text = feed_author(site)
    _sub(root, "generator", "sitegen")
    for item in feed.items:
        _atom_entry(root, item, links)
    return _written(root)


def _atom_entry(root: ET.Element, item: FeedItem, links: Links) -> None:
    entry = item.entry
    node = _sub(root, "entry")
    _sub(node, "id", permalink(entry, item.liveblog, links))
    _sub(node, "title", headline(entry))
    _link(node, "alternate", "text/html", entry_page_url(item, links))
    _sub(node, "published", rfc3339(entry.time))
    _sub(node, "updated", rfc3339(entry.last_modified))
    if entry.author:
        ET.SubElement(_sub(node, "author"), "name").text = entry.author
    for slug in entry.topics:
        ET.SubElement(node, "category", {"term": slug, "label": item.liveblog.topic(slug).title})
    if entry.image:
        _link(node, "enclosure", *entry_image(entry, links))
    content = _sub(node, "content", links.absolute_html(entry.body_html))
    content.set("type", "html")


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    node = ET.SubElement(parent, tag)  # in the default (Atom) namespace the root declares
    if text is not None:
        node.text = text
    return node


def _link(parent: ET.Element, rel: str, kind: str, href: str) -> None:
    ET.SubElement(parent, "link", {"rel": rel, "type": kind, "href": href})


def _written(root: ET.Element) -> bytes:
    """The document as the text writers write it: indented, declared UTF-8, a final newline."""
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
