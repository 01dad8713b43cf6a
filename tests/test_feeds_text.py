"""RSS, Atom and JSON Feed written as text are byte for byte what ElementTree and
`json.dumps` write (`rss_tree`, `atom_tree`, `json_feed_dumps`), cold and warm.

The text versions keep each item's text by (entry digest, liveblog digest, base URL),
so besides hostile text in every field these tests change what an item depends on
(the entry, a topic's title, the base URL) between calls in one process: a kept text
that outlived its inputs shows up as a difference from the reference.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import sys
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

import lxml.etree
import pytest

from sitegen.feeds import text as feedtext
from sitegen.incremental.bodies import CachedBodies
from sitegen.incremental.cache import Cache
from sitegen.config.site_config import load_config
from sitegen.source.loader import load_site
from sitegen.feeds.items import Feed, FeedItem
from sitegen.feeds.rss import clear_feed_caches, rfc822, rss, site_feeds
from sitegen.feeds.formats import atom, json_feed, json_feed_dumps
from sitegen.feeds.trees import atom_tree, rss_tree
from sitegen.markdown.renderer import MarkdownRenderer
from sitegen.model.site import Site
from sitekit import tiny_png, REPO_ROOT, entry_md, make_site, write

Maker = Callable[[Feed, Site], bytes]
FORMATS: list[tuple[str, Maker, Maker]] = [("rss", rss, rss_tree), ("atom", atom, atom_tree),
                                           ("json", json_feed, json_feed_dumps)]
BASES = ["https://example.org/", "https://ex.org/sub dir/a&b'\"<c>/ü/"]

# Every kind of text that survives the content pipeline (and a few that do not: C0/C1
# controls, which it strips): markup, CDATA and comment ends, quotes, white space that
# attributes escape, non-ASCII, line/paragraph separators, astral and format characters.
HOSTILE = ("A & B <b>bold</b> ]]> --> <!-- ?> \"double\" 'single' tab\there line\nbreak cr\rreturn "
           "é ü 中文 🚀 \U0001D11E ls\u2028ps\u2029 bidi\u202e rtl zw\u200b bom\ufeff nbsp\xa0 "
           "ctl\x01\x85 &amp; &#65; end")
# sitegen.yaml's texts lose their control characters as content's do (config.py).
CONFIG_HOSTILE = HOSTILE
BODY = """\
Para & < > ]]> "quotes" 'apos' — é 🚀 \U0001D11E ls\u2028here\tand a tab.

<script>alert("x")</script> <b title="a&b">raw</b> &amp; &#x2028; &nbsp; &lt;

    code\twith\ttabs ]]> <tag> &amp;

* list & <item>
* two

