"""The newsroom's reader features in headless Chromium, against output served by a plain
static server: the "Key events only" switch and a filtered view restored on reload, the
since-your-last-visit marker, the summary refreshed in place, and the embed in an iframe
that grows as entries arrive (through the README's own snippet)."""

from __future__ import annotations

import time

import re
from pathlib import Path

from sitegen.build.pipeline import BuildOptions, build
from sitekit import REPO_ROOT, build_ok, entry_md, make_site, write

WAIT = 10_000  # ms
PARAGRAPH = "A paragraph long enough to take a few lines on the screen of a reader. " * 4

CONFIG = """\
title: Newsroom Test
base_url: https://example.org/news/
timezone: UTC
live:
  poll_seconds: {poll}
"""
LIVEBLOG = """\
title: Newsroom liveblog
description: Followed by a browser.
topics:
  energy: Energy talks
  diplomacy: Diplomacy
"""


def _entry(n: int) -> str:
    fields = {"title": f"Entry {n}", "topics": "[energy]" if n % 2 else "[diplomacy]"}
    if n % 3 == 0:
        fields["key_event"] = "true"
    return entry_md(f"2025-03-01T{n:02d}:00", f"Entry {n} starts here.\n\n{PARAGRAPH}", **fields)


def _site(tmp_path: Path, count: int, poll: int = 1, liveblog: str = LIVEBLOG) -> Path:
    entries = {"liveblog.yaml": liveblog, **{f"e{n:02d}.md": _entry(n) for n in range(1, count + 1)}}
    return make_site(tmp_path, CONFIG.format(poll=poll), {"l": entries})


def _shown(page) -> list[str]:
    return page.eval_on_selector_all(".stream__entries > article",
                                     "els => els.filter(e => !e.hidden).map(e => e.id.slice(6))")


def _open(page, url: str) -> None:
    page.set_viewport_size({"width": 1000, "height": 800})
    page.goto(url)
    page.wait_for_selector(".sg-toolbar", state="attached")


def test_key_events_switch_filters_and_the_filtered_url_survives_a_reload(tmp_path, page, static_server):
    out = build_ok(_site(tmp_path, 9, poll=3600))
    with static_server(out) as base:
        _open(page, base + "l/")
        assert _shown(page) == [f"e{n:02d}" for n in range(9, 0, -1)]
        switch = page.locator(".sg-key input")
        assert page.locator(".sg-key").inner_text().strip() == "Key events only"
        switch.check()
        assert _shown(page) == ["e09", "e06", "e03"]
        assert page.evaluate("location.search") == "?key-events=1"
        page.select_option(".sg-filter select", "energy")
        assert _shown(page) == ["e09", "e03"]
        assert page.evaluate("new URLSearchParams(location.search).get('topic')") == "energy"

        page.reload()
        page.wait_for_selector(".sg-toolbar", state="attached")
        assert _shown(page) == ["e09", "e03"]
        assert page.locator(".sg-key input").is_checked()
        assert page.eval_on_selector(".sg-filter select", "s => s.value") == "energy"

        # A shared link with only the switch: a fresh reader sees the same view.
        page.goto(base + "l/?key-events=1")
        page.wait_for_selector(".sg-toolbar", state="attached")
        assert _shown(page) == ["e09", "e06", "e03"]
        page.locator(".sg-key input").uncheck()
        assert len(_shown(page)) == 9 and page.evaluate("location.search") == ""


def test_a_returning_reader_sees_what_is_new_since_the_last_visit(tmp_path, page, static_server):
    site = _site(tmp_path, 4, poll=3600)  # (no polling: the reload alone brings the new entries)
    out = build_ok(site)
    with static_server(out) as base:
        _open(page, base + "l/")
        assert page.locator(".sg-visit").count() == 0  # a first visit: nothing to compare with
        assert page.locator("#sg-last-visit").count() == 0

        time.sleep(1.1)  # a page rebuilt within the same second keeps its Last-Modified: the reload would get a 304
        write(site / "content/l/e05.md", _entry(5))
        write(site / "content/l/e06.md", _entry(6))
        build_ok(site)
        page.reload()
        page.wait_for_selector(".sg-visit")
        assert page.locator(".sg-visit").inner_text() == "2 new updates since your last visit"
        following = page.evaluate("document.getElementById('sg-last-visit').nextElementSibling.id")
        preceding = page.evaluate("document.getElementById('sg-last-visit').previousElementSibling.id")
        assert (preceding, following) == ("entry-e05", "entry-e04")
        assert page.locator("#sg-last-visit").inner_text() == "Where you left off"

        page.reload()  # seen now: nothing new
        page.wait_for_selector(".sg-toolbar", state="attached")
        assert page.locator(".sg-visit").count() == 0 and page.locator("#sg-last-visit").count() == 0
        stored = page.evaluate("Object.keys(localStorage)")
        assert stored == ["sitegen-visit:l"]  # only the browser's own storage
        assert page.context.cookies() == []


