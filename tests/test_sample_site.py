"""The sample site (the repo root) built end to end with `python -m sitegen build`.

Expected facts are read from the sources themselves (front matter), so the test
follows the sample content as it is edited, while still checking the output."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin

import pytest
import yaml

from sitekit import (REPO_ROOT, article, check_links, feed, html_page, run_module, stream_ids)

LIVEBLOG = "ukraine-war"
BASE_URL = yaml.safe_load((REPO_ROOT / "sitegen.yaml").read_text("utf-8"))["base_url"]


def _sources() -> dict[str, dict]:
    """Every entry of the sample liveblog: id -> its fields, read straight from the files."""
    folder = REPO_ROOT / "content" / LIVEBLOG
    entries = {}
    for path in sorted(folder.glob("*.md")):
        _, front, _body = path.read_text("utf-8").split("---\n", 2)
        fields = yaml.safe_load(front)
        entries[fields.get("id", path.stem)] = fields
    for path in sorted(folder.glob("*.yaml")):
        if path.name != "liveblog.yaml":
            entries.update({item["id"]: item for item in yaml.safe_load(path.read_text("utf-8"))})
    return entries


SOURCES = _sources()
PUBLISHED = {i: f for i, f in SOURCES.items() if not f.get("draft")}
META = yaml.safe_load((REPO_ROOT / "content" / LIVEBLOG / "liveblog.yaml").read_text("utf-8"))


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("sample") / "output"
    result = run_module("build", "--source", str(REPO_ROOT), "--output", str(output), "--no-cache")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return output


@pytest.fixture(scope="module")
def page(out):
    return html_page(out / LIVEBLOG / "index.html")


def test_the_sample_is_a_real_liveblog():
    assert len(PUBLISHED) >= 12 and len(META["topics"]) >= 4
    assert any(f.get("pinned") for f in PUBLISHED.values())
    assert any(f.get("key_event") for f in PUBLISHED.values())
    assert any(f.get("image") for f in PUBLISHED.values())
    assert any(not f.get("title") for f in PUBLISHED.values())
    assert list((REPO_ROOT / "content" / LIVEBLOG).glob("*.yaml")) != []


def test_every_published_entry_once_pinned_first(page):
    ids = stream_ids(page)
    assert sorted(ids) == sorted(PUBLISHED)
    pinned = [i for i, f in PUBLISHED.items() if f.get("pinned")]
    assert set(ids[:len(pinned)]) == set(pinned)
    rest = ids[len(pinned):]
    assert rest == sorted(rest, key=lambda i: _instant(page, i), reverse=True)


def _instant(page, entry_id: str) -> datetime:
    """The entry's time: the first <time datetime> in its article."""
    return datetime.fromisoformat(article(page, entry_id).xpath(".//time/@datetime")[0])


def test_drafts_are_not_published(out):
    drafts = [i for i, f in SOURCES.items() if f.get("draft")]
    assert drafts
    for path in out.rglob("*.html"):
        assert not {f"entry-{d}" for d in drafts} & set(html_page(path).xpath("//@id")), path


def test_key_events_box(page):
    key = {i for i, f in PUBLISHED.items() if f.get("key_event")}
    (box,) = page.xpath("//nav[@aria-labelledby='key-events-heading']")
    linked = {href.rpartition("#entry-")[2] for href in box.xpath(".//a/@href")}
    assert linked == key


def test_topics_have_anchors_and_pages(out, page):
    for slug in META["topics"]:
        assert len(page.xpath("//*[@id=$i]", i=f"topic-{slug}")) == 1
        expected = {i for i, f in PUBLISHED.items() if slug in (f.get("topics") or [])}
        assert set(stream_ids(html_page(out / LIVEBLOG / "topics" / slug / "index.html"))) == expected, slug


def test_image_with_caption_and_credit(out, page):
    entry_id, fields = next((i, f) for i, f in PUBLISHED.items() if f.get("image"))
    node = article(page, entry_id)
    (img,) = node.xpath(".//figure[@class='entry__figure']//img")
    page_url = f"file://{out / LIVEBLOG}/index.html"
    assert Path(urljoin(page_url, img.get("src"))[len("file://"):]).is_file()  # published processed
    assert img.get("src").rsplit("/", 2)[-2] == "media" and img.get("width") and img.get("height")
    assert img.get("alt") == fields["alt"] != fields["caption"]  # its own alt text, not the caption
    caption = " ".join(" ".join(node.xpath(".//figcaption//text()")).split())
    assert fields["caption"] in caption and fields["credit"] in caption


def test_comments_placeholder_after_the_entries(page):
    (comments,) = page.xpath("//*[@id='comments']")
    assert re.fullmatch(r"[A-Za-z0-9_-]+", comments.get("data-thread-id"))
    assert comments.get("data-url") == BASE_URL + LIVEBLOG + "/"
    assert comments.get("data-title") == META["title"]
    assert comments.get("data-provider") == "none"
    order = [el for el in page.iter() if el is comments or el.tag == "article"]
    assert order[-1] is comments and len(order) > 1
    scripts = [s.get("src") for s in page.iter("script") if s.get("src")]
    assert all(not re.match(r"(https?:)?//", src) for src in scripts), "no third-party script"


def test_feeds(out):
    items = feed(out / LIVEBLOG / "feed.xml").entries
    assert {e.id for e in items} == {f"{BASE_URL}{LIVEBLOG}/#entry-{i}" for i in PUBLISHED}
    assert len(feed(out / "feed.xml").entries) == len(PUBLISHED)
    for slug in META["topics"]:
        feed(out / LIVEBLOG / "topics" / slug / "feed.xml")


def test_every_internal_link_resolves(out):
    checked, problems = check_links(out, BASE_URL)
    assert checked > 100
    assert problems == []


def test_home_lists_the_liveblog(out):
    home = html_page(out / "index.html")
    assert any(href.rstrip("/").endswith(LIVEBLOG) for href in home.xpath("//main//a/@href"))
    assert (out / "404.html").is_file() and (out / "sitemap.xml").is_file()