[link "q"](https://example.org/?a=1&b="2") ![img <alt>](https://i.example/a.png "t & <t>")
"""


def yq(value: str) -> str:
    """A YAML double-quoted scalar for any text (YAML would fold U+2028 and reject raw controls)."""
    out = []
    for ch in value:
        code = ord(ch)
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch in "\n\r\t":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch])
        elif code > 0xFFFF:
            out.append(f"\\U{code:08X}")
        elif code < 0x20 or 0x7F <= code <= 0x9F or ch in "\u2028\u2029\ufeff":
            out.append(f"\\u{code:04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def load(source: Path, base_url: str | None = None) -> Site:
    """The site model as `build` loads it, with markdown-it-py rendering the bodies."""
    config = load_config(source, base_url)
    bodies = CachedBodies(MarkdownRenderer(config.markdown.allow_html), Cache(None))
    return load_site(source, config, False, bodies.render_many)


def assert_bytes(got: bytes, want: bytes, what: str) -> None:
    """Equal bytes, or a failure that shows the first differing lines."""
    if got != want:
        diff = difflib.unified_diff(want.decode("utf-8", "replace").splitlines(),
                                    got.decode("utf-8", "replace").splitlines(), "reference", "text", lineterm="", n=1)
        pytest.fail(f"{what} differs from the reference:\n" + "\n".join(list(diff)[:40]))


def assert_feeds_match(site: Site) -> list[tuple[Feed, dict[str, bytes]]]:
    """Every feed of `site` in every format, made twice (items made, then kept), is the
    reference's bytes and parses (strict XML / JSON). Returns the feeds and their bytes."""
    made = []
    for feed in site_feeds(site):
        outputs = {}
        for name, fast, reference in FORMATS:
            want = reference(feed, site)
            for attempt in ("first", "second"):
                assert_bytes(fast(feed, site), want, f"{name} of {feed.route} ({attempt} time)")
            if name == "json":
                assert len(json.loads(want)["items"]) == len(feed.items)
            else:
                lxml.etree.fromstring(want, lxml.etree.XMLParser(resolve_entities=False))
            outputs[name] = want
        made.append((feed, outputs))
    return made


@pytest.fixture(autouse=True)
def cold() -> None:
    """Each test starts with no kept item texts."""
    clear_feed_caches()


# -- escaping, against ElementTree itself -------------------------------------------

def _every_character() -> str:
    return "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)


def test_text_and_attribute_escaping_is_elementtrees_for_every_character() -> None:
    chars = _every_character() + "&amp;&&<<>>\"'\r\n\t]]>"
    node = ET.Element("x", {"a": chars})
    node.text = chars
    want = ET.tostring(node, encoding="utf-8")
    got = f'<x a="{feedtext.attribute(chars)}">{feedtext.text(chars)}</x>'.encode("utf-8")
    assert got == want


def test_rss_dates_are_what_email_utils_writes() -> None:
    """`rfc822` writes RSS's dates itself (importing email.utils cost more than the dates):
    every weekday and month, both sides of a daylight-saving change, a fold, a leap day,
    a fixed offset that moves the date, years with fewer digits."""
    paris, auckland = ZoneInfo("Europe/Paris"), ZoneInfo("Pacific/Auckland")
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    moments = [start + timedelta(days=d, hours=d % 24, minutes=d % 60, seconds=d % 7) for d in range(0, 800, 3)]
    moments += [datetime(2026, 10, 25, 2, 30, fold=fold, tzinfo=paris) for fold in (0, 1)]
    moments += [datetime(2028, 2, 29, 23, 59, 59, tzinfo=auckland), datetime(99, 12, 31, 23, 0, tzinfo=timezone.utc),
                datetime(2026, 12, 31, 22, 0, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
                datetime(2026, 3, 29, 1, 59, 59, 999999, tzinfo=paris)]
    for moment in moments:
        assert rfc822(moment) == format_datetime(moment.astimezone(timezone.utc)), moment


@pytest.mark.parametrize("value", [None, "", " ", "x", HOSTILE, "\ud800 lone surrogate"])
def test_an_element_is_written_as_elementtree_writes_it(value: str | None) -> None:
    root = ET.Element("r")
    ET.SubElement(root, "leaf", {"k": HOSTILE, "z": ""}).text = value
    ET.SubElement(root, "bare").text = value
    ET.indent(root)
    want = ET.tostring(root, encoding="utf-8")
    got = feedtext.xml_bytes(["<r>", feedtext.element("  ", "leaf", value, (("k", HOSTILE), ("z", ""))),
                              feedtext.element("  ", "bare", value), "\n</r>"])
    assert got == want


# -- hostile sites --------------------------------------------------------------------

LIVEBLOG = f"""\
title: {yq("Live " + HOSTILE)}
description: {yq("About " + HOSTILE)}
timezone: Europe/Kyiv
topics:
  a: {yq("Topic " + HOSTILE)}
  b: Plain topic
  unused: Never used
"""
QUIET = "title: Quiet\ntopics:\n  a: Alpha\n"


def _entries() -> dict[str, str | bytes]:
    """Entries with and without title, author, topics, image and correction, at awkward times."""
    return {
        "liveblog.yaml": LIVEBLOG,
        "full.md": entry_md("2024-10-27T03:30", BODY, title=yq(HOSTILE), author=yq("By " + HOSTILE),
                            topics="[a, b]", image=yq("img/a&b é'q\".png"), key_event="true",
                            updated="2024-10-27T09:00:00.250000Z"),
        "bare.md": entry_md("2024-10-27T01:00:00-05:00", BODY),
        "titled.md": entry_md("2024-10-26T08:00:00.123456", "Short.", title=yq("Only a title"), topics="[b]",
                              image=yq('https://i.example/p.png?a=1&b="2"<x>')),
        "empty.md": entry_md("2024-10-26T09:00", "", title="Nothing to say", author="Ann"),
        "crlf.md": entry_md("2024-10-24T10:00", "Line one\r\ntwo & <three>\r\n", title="CRLF").encode(),
        "untitled-html.md": entry_md("2024-10-23T10:00", "<p>& ]]></p>\n\n" + HOSTILE.replace("\r", "")),
        "list.yaml": "".join(f"- id: l{n}\n  time: 2024-10-1{n}T1{n}:00\n  title: {yq(f'Listed {n} {HOSTILE}')}\n"
                             f"  topics: [a]\n  body: {yq(f'Body {n} <b>&</b> {HOSTILE}')}\n" for n in range(1, 6)),
    }


def _config(variant: int) -> str:
    if variant == 0:  # a publisher with a logo (JSON icon), raw HTML allowed, short feeds
        return (f"title: {yq('Site ' + CONFIG_HOSTILE)}\ndescription: {yq('Desc ' + CONFIG_HOSTILE)}\n"
                f"base_url: {BASES[0]}\n"
                f"timezone: Europe/Kyiv\nlanguage: de-CH\nfeed_items: 3\n"
                f"publisher:\n  name: {yq('Pub ' + CONFIG_HOSTILE)}\n  logo: {yq('img/a&b é.png')}\n"
                "markdown:\n  allow_html: true\n")
    return (f"title: {yq('Site ' + CONFIG_HOSTILE)}\nbase_url: {BASES[0]}\ntimezone: UTC\n"
            f"author: {yq('Me ' + CONFIG_HOSTILE)}\n")


def _hostile_site(root: Path, variant: int) -> Path:
    quiet = {"liveblog.yaml": QUIET, "q1.md": entry_md("2024-09-01T10:00", "Quiet one."),
             "q2.md": entry_md("2024-09-02T10:00", "Quiet two.", title="Q2")}
    return make_site(root, _config(variant), {"war": _entries(), "quiet": quiet, "other": _entries()},
                     files={"static/img/a&b é'q\".png": tiny_png(), "static/img/a&b é.png": tiny_png()})


@pytest.mark.parametrize("variant", [0, 1])
def test_hostile_feeds_are_the_references_bytes(tmp_path: Path, variant: int) -> None:
    source = _hostile_site(tmp_path, variant)
    seen = []
    for base in BASES:  # one process, both base URLs: kept items must not cross them
        seen += assert_feeds_match(load(source, base))
    # The cases the reference treats specially all occurred.
    feeds = [feed for feed, _ in seen]
    assert any(not feed.items for feed in feeds), "an empty feed"
    authored = {any(i.entry.author for i in feed.items) for feed in feeds if feed.items}
    assert authored == {True, False}, "RSS with and without the dc namespace"
    items = [i for feed in feeds for i in feed.items]
    assert any(not i.entry.body_html for i in items), "an empty element"
    assert {bool(i.entry.title) for i in items} == {True, False}
    assert {bool(i.entry.image) for i in items} == {True, False}
    assert {bool(i.entry.updated) for i in items} == {True, False}
    assert {len(i.entry.topics) for i in items} >= {0, 1, 2}
    assert any("\u2028" in i.entry.body_html and "\r" in (i.entry.title or "") for i in items)


def test_kept_items_follow_edits_topic_titles_and_moves(tmp_path: Path) -> None:
    source = _hostile_site(tmp_path, 1)
    assert_feeds_match(load(source))
    war = source / "content" / "war"
    write(war / "full.md", entry_md("2024-10-27T03:30", BODY + "\nEdited.", title=yq(HOSTILE), topics="[a]"))
    write(war / "liveblog.yaml", LIVEBLOG.replace("Topic ", "Renamed topic "))
    (source / "content" / "other").rename(source / "content" / "moved")  # same entries, another slug
    assert_feeds_match(load(source))


# -- real sites -----------------------------------------------------------------------

def test_sample_site_feeds_are_the_references_bytes() -> None:
    for base in (None, BASES[1]):
        made = assert_feeds_match(load(REPO_ROOT, base))
        assert sum(len(feed.items) for feed, _ in made) > 0


def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate", REPO_ROOT / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_generated_site_feeds_are_the_references_bytes_before_and_after_an_edit(tmp_path: Path) -> None:
    generate = _generator()
    site = generate.write_site(tmp_path / "g", 300)
    made = assert_feeds_match(load(site.folder))
    assert len(made) >= 10 and all(len(feed.items) == 50 for feed, _ in made[:2])
    generate.edit_entry(site, 299)  # the newest entry: in the site's and the liveblog's feeds
    edited = assert_feeds_match(load(site.folder))
    assert [out for _, out in edited] != [out for _, out in made]


# -- the kept texts -------------------------------------------------------------------

def test_kept_texts_are_bounded_and_least_recently_used_go_first(tmp_path: Path) -> None:
    site = load(_hostile_site(tmp_path, 1))
    distinct = {(i.entry.digest, i.liveblog.digest): i for f in site_feeds(site) for i in f.items}
    a, b, c, d = list(distinct.values())[:4]
    calls: list[tuple[str, str, str]] = []

    def make(item: FeedItem, base_url: str) -> bytes:
        calls.append((item.entry.id, item.liveblog.slug, base_url))
        return "|".join(calls[-1]).encode()

    def made(*items: FeedItem, base: str = "x/") -> list[tuple[str, str, str]]:
        return [(i.entry.id, i.liveblog.slug, base) for i in items]

    texts = feedtext.ItemTexts(size=3)
    for item in (a, b, a, c, d):  # `a` used again after `b`: `b` is the least recently used when `d` comes
        texts.get(item, "x/", make)
    assert len(texts) == 3 and calls == made(a, b, c, d)
    for item in (a, c, d):
        assert texts.get(item, "x/", make) == "|".join(made(item)[0]).encode()
    assert calls == made(a, b, c, d)  # all three kept
    texts.get(b, "x/", make)
    assert calls == made(a, b, c, d, b) and len(texts) == 3  # `b` had gone
    texts.get(c, "y/", make)  # another base URL is another text
    assert calls[-1] == made(c, base="y/")[0]
