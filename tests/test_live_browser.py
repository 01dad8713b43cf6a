"""Live for readers, in headless Chromium against the output served by `python -m http.server`
(never `sitegen serve`: no backend is needed). The site is rebuilt into the served folder
while the page is open; the page learns of it only through `L/updates.json`."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from sitekit import build_ok, entry_md, html_page, make_site, stream_ids, write

WAIT = 10_000  # ms: a 1-second poll has several chances in this time
PARAGRAPH = "A paragraph long enough to take a few lines on the screen of a reader. " * 6

CONFIG = """\
title: Live Test
base_url: https://example.org/news/
timezone: UTC
per_page: {per_page}
live:
  poll_seconds: 1
{extra}"""

LIVEBLOG = """\
title: Live test liveblog
description: Followed by a browser.
topics:
  energy: Energy talks
  diplomacy: Diplomacy
"""


def _entry(n: int, body: str | None = None, **fields: str) -> str:
    topics = "[energy]" if n % 2 else "[diplomacy]"
    return entry_md(f"2025-03-01T{n:02d}:00", body or f"Entry {n} starts here.\n\n{PARAGRAPH}\n\n{PARAGRAPH}",
                    title=f"Entry {n}", topics=topics, **fields)


def _site(tmp_path: Path, count: int, per_page: int = 50, extra: str = "", liveblog: str = LIVEBLOG) -> Path:
    entries = {"liveblog.yaml": liveblog, **{f"e{n:02d}.md": _entry(n) for n in range(1, count + 1)}}
    return make_site(tmp_path, CONFIG.format(per_page=per_page, extra=extra), {"l": entries})


def _open(page, url: str) -> str:
    """Open a liveblog page and wait for sitegen.js; returns the page's own title."""
    page.set_viewport_size({"width": 1000, "height": 700})
    page.goto(url)
    page.wait_for_selector(".sg-toolbar", state="attached")
    page.evaluate("window.__sameDocument = true")  # gone if the page ever reloads
    return page.title()


def _top(page, entry_id: str) -> float:
    return page.evaluate(f"document.getElementById('entry-{entry_id}').getBoundingClientRect().top")


def _stream(page) -> list[str]:
    return page.eval_on_selector_all(".stream__entries > article", "els => els.map(e => e.id.slice(6))")


def _in_view(page, entry_id: str) -> None:
    page.wait_for_function(
        f"""() => {{ const r = document.getElementById('entry-{entry_id}').getBoundingClientRect();
                     return r.top >= -1 && r.top < window.innerHeight / 2; }}""", timeout=WAIT)


def test_a_new_entry_waits_behind_a_button_then_lands_on_top(tmp_path, page, static_server):
    site = _site(tmp_path, 6)
    out = build_ok(site)
    with static_server(out) as base:
        title = _open(page, base + "l/")
        page.evaluate("document.getElementById('entry-e03').scrollIntoView()")
        before = _top(page, "e03")

        write(site / "content/l/e07.md", _entry(7))
        build_ok(site)
        button = page.locator(".sg-new-updates")
        button.wait_for(state="visible", timeout=WAIT)
        assert re.fullmatch(r"\W*1 new update", button.inner_text())
        assert page.title() == f"(1) {title}"
        assert page.locator("#entry-e07").count() == 0  # not under the reader's eyes yet
        assert abs(_top(page, "e03") - before) <= 1

        button.click()
        assert _stream(page)[:2] == ["e07", "e06"]
        assert page.title() == title
        assert button.is_hidden()
        _in_view(page, "e07")
        assert page.evaluate("window.__sameDocument") is True


def test_a_reader_at_the_top_sees_new_entries_slide_in(tmp_path, page, static_server):
    site = _site(tmp_path, 3)
    out = build_ok(site)
    with static_server(out) as base:
        title = _open(page, base + "l/")
        write(site / "content/l/e04.md", _entry(4))
        write(site / "content/l/e05.md", _entry(5))
        build_ok(site)
        page.wait_for_selector("#entry-e05", timeout=WAIT)
        assert _stream(page) == ["e05", "e04", "e03", "e02", "e01"]
        header_time = page.locator(".liveblog-header__updated time")
        header_time.wait_for(timeout=WAIT)
        assert header_time.get_attribute("datetime") == "2025-03-01T05:00:00+00:00"
        assert page.title() == title
        assert page.locator(".sg-new-updates").is_hidden()
        assert page.evaluate("window.scrollY") == 0


