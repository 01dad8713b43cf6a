"""Atom and JSON Feed beside every RSS feed, the key-events feed, and how pages announce them."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin

import lxml.etree

from sitekit import tiny_png, build_ok, entry_md, feed, html_page, make_site, xml_tree

BASE = "https://example.org/news/"
ATOM = "{http://www.w3.org/2005/Atom}"
CONFIG = f"title: Test Site\nbase_url: {BASE}\ntimezone: UTC\npublisher:\n  name: The Courier\n"
LIVEBLOG = """\
title: Test liveblog
description: A liveblog for tests.
topics:
  energy: Energy talks
"""
NASTY = "Ampersand & <b>tag</b> ]]> \"quotes\" emoji 🚀 bidi \u202e text"


def _site(tmp_path: Path) -> Path:
    return make_site(tmp_path, CONFIG, {"l": {
        "liveblog.yaml": LIVEBLOG,
        "a.md": entry_md("2025-03-01T08:00", "Plain first.", title="First", topics="[energy]", author="Ann"),
        "b.md": entry_md("2025-03-01T09:00", NASTY, title=json.dumps(NASTY, ensure_ascii=False), key_event="true"),
        "c.md": entry_md("2025-03-01T10:00", "Corrected text.", title="Corrected", key_event="true",
                         updated="2025-03-01T12:30", image="pic.png"),
        "d.md": entry_md("2025-03-01T11:00", "No title here."),
    }}, files={"static/pic.png": tiny_png()})


def _rss_routes(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("feed.xml"))


def test_every_rss_feed_has_atom_and_json_beside_it(tmp_path):
    out = build_ok(_site(tmp_path))
    routes = _rss_routes(out)
    assert routes == ["feed.xml", "l/feed.xml", "l/key-events/feed.xml", "l/topics/energy/feed.xml"]
    for rss_route in routes:
        folder = out / rss_route.rpartition("/")[0] if "/" in rss_route else out
        rss = feed(out / rss_route)
        atom = feed(folder / "atom.xml")
        assert atom.version == "atom10"
        data = json.loads((folder / "feed.json").read_bytes())
        assert data["version"] == "https://jsonfeed.org/version/1.1"
        # The same items in the same order, identified by the RSS guid.
        guids = [e.id for e in rss.entries]
        assert [e.id for e in atom.entries] == guids
        assert [i["id"] for i in data["items"]] == guids
        assert atom.feed.title == rss.feed.title == data["title"]


def test_atom_entries_are_complete_and_corrections_carry_their_updated_time(tmp_path):
    out = build_ok(_site(tmp_path))
    atom = feed(out / "l/atom.xml")
    by_title = {e.title: e for e in atom.entries}
    corrected = by_title["Corrected"]
    assert corrected.published == "2025-03-01T10:00:00Z"
    assert corrected.updated == "2025-03-01T12:30:00Z"
    assert corrected.link == BASE + "l/entries/c/"
    assert corrected.id == BASE + "l/#entry-c"
    (enclosure,) = [l.href for l in corrected.links if l.rel == "enclosure"]
    assert re.fullmatch(re.escape(BASE) + r"media/pic-[0-9a-f]{12}-4\.png", enclosure)  # processed
    assert by_title["First"].author == "Ann"
    assert [t.label for t in by_title["First"].tags] == ["Energy talks"]
    assert by_title[NASTY].title == NASTY  # exactly, whatever it contains
    assert "No title here." in by_title  # title-less entries get a headline
    # Feed-level requirements of RFC 4287, checked on the tree itself.
    root = xml_tree(out / "l/atom.xml").getroot()
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{tag}") is not None, tag
    assert root.find(f"{ATOM}updated").text == "2025-03-01T12:30:00Z"
    for entry in root.iterfind(f"{ATOM}entry"):
        for tag in ("id", "title", "updated", "published", "content"):
            assert entry.find(f"{ATOM}{tag}") is not None, tag
    self_link = root.find(f"{ATOM}link[@rel='self']")
    assert self_link.get("href") == BASE + "l/atom.xml"


def test_json_feed_items_are_complete(tmp_path):
    out = build_ok(_site(tmp_path))
    data = json.loads((out / "l/feed.json").read_bytes())
    assert data["feed_url"] == BASE + "l/feed.json"
    assert data["home_page_url"] == BASE + "l/"
    assert data["authors"] == [{"name": "The Courier"}]
    items = {i["id"]: i for i in data["items"]}
    corrected = items[BASE + "l/#entry-c"]
    assert corrected["url"] == BASE + "l/entries/c/"
    assert datetime.fromisoformat(corrected["date_modified"]) > datetime.fromisoformat(corrected["date_published"])
    assert re.fullmatch(re.escape(BASE) + r"media/pic-[0-9a-f]{12}-4\.png", corrected["image"])
    nasty = items[BASE + "l/#entry-b"]
    assert nasty["title"] == NASTY
    # The body is HTML with the content escaped as text, never raw markup.
    body = lxml.etree.fromstring(f"<div>{nasty['content_html']}</div>", lxml.etree.HTMLParser())
    assert NASTY in "".join(body.itertext())
    assert items[BASE + "l/#entry-a"]["tags"] == ["Energy talks"]
    for item in data["items"]:
        assert isinstance(item["id"], str) and isinstance(item["content_html"], str)


def test_the_key_events_feed_has_only_key_events(tmp_path):
    out = build_ok(_site(tmp_path))
    expected = [BASE + "l/#entry-c", BASE + "l/#entry-b"]
    assert [e.id for e in feed(out / "l/key-events/feed.xml").entries] == expected
    assert [e.id for e in feed(out / "l/key-events/atom.xml").entries] == expected
    assert [i["id"] for i in json.loads((out / "l/key-events/feed.json").read_bytes())["items"]] == expected


def test_an_empty_liveblog_still_has_valid_feeds(tmp_path):
    site = make_site(tmp_path, CONFIG, {"l": {"liveblog.yaml": LIVEBLOG}})
    out = build_ok(site)
    assert feed(out / "l/atom.xml").entries == []
    assert json.loads((out / "l/key-events/feed.json").read_bytes())["items"] == []


def _alternates(page) -> list[tuple[str, str]]:
    return [(l.get("type"), l.get("href")) for l in page.xpath("//head/link[@rel='alternate']")]


def test_pages_announce_their_feeds_in_every_format(tmp_path):
    out = build_ok(_site(tmp_path))
    kinds = ["application/rss+xml", "application/atom+xml", "application/feed+json"]
    # The site's pages announce the site's feeds; a liveblog's pages only the liveblog's own.
    for route, feeds in (("", ["feed.xml", "atom.xml", "feed.json"]),
                         ("l/", ["l/feed.xml", "l/atom.xml", "l/feed.json",
                                 "l/key-events/feed.xml", "l/key-events/atom.xml", "l/key-events/feed.json"]),
                         ("l/topics/energy/", ["l/topics/energy/feed.xml",
                                               "l/topics/energy/atom.xml", "l/topics/energy/feed.json"]),
                         ("l/key-events/", ["l/key-events/feed.xml", "l/key-events/atom.xml",
                                            "l/key-events/feed.json"]),
                         ("l/entries/a/", ["l/feed.xml", "l/atom.xml", "l/feed.json"]),
                         ("l/embed/", [])):
        found = _alternates(html_page(out / route / "index.html"))
        assert [urljoin(BASE + route, href) for _, href in found] == [BASE + f for f in feeds], route
        assert [kind for kind, _ in found] == (kinds * 3)[:len(feeds)]
        for _, href in found:
            assert (out / urljoin("/" + route, href).lstrip("/")).is_file()
