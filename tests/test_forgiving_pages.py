"""Honest pages: a preview marks drafts, a site without comments shows no comment box,
feeds link each item to its own page and carry its image; and, in headless Chromium at
375 and 1280 px, the skip link lands on the stream, live updates refresh the sidebar's
counts, "Jump to latest" covers no text, and on a phone the first entry is on the first
screen. Screenshots go to the test's tmp folder (SITEGEN_SCREENSHOTS=DIR keeps a copy)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from sitekit import article, build_ok, entry_md, feed, html_page, make_site, write

WAIT = 10_000  # ms: a 1-second poll has several chances in this time
PARAGRAPH = "A paragraph long enough to take a few lines on the screen of a reader. " * 6

CONFIG = """\
title: Comfort Test
base_url: https://example.org/news/
timezone: UTC
live:
  poll_seconds: 1
"""

LIVEBLOG = """\
title: Storm over the coast, live
description: Rolling coverage of the storm as it crosses the coast, with reports from our correspondents.
topics:
  energy: Power cuts
  roads: Roads and rail
  help: Where to get help
"""


def _entry(n: int, **fields: object) -> str:
    topics = ("[energy]", "[roads]", "[help]", "[energy, roads]")[n % 4]
    return entry_md(f"2025-03-01T{n:02d}:00", f"Entry {n} starts here.\n\n{PARAGRAPH}\n\n{PARAGRAPH}",
                    title=f"Entry {n}", topics=topics, **fields)


def _site(tmp_path: Path, count: int = 12, config: str = CONFIG) -> Path:
    entries = {"liveblog.yaml": LIVEBLOG, **{f"e{n:02d}.md": _entry(n, key_event="true" if n % 3 == 0 else "false")
                                             for n in range(1, count + 1)}}
    return make_site(tmp_path, config, {"l": entries}, files={"static/images/storm.jpg": _jpeg()})


def _jpeg() -> bytes:
    import io
    from PIL import Image
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 800), (40, 90, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


# --- the HTML -----------------------------------------------------------------------

def test_drafts_are_marked_in_a_preview_and_absent_from_a_build(tmp_path):
    site = _site(tmp_path, 2)
    write(site / "content/l/d.md", entry_md("2025-03-01T05:00", "Not ready.", title="Draft one", draft="true"))
    assert html_page(build_ok(site) / "l/index.html").xpath("//*[@id='entry-d']") == []
    preview = html_page(build_ok(site, "--drafts") / "l/index.html")
    draft = article(preview, "d")
    assert "entry--draft" in draft.classes
    assert [b.text_content() for b in draft.xpath(".//*[contains(@class, 'badge--draft')]")] == ["Draft: not published"]
    assert not article(preview, "e01").xpath(".//*[contains(@class, 'badge--draft')]")


def test_serve_previews_drafts_marked(tmp_path):
    """`sitegen serve` builds with drafts (its default): the same marked entry."""
    from sitegen.build.pipeline import build as run_build, default_options
    site = _site(tmp_path, 2)
    write(site / "content/l/d.md", entry_md("2025-03-01T05:00", "Not ready.", title="Draft one", draft="true"))
    options = default_options(site, tmp_path / "preview", drafts=True)
    run_build(options)
    draft = article(html_page(tmp_path / "preview/l/index.html"), "d")
    assert draft.xpath(".//*[contains(@class, 'badge--draft')]")


def test_without_a_comment_provider_the_placeholder_keeps_its_data_and_says_nothing(tmp_path):
    out = build_ok(_site(tmp_path, 2))
    (box,) = html_page(out / "l/index.html").xpath("//*[@id='comments']")
    assert box.get("data-provider") == "none"
    assert box.get("data-thread-id") == "liveblog-l" and box.get("data-url") == "https://example.org/news/l/"
    assert box.get("data-title") == "Storm over the coast, live"
    assert box.text_content().strip() == "" and len(box) == 0  # no heading, no "0 Comments"


def test_with_a_provider_the_comment_box_is_there(tmp_path):
    config = CONFIG + "comments:\n  provider: coral\n  coral_url: https://talk.example.net/\n"
    out = build_ok(_site(tmp_path, 2, config))
    (box,) = html_page(out / "l/index.html").xpath("//*[@id='comments']")
    assert box.xpath(".//h2") and box.xpath(".//button[contains(@class, 'comments__load')]")


def test_feed_items_link_to_the_entry_page_and_carry_the_image(tmp_path):
    site = _site(tmp_path, 2)
    write(site / "content/l/p.md", entry_md("2025-03-01T06:00", "With a photo.", title="Photo",
                                            image="images/storm.jpg"))
    out = build_ok(site)
    for name in ("l/feed.xml", "feed.xml"):
        item = feed(out / name).entries[0]
        assert item.id == "https://example.org/news/l/#entry-p"  # the guid, as the contract says
        assert item.link == "https://example.org/news/l/entries/p/"
        assert (out / "l/entries/p/index.html").is_file()
        ((url, medium),) = [(m["url"], m["medium"]) for m in item.media_content]
        assert medium == "image" and url.startswith("https://example.org/news/")
        assert (out / url.removeprefix("https://example.org/news/")).is_file()
        # the same image as the Atom feed's enclosure
        atom = feed(out / name.replace("feed.xml", "atom.xml")).entries[0]
        assert [link["href"] for link in atom.links if link["rel"] == "enclosure"] == [url]
        assert all(not getattr(e, "media_content", None) for e in feed(out / name).entries[1:])


def test_updates_json_carries_the_topic_counts(tmp_path):
    import json
    out = build_ok(_site(tmp_path, 8))
    data = json.loads((out / "l/updates.json").read_bytes())
    page = html_page(out / "l/index.html")
    shown = {t: int(page.xpath(f"//*[@id='topic-{t}']//*[@class='topic-index__count']/text()")[0])
             for t in ("energy", "roads", "help")}
    assert data["topics"] == shown == {"energy": 4, "roads": 4, "help": 2}


# --- in Chromium ---------------------------------------------------------------------

def _shot(page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path))
    keep = os.environ.get("SITEGEN_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)
    return path


def _open(page, url: str, width: int, height: int) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.goto(url)
    page.wait_for_selector(".sg-toolbar", state="attached")


@pytest.mark.parametrize("width, height", [(375, 667), (1280, 800)])
def test_the_skip_link_lands_on_the_stream_past_the_sidebar(tmp_path, page, static_server, width, height):
    out = build_ok(_site(tmp_path))
    with static_server(out) as base:
        _open(page, base + "l/", width, height)
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "stream"
        page.keyboard.press("Tab")  # the next stop is in the stream, not in the sidebar
        assert page.evaluate("""() => !!document.activeElement.closest('#stream')
                                       && !document.activeElement.closest('.liveblog-aside')""")
        top = page.evaluate("document.getElementById('stream').getBoundingClientRect().top")
        assert -1 <= top < height / 2  # scrolled to it
        _shot(page, tmp_path, f"skip-{width}")


@pytest.mark.parametrize("width, height", [(375, 667), (1280, 800)])
def test_live_updates_refresh_the_sidebar_counts(tmp_path, page, static_server, width, height):
    site = _site(tmp_path, 8)
    out = build_ok(site)
    with static_server(out) as base:
        _open(page, base + "l/", width, height)
        count = page.locator("#topic-help .topic-index__count")
        assert count.text_content() == "2"
        write(site / "content/l/e09.md", entry_md("2025-03-01T09:00", "Shelters open.", title="Shelters",
                                                  topics="[help, roads]"))
        (site / "content/l/e01.md").unlink()  # a roads entry goes
        build_ok(site)
        page.wait_for_selector("#entry-e09", state="attached", timeout=WAIT)
        page.wait_for_function("document.querySelector('#topic-help .topic-index__count').textContent === '3'",
                               timeout=WAIT)
        assert page.locator("#topic-roads .topic-index__count").text_content() == "4"
        assert page.locator("#topic-energy .topic-index__count").text_content() == "4"
        if width < 1000:
            page.locator(".topic-index > summary").click()  # folded on a phone: open it to look
        _shot(page, tmp_path, f"counts-{width}")


def test_on_a_phone_the_first_entry_is_on_the_first_screen(tmp_path, page, static_server):
    site = _site(tmp_path)
    write(site / "content/l/liveblog.yaml", LIVEBLOG + "summary: |\n  - Winds reach 120 km/h.\n"
                                                      "  - Trains stopped.\n  - Shelters open.\n")
    out = build_ok(site)
    with static_server(out) as base:
        _open(page, base + "l/", 375, 667)
        first = page.evaluate("document.querySelector('.stream__entries > article').getBoundingClientRect().top")
        _shot(page, tmp_path, "phone-first-screen")
        assert first + 60 <= 667, first  # its time and headline show without scrolling
        folded = page.evaluate("[...document.querySelectorAll('details.fold, details.summary')].map(d => d.open)")
        assert folded and not any(folded)
        page.locator(".key-events > summary").click()  # a tap shows the key events
        assert page.locator(".key-events nav").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375


@pytest.mark.parametrize("width", [800, 1280])
def test_on_tablets_and_wide_screens_the_sidebar_starts_open(tmp_path, page, static_server, width):
    out = build_ok(_site(tmp_path))
    with static_server(out) as base:
        _open(page, base + "l/", width, 800)
        assert page.evaluate("[...document.querySelectorAll('details.fold')].every(d => d.open)")
        if width >= 1024:
            page.locator(".key-events > summary").click()  # a heading there, not a switch
            assert page.locator(".key-events nav").is_visible()
        _shot(page, tmp_path, f"open-{width}")


def test_a_link_into_a_folded_box_opens_it_on_a_phone(tmp_path, page, static_server):
    out = build_ok(_site(tmp_path))
    with static_server(out) as base:
        page.set_viewport_size({"width": 375, "height": 667})
        page.goto(base + "l/#topic-roads")
        page.wait_for_selector(".sg-toolbar", state="attached")
        assert page.evaluate("document.querySelector('.topic-index').open") is True


@pytest.mark.parametrize("width, height", [(375, 667), (1280, 800)])
def test_jump_to_latest_covers_no_text(tmp_path, page, static_server, width, height):
    out = build_ok(_site(tmp_path, 20))
    with static_server(out) as base:
        _open(page, base + "l/", width, height)
        page.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
        jump = page.locator(".sg-jump")
        jump.wait_for(state="visible", timeout=WAIT)
        box = jump.bounding_box()
        # a bar across the window's foot, like a toolbar: over no column of text
        assert box["x"] <= 0.5 and abs(box["width"] - width) <= 1 and abs(box["y"] + box["height"] - height) <= 1
        assert page.evaluate("getComputedStyle(document.querySelector('.sg-jump')).backgroundColor") \
            not in ("transparent", "rgba(0, 0, 0, 0)")
        _shot(page, tmp_path, f"jump-{width}")
        # and the page ends above it: the last words can be read with the bar shown
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        page.wait_for_timeout(200)
        last_text = page.evaluate("""() => { const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT,
                { acceptNode: n => n.textContent.trim() && n.parentElement.closest('.sg-jump') === null
                                   && n.parentElement.offsetParent !== null ? 1 : 3 });
            let last = null, n; while ((n = w.nextNode())) last = n;
            const r = document.createRange(); r.selectNodeContents(last); return r.getBoundingClientRect().bottom; }""")
        if jump.is_visible():
            assert last_text <= jump.bounding_box()["y"] + 0.5
        _shot(page, tmp_path, f"jump-end-{width}")
