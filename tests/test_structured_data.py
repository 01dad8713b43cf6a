"""schema.org JSON-LD (LiveBlogPosting, BlogPosting), config warnings, social metadata (issue 4)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import html5lib
import pytest

from sitegen.build.pipeline import build, default_options
from sitekit import build_ok, entry_md, html_page, make_site

NS = {"h": "http://www.w3.org/1999/xhtml"}
BASE = "https://example.org/news/"

CONFIG = f"""\
title: Test Site
base_url: {BASE}
timezone: UTC
per_page: 2
publisher:
  name: The Courier
  logo: images/logo.png
  url: https://example.org/
"""

LIVEBLOG = """\
title: Test liveblog
description: A liveblog for tests.
"""

HOSTILE = "</script><script>alert(1)</script><!-- \u2028 & ]]> \"q\""


def _site(tmp_path: Path, config: str = CONFIG, liveblog: str = LIVEBLOG, **entries: str) -> Path:
    files = {"liveblog.yaml": liveblog, **entries}
    if not entries:
        files.update({
            "a.md": entry_md("2025-03-01T08:00", "First body.", title="First", author="Ann"),
            "b.md": entry_md("2025-03-01T09:00", "Second body.", title="Second",
                             updated="2025-03-01T11:15"),
            "c.md": entry_md("2025-03-01T10:00", "Third body, no title."),
        })
    return make_site(tmp_path, config, {"l": files}, files={"static/images/logo.png": b"\x89PNG\r\n\x1a\n"})


def _browser_dom(path: Path):
    """The page as a browser's HTML parser sees it (html5lib follows the HTML spec)."""
    return html5lib.parse(path.read_bytes(), namespaceHTMLElements=True)


def _json_ld(path: Path) -> list[dict]:
    dom = _browser_dom(path)
    return [json.loads(s.text) for s in dom.iterfind(".//h:script[@type='application/ld+json']", NS)]


def test_liveblog_front_page_describes_live_coverage(tmp_path):
    out = build_ok(_site(tmp_path))
    [data] = _json_ld(out / "l/index.html")
    assert data["@context"] == "https://schema.org" and data["@type"] == "LiveBlogPosting"
    assert data["headline"] == "Test liveblog"
    assert data["description"] == "A liveblog for tests."
    assert data["url"] == BASE + "l/"
    assert data["coverageStartTime"] == "2025-03-01T08:00:00+00:00"
    assert data["dateModified"] == "2025-03-01T11:15:00+00:00"
    assert "coverageEndTime" not in data  # still live
    assert data["publisher"] == {"@type": "Organization", "name": "The Courier", "url": "https://example.org/",
                                 "logo": {"@type": "ImageObject", "url": BASE + "images/logo.png"}}
    updates = data["liveBlogUpdate"]
    assert [u["@type"] for u in updates] == ["BlogPosting", "BlogPosting"]  # the front page: 2 per page
    third, second = updates
    assert third["headline"] == "Third body, no title."
    assert third["url"] == BASE + "l/#entry-c"
    assert third["author"]["name"] == "The Courier"  # unsigned: the publisher
    assert second["headline"] == "Second"
    assert second["datePublished"] == "2025-03-01T09:00:00+00:00"
    assert second["dateModified"] == "2025-03-01T11:15:00+00:00"
    assert second["articleBody"] == "Second body."  # (Google's live blog guidance: each update's text)


def test_archive_pages_which_search_engines_do_not_index_carry_no_structured_data(tmp_path):
    out = build_ok(_site(tmp_path))
    archive = html_page(out / "l/page/1/index.html")
    assert archive.xpath("//meta[@name='robots']/@content") == ["noindex, follow"]
    assert _json_ld(out / "l/page/1/index.html") == []
    assert [d["@type"] for d in _json_ld(out / "l/index.html")] == ["LiveBlogPosting"]