def test_edits_change_in_place_and_deletions_disappear(tmp_path, page, static_server):
    site = _site(tmp_path, 5)
    out = build_ok(site)
    with static_server(out) as base:
        _open(page, base + "l/")
        page.evaluate("document.getElementById('entry-e02').scrollIntoView()")
        before = _top(page, "e02")

        # An edit that also moves the time: it changes in place, never reorders.
        write(site / "content/l/e04.md", entry_md("2025-03-01T09:30", "Corrected text.", title="Entry 4, corrected",
                                                  topics="[diplomacy]", updated="2025-03-01T10:00"))
        build_ok(site)
        page.wait_for_function("() => document.querySelector('#entry-e04 h3').textContent.includes('corrected')",
                               timeout=WAIT)
        assert _stream(page) == ["e05", "e04", "e03", "e02", "e01"]
        assert "Corrected text." in page.locator("#entry-e04").inner_text()
        assert abs(_top(page, "e02") - before) <= 1  # the shorter entry above did not move the reader

        (site / "content/l/e03.md").unlink()
        build_ok(site)
        page.wait_for_selector("#entry-e03", state="detached", timeout=WAIT)
        assert _stream(page) == ["e05", "e04", "e02", "e01"]
        assert abs(_top(page, "e02") - before) <= 1
        assert page.evaluate("window.__sameDocument") is True


def test_polls_are_conditional_and_stop_when_the_liveblog_ends(tmp_path, page, static_server):
    site = _site(tmp_path, 2)
    out = build_ok(site)
    polls: list[tuple[dict, int]] = []
    page.on("response", lambda r: polls.append((r.request.headers, r.status))
            if r.url.endswith("/updates.json") else None)
    with static_server(out) as base:
        _open(page, base + "l/")
        # http.server sends Last-Modified: later polls ask "changed since?" and get 304.
        for _ in range(50):
            if any("if-modified-since" in headers and status == 304 for headers, status in polls[1:]):
                break
            page.wait_for_timeout(200)
        else:
            pytest.fail(f"no conditional poll answered 304: {polls}")
        assert polls[0][1] == 200 and "if-modified-since" not in polls[0][0]

        write(site / "content/l/liveblog.yaml", LIVEBLOG + "status: ended\n")
        build_ok(site)
        page.wait_for_selector(".liveblog-header .badge--ended", timeout=WAIT)
        page.wait_for_timeout(500)  # the response event of that last poll may still be on its way
        stopped_at = len(polls)
        page.wait_for_timeout(2500)  # 1-second polls would have asked twice by now
        assert len(polls) == stopped_at


def _advance(page, requests: list[str], ms: int, expected: int) -> int:
    """Move the page's (fake) clock on by `ms`; wait in real time until `expected` requests
    were made, then a little longer so the answer is handled and the next poll planned."""
    page.clock.run_for(ms)
    for _ in range(30):
        if len(requests) >= expected:
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(300)
    return len(requests)


def test_errors_back_off_and_a_hidden_tab_does_not_poll(tmp_path, page, static_server):
    out = build_ok(_site(tmp_path, 2))
    requests: list[str] = []

    def failing(route):
        requests.append(route.request.url)
        route.fulfill(status=503, body="busy")

    with static_server(out) as base:
        page.route("**/updates.json", failing)
        page.clock.install()
        _open(page, base + "l/")
        page.clock.pause_at(datetime.now(timezone.utc) + timedelta(seconds=0.1))

        def after(ms: int, expected: int) -> int:
            return _advance(page, requests, ms, expected)

        assert after(1300, 1) == 1  # the first poll: 1 s +-20%
        assert after(1500, 1) == 1  # one failure: wait 2 s +-20% (>= 1.6 s)
        assert after(1000, 2) == 2
        assert after(3000, 2) == 2  # two failures: 4 s +-20% (>= 3.2 s)
        assert after(2000, 3) == 3

        page.evaluate("""() => { Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});
                                 document.dispatchEvent(new Event('visibilitychange')); }""")
        assert after(60_000, 3) == 3  # paused while hidden
        page.evaluate("""() => { Object.defineProperty(document, 'hidden', {configurable: true, get: () => false});
                                 document.dispatchEvent(new Event('visibilitychange')); }""")
        assert after(0, 4) == 4  # polled at once when shown


