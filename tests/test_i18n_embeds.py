"""Embed cards speak their liveblog's language: the button, the link and the frame's
title come from the catalogs (a site file can change them), whatever the caches hold.

Bodies are rendered and cached before a liveblog's language is known, so the same
entry in an English and a Ukrainian liveblog shares one cached body: each must still
show its own words, after a cold, a warm and a `serve` build, and after a liveblog's
`language:` or a site catalog changes with the cache kept. Every build here is
compared byte for byte with a build without any cache.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import lxml.html
import pytest
import yaml

from sitegen.build.pipeline import BuildOptions, build, default_options
from sitegen.i18n.catalogs import BUNDLED
from sitegen.serve.session import Rebuilder
from sitekit import DEFAULT_LIVEBLOG, article, entry_md, html_page, make_site, snapshot, write, xml_tree

BASE = "http://127.0.0.1:8765/"
X_POST = "https://x.com/kyivdesk/status/1901234567890123456"
TIKTOK = "https://www.tiktok.com/@kyivdesk/video/7301234567890123456"
YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
# The same entry (same id, same text) in both liveblogs: one cached body for both.
ENTRY = entry_md("2025-03-24T09:05", f"Reports from the field.\n\n{X_POST}\n\n> Sirens in Kyiv.\n\n{TIKTOK}",
                 title="Field reports")
CORRECTED = entry_md("2025-03-24T10:00", "The video was replaced.", updated="2025-03-24T11:00",
                     correction=f'"{YOUTUBE}"')
SUMMARY = f"summary: |\n  - Key points.\n\n  {YOUTUBE}\n"
EN = yaml.safe_load((BUNDLED / "en.yaml").read_text("utf-8"))
UK = yaml.safe_load((BUNDLED / "uk.yaml").read_text("utf-8"))


def _site(tmp_path: Path, uk_liveblog: bool = True) -> Path:
    viina = DEFAULT_LIVEBLOG + SUMMARY + ("language: uk\n" if uk_liveblog else "")
    return make_site(tmp_path, liveblogs={
        "war": {"liveblog.yaml": DEFAULT_LIVEBLOG + SUMMARY, "a.md": ENTRY, "b.md": CORRECTED},
        "viina": {"liveblog.yaml": viina, "a.md": ENTRY, "b.md": CORRECTED},
    })


def _words(card: lxml.html.HtmlElement) -> tuple[str, str, str | None]:
    """A card's link text, button text and frame title, as a reader meets them."""
    return (card.xpath("string(.//a[@class='embed__link'])"), card.xpath("string(.//button[@class='embed__show'])"),
            card.get("data-embed-title"))


def _expected(texts: dict[str, str], provider: str, action: str, author: str | None) -> tuple[str, str, str]:
    title = (texts["embed_title_by"].replace("{author}", author) if author else texts["embed_title"])
    return (texts[action].replace("{provider}", provider), texts["embed_show"], title.replace("{provider}", provider))


def _cards(output: Path, slug: str) -> list[tuple[str, str, str | None]]:
    """The words of every card a liveblog's front page shows: entries, correction, summary."""
    page = html_page(output / slug / "index.html")
    return [_words(card) for card in page.xpath("//figure[contains(@class, 'embed')]")]


def _all_cards(texts: dict[str, str]) -> list[tuple[str, str, str]]:
    """What `_cards` finds on a front page when its words are `texts`, in page order."""
    summary = [_expected(texts, "YouTube", "embed_watch", None)]
    corrected = [_expected(texts, "YouTube", "embed_watch", None)]
    entry = [_expected(texts, "X", "embed_open_post", "@kyivdesk"), _expected(texts, "TikTok", "embed_open_video",
                                                                               "@kyivdesk")]
    return summary + corrected + entry


def _reference(site: Path, folder: Path, previous: dict[str, bytes] | None = None, base_url: str | None = None,
               ) -> dict[str, bytes]:
    """A build without any cache (on a copy of `previous` output: updates.json compares)."""
    shutil.rmtree(folder, ignore_errors=True)
    for rel, data in (previous or {}).items():
        write(folder / rel, data)
    build(BuildOptions(site, folder, base_url=base_url, use_cache=False))
    return snapshot(folder)


def _assert_same(got: dict[str, bytes], want: dict[str, bytes], step: str) -> None:
    assert sorted(got) == sorted(want), step
    assert [rel for rel in want if got[rel] != want[rel]] == [], f"{step}: differs from a build without cache"
    assert [rel for rel, data in got.items() if b"\x04" in data] == [], f"{step}: a label marker escaped"


def _set_language(site: Path, slug: str, tag: str | None) -> Path:
    path = site / "content" / slug / "liveblog.yaml"
    text = "".join(line for line in path.read_text("utf-8").splitlines(keepends=True)
                   if not line.startswith("language:"))
    path.write_text(text + (f"language: {tag}\n" if tag else ""), "utf-8")
    return path


