"""Entry pages `L/entries/E/`: own metadata, a link to the entry's place, share links (issue 4)."""

from __future__ import annotations

import re

from pathlib import Path
from urllib.parse import urljoin, urlsplit

from helpers import format_vnu_messages
from sitekit import tiny_png, article, build_ok, check_links, entry_md, html_page, make_site, snapshot, write, xml_tree

BASE = "https://example.org/news/"
CONFIG = f"""\
title: Test Site
base_url: {BASE}
timezone: UTC
per_page: 2
publisher:
  name: The Courier
  logo: logo.png
"""
LIVEBLOG = "title: Test liveblog\ndescription: A liveblog for tests.\ntopics:\n  energy: Energy talks\n"


def _site(tmp_path: Path, count: int = 7) -> Path:
    entries = {"liveblog.yaml": LIVEBLOG}
    for n in range(1, count + 1):
        entries[f"e{n}.md"] = entry_md(f"2025-03-01T{n:02d}:00", f"Body of entry {n}, with *emphasis*.",
                                       title=f"Entry {n}", topics="[energy]")
    entries["pic.md"] = entry_md("2025-02-01T00:00", "A picture.", image="photo.png", caption="A caption")
    return make_site(tmp_path, CONFIG, {"l": entries},
                     files={"static/logo.png": b"\x89PNG\r\n\x1a\n", "static/photo.png": tiny_png(1600, 900)})


def _meta(page, key: str) -> str | None:
    found = page.xpath("//head/meta[@property=$k or @name=$k]/@content", k=key)
    return found[0] if found else None


def test_every_entry_has_its_own_page_with_its_own_metadata(tmp_path):
    out = build_ok(_site(tmp_path))
    assert sorted(p.name for p in (out / "l/entries").iterdir()) == [f"e{n}" for n in range(1, 8)] + ["pic"]
    page = html_page(out / "l/entries/e3/index.html")
    assert page.findtext(".//title") == "Entry 3 — Test liveblog"
    assert _meta(page, "description") == "Body of entry 3, with emphasis."
    assert page.xpath("//head/link[@rel='canonical']/@href") == [BASE + "l/entries/e3/"]
    assert _meta(page, "og:url") == BASE + "l/entries/e3/"
    assert _meta(page, "og:title") == "Entry 3 — Test liveblog"
    assert _meta(page, "twitter:title") is None  # X reads og:title (its documented fallback)
    assert _meta(page, "og:type") == "article"
    assert _meta(page, "og:image") == BASE + "logo.png"  # no image of its own: the publisher's logo
    assert article(page, "e3").xpath(".//h3")[0].text_content() == "Entry 3"

    with_image = html_page(out / "l/entries/pic/index.html")
    assert re.fullmatch(re.escape(BASE) + r"media/photo-[0-9a-f]{12}-1200\.png", _meta(with_image, "og:image"))
    assert (_meta(with_image, "og:image:width"), _meta(with_image, "og:image:height")) == ("1200", "675")
    assert _meta(with_image, "twitter:image") is None  # X reads og:image
    assert _meta(with_image, "twitter:card") == "summary_large_image"


def _stream_link(out: Path, entry_id: str) -> str:
    page = html_page(out / f"l/entries/{entry_id}/index.html")
    [href] = page.xpath("//a[@data-stream-link]/@href")
    return urljoin(BASE + f"l/entries/{entry_id}/", href)


def test_entry_pages_link_to_the_entry_where_it_lives(tmp_path):
    out = build_ok(_site(tmp_path))
    # 8 entries, 2 per page: front = e7, e6; then from the oldest: page 1 = pic, e1; 2 = e2, e3; 3 = e4, e5.
    assert _stream_link(out, "e7") == BASE + "l/#entry-e7"
    assert _stream_link(out, "e4") == BASE + "l/page/3/#entry-e4"
    assert _stream_link(out, "pic") == BASE + "l/page/1/#entry-pic"
    checked, problems = check_links(out, BASE)
    assert problems == [] and checked > 100


def test_share_links_point_at_entry_pages(tmp_path):
    out = build_ok(_site(tmp_path))
    for route in ("l/", "l/page/3/", "l/topics/energy/"):
        page = html_page(out / route / "index.html")
        found = page.xpath("//article[starts-with(@id, 'entry-')]")
        assert found, route
        for art in found:
            [share] = art.xpath(".//a[contains(concat(' ', @class, ' '), ' entry__share ')]/@href")
            assert urljoin(BASE + route, share) == BASE + f"l/entries/{art.get('id')[len('entry-'):]}/"


def test_a_new_entry_rewrites_only_the_entry_page_that_moved(tmp_path):
    site = _site(tmp_path)
    out = build_ok(site)
    before = snapshot(out / "l/entries")
    write(site / "content/l/e8.md", entry_md("2025-03-01T08:00", "Newest.", title="Entry 8"))
    build_ok(site)
    after = snapshot(out / "l/entries")
    changed = sorted(k for k in before if before[k] != after[k])
    assert changed == ["e6/index.html"]  # it moved from the front page to an archive page
    assert sorted(set(after) - set(before)) == ["e8/index.html"]
    assert urlsplit(_stream_link(out, "e6")).path == "/news/l/page/4/"


def test_deleted_entries_lose_their_page(tmp_path):
    site = _site(tmp_path)
    out = build_ok(site)
    (site / "content/l/e2.md").unlink()
    build_ok(site)
    assert not (out / "l/entries/e2").exists()


def test_entry_and_liveblog_pages_are_valid_html(tmp_path, vnu):
    out = build_ok(_site(tmp_path))
    messages = vnu([out / "l/index.html", out / "l/page/1/index.html", out / "l/entries/pic/index.html",
                    out / "l/entries/e1/index.html", out / "l/topics/energy/index.html"])
    assert messages == [], format_vnu_messages(messages)


def test_entry_pages_are_in_the_sitemap_with_their_last_change(tmp_path):
    out = build_ok(_site(tmp_path))
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = {u.findtext("s:loc", namespaces=ns): u.findtext("s:lastmod", namespaces=ns)
            for u in xml_tree(out / "sitemap.xml").getroot().iterfind("s:url", ns)}
    assert urls[BASE + "l/entries/e3/"] == "2025-03-01T03:00:00+00:00"
    assert urls[BASE + "l/entries/pic/"] == "2025-02-01T00:00:00+00:00"