def test_the_summary_refreshes_in_place(tmp_path, page, static_server):
    summary = LIVEBLOG + "summary: |\n  - First point.\nsummary_updated: 2025-03-01T10:00\n"
    site = _site(tmp_path, 2, liveblog=summary)
    out = build_ok(site)
    with static_server(out) as base:
        _open(page, base + "l/")
        page.evaluate("window.__sameDocument = true")
        assert page.locator("#summary .summary__body").inner_text().strip() == "First point."
        write(site / "content/l/liveblog.yaml",
              summary.replace("  - First point.\n", "  - First point.\n  - Second point.\n").replace("10:00", "11:00"))
        build_ok(site)
        page.wait_for_function("() => document.querySelectorAll('#summary li').length === 2", timeout=WAIT)
        assert page.locator("#summary time").get_attribute("datetime") == "2025-03-01T11:00:00+00:00"
        assert page.evaluate("window.__sameDocument") is True


def _readme_snippet() -> str:
    text = (REPO_ROOT / "README.md").read_text("utf-8")
    (snippet,) = [block for block in re.findall(r"```html\n(.*?)```", text, re.S) if "data-sitegen-embed" in block]
    return snippet


def test_the_embed_in_an_iframe_grows_as_entries_arrive(tmp_path, page, static_server):
    site = _site(tmp_path, 2)
    out = build_ok(site)
    snippet = re.sub(r'src="[^"]*"', 'src="l/embed/"', _readme_snippet())
    host = f"<!DOCTYPE html><html lang=en><title>Host</title><body><h1>An article</h1>{snippet}</body></html>"
    with static_server(out) as base:
        write(out / "host.html", host)  # (beside the output: the static server serves it too)
        page.set_viewport_size({"width": 800, "height": 600})
        page.goto(base + "host.html")
        frame = page.frame_locator("iframe[data-sitegen-embed]")
        frame.locator("article#entry-e02").wait_for()

        def fits() -> bool:
            inner = page.frames[1].evaluate("Math.ceil(document.documentElement.getBoundingClientRect().height)")
            return page.evaluate("document.querySelector('iframe').getBoundingClientRect().height") == inner

        page.wait_for_function("() => document.querySelector('iframe').style.height !== '600px'", timeout=WAIT)
        assert fits()
        before = page.evaluate("document.querySelector('iframe').getBoundingClientRect().height")
        assert before != 600  # sized to its content, not the snippet's first guess

        for n in (3, 4, 5):
            write(site / f"content/l/e{n:02d}.md", _entry(n))
        build_ok(site)
        frame.locator("article#entry-e05").wait_for(timeout=WAIT)
        page.wait_for_function(f"() => document.querySelector('iframe').getBoundingClientRect().height > {before}",
                               timeout=WAIT)
        page.wait_for_timeout(300)  # (the last resize message)
        assert fits()
        assert page.frames[1].evaluate("document.documentElement.scrollHeight <= innerHeight + 1")  # no inner scroll
        targets = page.frames[1].eval_on_selector_all("article a[href]:not([href^='#'])", "as => as.map(a => a.target)")
        assert targets and set(targets) == {"_blank"}  # links open outside the frame


AXE_JS = REPO_ROOT / ".tools/axe/node_modules/axe-core/axe.min.js"
SAMPLE_PAGES = ("ukraine-war/", "ukraine-war/key-events/", "ukraine-war/embed/", "authors/olena-marchenko/",
                "ukraine-war/entries/2025-03-23-1020-krasnodar-fuel-spill/")


def test_axe_finds_nothing_on_the_new_pages_at_phone_and_desktop_widths(tmp_path, chromium_browser, static_server):
    """The sample site's front page (summary, corrections, bylines with photos), key-events,
    embed and author pages, and a corrected entry's page, at 375 and 1280 px."""
    if not AXE_JS.is_file():
        raise AssertionError(f"axe-core not found at {AXE_JS}: run `bash scripts/install-test-tools.sh`")
    out = tmp_path / "sample"
    build(BuildOptions(REPO_ROOT, out, use_cache=False))
    found = {}
    context = chromium_browser.new_context(bypass_csp=True)  # (the pages' policy allows no injected axe)
    page = context.new_page()
    with static_server(out) as base:
        for width in (375, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            for route in SAMPLE_PAGES:
                page.goto(base + route, wait_until="load")
                page.add_script_tag(path=str(AXE_JS))
                result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
                found[(route, width)] = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
    context.close()
    assert {where: v for where, v in found.items() if v} == {}