def test_the_manifest_sets_the_poll_interval(tmp_path, page, static_server):
    out = build_ok(_site(tmp_path, 2))
    requests: list[str] = []

    def slower(route):
        requests.append(route.request.url)
        route.fulfill(status=200, content_type="application/json",
                      body='{"format": 1, "status": "live", "poll_seconds": 30, "entries": [], "front": [], '
                           '"removed": []}')

    with static_server(out) as base:
        page.route("**/updates.json", slower)
        page.clock.install()
        _open(page, base + "l/")
        page.clock.pause_at(datetime.now(timezone.utc) + timedelta(seconds=0.1))
        assert _advance(page, requests, 1300, 1) == 1
        assert _advance(page, requests, 20_000, 1) == 1  # 30 s +-20% from now on, no longer 1 s
        assert _advance(page, requests, 17_000, 2) == 2


def test_links_to_entries_land_wherever_they_live_now(tmp_path, page, static_server):
    # 9 entries, 2 per page: front e09 e08; from the oldest, page 1 e01 e02 ... page 3 e05 e06, page 4 e07.
    site = _site(tmp_path, 9, per_page=2)
    out = build_ok(site)
    with static_server(out) as base:
        page.set_viewport_size({"width": 1000, "height": 700})
        page.goto(base + "l/#entry-e05")
        page.wait_for_url(base + "l/page/3/#entry-e05", timeout=WAIT)
        page.wait_for_load_state("load")
        _in_view(page, "e05")

        page.goto(base + "l/page/1/#entry-e09")  # an old link: e09 is on the front page
        page.wait_for_url(base + "l/#entry-e09", timeout=WAIT)

        page.goto(base + "l/#entry-gone")  # no such entry: the reader is told, the page stays
        page.wait_for_selector(".sg-notice", timeout=WAIT)
        assert page.url == base + "l/#entry-gone"


def test_without_javascript_the_page_is_complete(tmp_path, chromium_browser, static_server):
    site = _site(tmp_path, 7, per_page=5)
    out = build_ok(site)
    expected = stream_ids(html_page(out / "l/index.html"))
    assert len(expected) == 5
    context = chromium_browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        with static_server(out) as base:
            page.goto(base + "l/")
            for entry_id in expected:
                assert page.locator(f"#entry-{entry_id}").is_visible(), entry_id
            assert page.locator("#topic-energy").count() == 1
            assert page.locator(".sg-toolbar, .sg-jump, .sg-new-updates, .sg-ago").count() == 0
    finally:
        context.close()


COMMENT_CONFIGS = {
    "disqus": ("comments:\n  provider: disqus\n  disqus_shortname: courier-test\n",
               "https://courier-test.disqus.com/embed.js"),
    "giscus": ("comments:\n  provider: giscus\n  giscus_repo: owner/repo\n  giscus_repo_id: R_1\n"
               "  giscus_category: Comments\n  giscus_category_id: C_1\n", "https://giscus.app/client.js"),
    "coral": ("comments:\n  provider: coral\n  coral_url: https://talk.example.net/\n",
              "https://talk.example.net/assets/js/embed.js"),
}
STUB = ("window.Coral = {createStreamEmbed: function (o) { window.__coral = o; }};"
        "window.__thirdParty = (window.__thirdParty || 0) + 1;")


def _external_scripts(page) -> list[str]:
    return page.evaluate("Array.from(document.scripts).map(s => s.src).filter(s => s && !s.startsWith(location.origin))")