def test_an_ended_liveblog_has_a_coverage_end(tmp_path):
    out = build_ok(_site(tmp_path, liveblog=LIVEBLOG + "status: ended\n"))
    [data] = _json_ld(out / "l/index.html")
    assert data["coverageEndTime"] == "2025-03-01T10:00:00+00:00"


def test_hostile_titles_cannot_leave_the_script_element(tmp_path):
    title = json.dumps(HOSTILE)  # a YAML double-quoted string
    out = build_ok(_site(tmp_path, liveblog=f"title: {title}\ndescription: {title}\n",
                         **{"x.md": entry_md("2025-03-01T08:00", HOSTILE, title=title, author=title)}))
    for page in ("l/index.html", "l/entries/x/index.html"):
        dom = _browser_dom(out / page)
        scripts = list(dom.iterfind(".//h:script", NS))
        # Only our scripts: the JSON-LD, the interface texts' script and sitegen.js; nothing from the content.
        assert [(s.get("type"), s.get("src") is not None) for s in scripts] == [
            ("application/ld+json", False), (None, True), (None, True)]
        data = json.loads(scripts[0].text)
        posting = data["liveBlogUpdate"][0] if data["@type"] == "LiveBlogPosting" else data
        assert posting["headline"].startswith("</script><script>")
        assert posting["author"]["name"] == HOSTILE
        assert "\u2028" not in scripts[0].text  # escaped, so old JavaScript parsers cope too


def test_entry_pages_carry_a_blog_posting(tmp_path):
    out = build_ok(_site(tmp_path))
    [data] = _json_ld(out / "l/entries/b/index.html")
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == "Second"
    assert data["url"] == BASE + "l/entries/b/"
    assert data["dateModified"] == "2025-03-01T11:15:00+00:00"
    assert data["isPartOf"]["url"] == BASE + "l/"
    assert "articleBody" not in data  # the page itself is the text (not in Google's Article properties)
    # Not Google's Article properties, and said by the page already: the canonical link,
    # <html lang>, the footer's publisher.
    assert not {"mainEntityOfPage", "inLanguage", "publisher"} & set(data)
    page = html_page(out / "l/entries/b/index.html")
    assert page.xpath("//link[@rel='canonical']/@href") == [data["url"]]
    assert page.get("lang") == "en"
    assert page.xpath("//footer[@class='site-footer']//bdi/text()")[0] == "The Courier"


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def warnings_of_sitegen():
    handler = _Records()
    logger = logging.getLogger("sitegen")
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


@pytest.mark.parametrize("publisher, missing", [
    ("", ["publisher", "publisher.logo"]),
    ("publisher:\n  name: The Courier\n", ["publisher.logo"]),
    ("publisher:\n  name: The Courier\n  logo: https://cdn.example.org/logo.png\n", []),
])
def test_a_config_lacking_what_search_engines_need_is_warned_about(tmp_path, warnings_of_sitegen,
                                                                   publisher, missing):
    config = f"title: T\nbase_url: {BASE}\n{publisher}"
    site = _site(tmp_path, config=config)
    build(default_options(site))
    keys = [r.args[0] for r in warnings_of_sitegen if r.levelno == logging.WARNING and r.args]
    assert keys == missing


def test_every_page_has_canonical_open_graph_and_twitter_metadata(tmp_path):
    out = build_ok(_site(tmp_path))
    for path in sorted(out.rglob("*.html")):
        dom = _browser_dom(path)
        head = dom.find("h:head", NS)
        meta = {(m.get("property") or m.get("name")): m.get("content") for m in head.iterfind("h:meta", NS)}
        canonical = [l.get("href") for l in head.iterfind("h:link[@rel='canonical']", NS)]
        assert len(canonical) == 1 and canonical[0].startswith(BASE), path
        for key in ("og:title", "og:description", "og:url", "og:type", "twitter:card"):
            assert meta.get(key), (path, key)
        assert meta["og:url"] == canonical[0]