def test_the_same_entry_speaks_each_liveblogs_language_cold_and_warm(tmp_path: Path) -> None:
    site = _site(tmp_path)
    out = tmp_path / "out"
    want = _reference(site, tmp_path / "reference")
    for step in ("cold", "warm"):
        build(default_options(site, out))
        _assert_same(snapshot(out), want, step)
        assert _cards(out, "war") == _all_cards(EN)
        assert _cards(out, "viina") == _all_cards(UK)


def test_feeds_and_live_updates_carry_the_liveblogs_words(tmp_path: Path) -> None:
    site = _site(tmp_path)
    out = tmp_path / "out"
    build(default_options(site, out))
    for slug, texts in (("war", EN), ("viina", UK)):
        items = xml_tree(out / slug / "feed.xml").findall("channel/item")
        (item,) = [i for i in items if i.findtext("link").endswith("/a/")]
        html = lxml.html.fromstring(item.findtext("description"))  # (feedparser would sanitise it)
        assert [_words(c) for c in html.xpath("//figure")] == _all_cards(texts)[2:], slug
        manifest = json.loads((out / slug / "updates.json").read_text("utf-8"))
        (entry,) = [e for e in manifest["entries"] if e["id"] == "a"]
        assert [_words(c) for c in lxml.html.fromstring(entry["html"]).xpath("//figure")] == _all_cards(texts)[2:]
    shown = article(html_page(out / "viina/entries/a/index.html"), "a")
    assert [_words(c) for c in shown.xpath(".//figure")] == _all_cards(UK)[2:]


def test_a_liveblogs_language_changed_with_the_cache_kept(tmp_path: Path) -> None:
    site = _site(tmp_path, uk_liveblog=False)
    out = tmp_path / "out"
    build(default_options(site, out))
    assert _cards(out, "viina") == _all_cards(EN)
    for tag, texts in (("uk", UK), (None, EN), ("uk", UK)):
        previous = snapshot(out)
        _set_language(site, "viina", tag)
        build(default_options(site, out))
        _assert_same(snapshot(out), _reference(site, tmp_path / "reference", previous), f"language {tag}")
        assert _cards(out, "viina") == _all_cards(texts)
        assert _cards(out, "war") == _all_cards(EN)


def test_a_site_file_changes_the_cards_words_in_its_language_only(tmp_path: Path) -> None:
    site = _site(tmp_path)
    write(site / "i18n/uk.yaml", 'embed_show: "Розгорнути"\nembed_open_post: "Допис у {provider}: відкрити"\n'
                                 'embed_title_by: "<b>{author}</b> & \\"{provider}\\""\n')
    out = tmp_path / "out"
    build(default_options(site, out))
    texts = {**UK, "embed_show": "Розгорнути", "embed_open_post": "Допис у {provider}: відкрити",
             "embed_title_by": '<b>{author}</b> & "{provider}"'}
    assert _cards(out, "viina") == _all_cards(texts)  # (the title's markup is text: escaped)
    assert not html_page(out / "viina/index.html").xpath("//figure//b")
    assert _cards(out, "war") == _all_cards(EN)


@pytest.fixture
def rebuilder(tmp_path: Path) -> Rebuilder:
    made = Rebuilder(default_options(_site(tmp_path, uk_liveblog=False), tmp_path / "preview", base_url=BASE))
    yield made
    made.close()


def test_serve_rebuilds_after_a_language_or_catalog_change(tmp_path: Path, rebuilder: Rebuilder) -> None:
    """serve's path: one in-memory cache, told by the watcher which file changed."""
    site, out = rebuilder.options.source, rebuilder.options.output
    assert rebuilder.rebuild().ok
    assert _cards(out, "viina") == _all_cards(EN)
    override = {**UK, "embed_show": "Розгорнути"}
    steps = [
        ("to Ukrainian", lambda: _set_language(site, "viina", "uk"), UK),
        ("a site catalog", lambda: write(site / "i18n/uk.yaml", 'embed_show: "Розгорнути"\n'), override),
        ("back to English", lambda: _set_language(site, "viina", None), EN),
        ("to Ukrainian again", lambda: _set_language(site, "viina", "uk"), override),
    ]
    for name, change, texts in steps:
        previous = snapshot(out)
        changed = change()
        outcome = rebuilder.rebuild(frozenset({changed}))
        assert outcome.ok, (name, outcome.problems)
        _assert_same(snapshot(out), _reference(site, tmp_path / "fresh", previous, BASE), name)
        assert _cards(out, "viina") == _all_cards(texts), name
        assert _cards(out, "war") == _all_cards(EN), name
