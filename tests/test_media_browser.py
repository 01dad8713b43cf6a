"""Issue 12 in headless Chromium: embed cards ask no other host for anything until the
reader presses "Show the post", then only that provider's hosts; without JavaScript the
cards are readable and link to the posts. Every request the page makes is recorded
(the machine has no internet: requests leaving 127.0.0.1 are recorded, then aborted).
The pages with photos and cards are checked by the Nu Html Checker and axe."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from helpers import REPO_ROOT, format_vnu_messages
from sitekit import DEFAULT_CONFIG, DEFAULT_LIVEBLOG, build_ok, entry_md, make_site
from test_media import PROVIDER_LINKS, embeds_body, jpeg

AXE_JS = REPO_ROOT / ".tools/axe/node_modules/axe-core/axe.min.js"
WAIT = 10_000  # ms

# The hosts each provider's embed may ask (its frame, then what the frame loads).
PROVIDER_HOSTS = {
    "x": ("twitter.com", "x.com", "twimg.com"),
    "telegram": ("t.me", "telegram.org"),
    "bluesky": ("bsky.app", "bsky.social"),
    "mastodon": ("mastodon.social",),
    "instagram": ("instagram.com", "cdninstagram.com", "fbcdn.net"),
    "tiktok": ("tiktok.com", "tiktokcdn.com", "ttwstatic.com"),
    "facebook": ("facebook.com", "facebook.net", "fbcdn.net"),
    "youtube": ("youtube-nocookie.com", "youtube.com", "ytimg.com", "ggpht.com", "googlevideo.com"),
    "vimeo": ("vimeo.com", "vimeocdn.com"),
}


def _is_local(url: str) -> bool:
    return urlsplit(url).hostname == "127.0.0.1" or url.startswith(("data:", "about:", "blob:"))


def _of(provider: str, url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return any(host == h or host.endswith("." + h) for h in PROVIDER_HOSTS[provider])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("media-browser")
    entries = {"posts.md": entry_md("2025-03-22T09:30", embeds_body(), title="Posts from the field"),
               "photo.md": entry_md("2025-03-22T10:30", "A photo from the scene.\n\n![Crowd at the square](b.jpg)",
                                    title="The square", image="a.jpg", alt="Rescuers lift rubble",
                                    caption="Rescuers at work", credit="Photo desk")}
    site = make_site(root, DEFAULT_CONFIG, {"war": {"liveblog.yaml": DEFAULT_LIVEBLOG, **entries}},
                     {"static/a.jpg": jpeg(1600, 1200, orientation=6), "static/b.jpg": jpeg(900, 600)})
    return build_ok(site)


def _recording(page) -> list[str]:  # noqa: ANN001 - a Playwright page
    """Every URL the page (and its frames) asks for; anything off 127.0.0.1 is aborted."""
    page.emulate_media(reduced_motion="reduce")  # (no smooth scrolling under Playwright's clicks)
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.route("**/*", lambda route: route.continue_() if _is_local(route.request.url) else route.abort())
    return seen


def test_no_request_leaves_the_site_until_the_reader_asks(built: Path, page, static_server) -> None:  # noqa: ANN001
    seen = _recording(page)
    with static_server(built) as base:
        page.goto(base + "war/", wait_until="load")
        page.wait_for_selector(".embed__show:not([hidden])", timeout=WAIT)
        page.wait_for_timeout(500)
        assert seen and all(_is_local(url) for url in seen), [u for u in seen if not _is_local(u)]
        cards = page.locator("figure.embed")
        assert cards.count() == len(PROVIDER_LINKS)
        for index, provider in enumerate(PROVIDER_LINKS):
            before = len(seen)
            card = cards.nth(index)
            card.locator(".embed__show").focus()  # the keyboard, as many readers do (a mouse
            page.keyboard.press("Enter")  # click's point can land in the frame just opened above)
            card.locator("iframe.embed__frame").wait_for(state="attached", timeout=WAIT)
            page.wait_for_function(f"() => performance.now() > 0", timeout=WAIT)
            page.wait_for_timeout(300)
            new = [url for url in seen[before:] if not _is_local(url)]
            assert new, f"{provider}: pressing the button asked for nothing"
            assert all(_of(provider, url) for url in new), (provider, new)
            assert card.locator(".embed__show").is_hidden()


def test_without_javascript_cards_are_readable_and_link_to_the_posts(built: Path, chromium_browser,  # noqa: ANN001
                                                                    static_server) -> None:
    context = chromium_browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        seen = _recording(page)
        with static_server(built) as base:
            page.goto(base + "war/", wait_until="load")
            cards = page.locator("figure.embed")
            assert cards.count() == len(PROVIDER_LINKS)
            for index, url in enumerate(PROVIDER_LINKS.values()):
                card = cards.nth(index)
                assert card.locator("a.embed__link").get_attribute("href") == url
                assert card.locator("a.embed__link").is_visible() and card.locator("blockquote").is_visible()
                assert card.locator(".embed__show").is_hidden()  # no button that could do nothing
            assert not page.locator("iframe").count()
        assert all(_is_local(url) for url in seen)
    finally:
        context.close()


def test_pages_with_photos_and_cards_are_valid_and_accessible(built: Path, page, static_server, vnu) -> None:  # noqa: ANN001
    messages = vnu([built / "war/index.html", built / "war/entries/photo/index.html",
                    built / "war/entries/posts/index.html"])
    assert messages == [], format_vnu_messages(messages)
    if not AXE_JS.is_file():
        pytest.fail(f"axe-core not found at {AXE_JS}: run `bash scripts/install-test-tools.sh`", pytrace=False)
    _recording(page)
    with static_server(built) as base:
        for route in ("war/", "war/entries/photo/"):
            page.goto(base + route, wait_until="load")
            page.wait_for_selector(".embed__show:not([hidden]), .entry__figure", timeout=WAIT)
            page.evaluate(AXE_JS.read_text("utf-8") + "\n;void 0")  # (not a <script>: the pages' CSP refuses inline ones)
            result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
            violations = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
            assert violations == [], (route, violations)