@pytest.mark.parametrize("provider", sorted(COMMENT_CONFIGS))
def test_comments_load_nothing_third_party_until_asked(tmp_path, page, static_server, provider):
    extra, script_url = COMMENT_CONFIGS[provider]
    out = build_ok(_site(tmp_path, 2, extra=extra))
    outside: list[str] = []

    def stub(route):  # nothing leaves the machine
        outside.append(route.request.url)
        route.fulfill(status=200, content_type="application/javascript", body=STUB)

    with static_server(out) as base:
        page.route(lambda url: not url.startswith(base), stub)
        _open(page, base + "l/")
        button = page.locator("#comments .comments__load")
        assert button.is_visible()
        assert _external_scripts(page) == [] and outside == []

        button.click()
        page.wait_for_function("() => window.__thirdParty === 1", timeout=WAIT)
        assert _external_scripts(page) == [script_url]
        assert outside == [script_url]
        assert button.is_hidden()
        box = page.locator("#comments")
        if provider == "giscus":
            attrs = page.eval_on_selector("script[src='https://giscus.app/client.js']",
                                          "s => [s.dataset.repo, s.dataset.repoId, s.dataset.term]")
            assert attrs == ["owner/repo", "R_1", box.get_attribute("data-thread-id")]
        if provider == "coral":
            options = page.wait_for_function("() => window.__coral", timeout=WAIT).json_value()
            assert options["storyID"] == box.get_attribute("data-thread-id")
            assert options["storyURL"] == box.get_attribute("data-url")
        if provider == "disqus":
            config = page.evaluate("() => { const c = {page: {}}; window.disqus_config.call(c); return c.page; }")
            assert config["identifier"] == box.get_attribute("data-thread-id")
            assert config["url"] == box.get_attribute("data-url")


def test_without_a_provider_there_is_no_comment_button(tmp_path, page, static_server):
    out = build_ok(_site(tmp_path, 2))
    with static_server(out) as base:
        _open(page, base + "l/")
        assert page.locator("#comments").get_attribute("data-provider") == "none"
        assert page.locator("#comments button:visible").count() == 0
        assert _external_scripts(page) == []


def test_reader_comforts(tmp_path, page, static_server):
    now = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
    entries = {"liveblog.yaml": LIVEBLOG}
    for n, minutes in enumerate((5, 180, 600, 20_000), 1):
        moment = (now - timedelta(minutes=minutes)).isoformat()
        entries[f"e{n}.md"] = entry_md(moment, f"Body {n}.\n\n{PARAGRAPH}\n\n{PARAGRAPH}", title=f"Entry {n}",
                                       topics="[energy]" if n % 2 else "[diplomacy]")
    out = build_ok(make_site(tmp_path, CONFIG.format(per_page=50, extra=""), {"l": entries}))
    with static_server(out) as base:
        page.clock.install(time=now - timedelta(seconds=1))
        page.clock.pause_at(now)  # the page's clock stands still unless the test moves it
        _open(page, base + "l/")

        # Relative times over the absolute ones, refreshed each minute.
        def ago(n: int) -> str:
            return page.locator(f"#entry-e{n} .sg-ago").inner_text()

        def expected(value: int, unit: str) -> str:
            return page.evaluate(f"new Intl.RelativeTimeFormat('en', {{numeric: 'auto', style: 'short'}})"
                                 f".format({value}, '{unit}')")
        assert ago(1) == expected(-5, "minute")
        assert ago(2) == expected(-3, "hour")
        assert page.locator("#entry-e4 .sg-ago").is_hidden()  # two weeks old: the date says enough
        assert page.locator("#entry-e1 .entry__clock").is_visible()  # the absolute time stays
        page.clock.run_for(61_000)
        assert ago(1) == expected(-6, "minute")

        # Topic filter: only that topic's entries; "All topics" brings everything back.
        page.select_option(".sg-filter select", "energy")
        assert [i for i in ("e1", "e2", "e3", "e4") if page.locator(f"#entry-{i}").is_visible()] == ["e1", "e3"]
        page.select_option(".sg-filter select", "")
        assert all(page.locator(f"#entry-{i}").is_visible() for i in ("e1", "e2", "e3", "e4"))

        # Newest first <-> oldest first.
        order = page.locator(".sg-order")
        order.click()
        assert _stream(page) == ["e4", "e3", "e2", "e1"]
        assert order.get_attribute("aria-pressed") == "true"
        order.click()
        assert _stream(page) == ["e1", "e2", "e3", "e4"]

        # Jump to latest from far down the page.
        jump = page.locator(".sg-jump")
        assert jump.is_hidden()
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.clock.run_for(100)  # scroll handlers wait for an animation frame
        jump.wait_for(state="visible", timeout=WAIT)
        jump.click()
        page.clock.run_for(2000)
        _in_view(page, "e1")
