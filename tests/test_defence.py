"""Defence in depth for readers: a Content-Security-Policy in every page, static SVGs
that could run code refused, and manifest HTML inserted without running anything."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from sitegen.config.media_config import EmbedsConfig
from sitegen.media.embeds import frame_hosts
from sitekit import build, build_ok, entry_md, html_files, html_page, make_site, snapshot, write

LIVEBLOG = "title: Night\ndescription: Coverage.\ntopics:\n  t: T\n"
CONFIG = "title: Defence\nbase_url: https://example.org/news/\ntimezone: UTC\nlive:\n  poll_seconds: 1\n"
EMBED_FRAMES = [f"https://{host}" for host in frame_hosts(EmbedsConfig())]  # (frames only, after a click)
CLEAN_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>\n'


def _site(tmp_path: Path, config: str = CONFIG, files: dict[str, str] | None = None) -> Path:
    entries = {"liveblog.yaml": LIVEBLOG, "a.md": entry_md("2025-03-01T10:00", "First.", title="A", topics="[t]"),
               "b.md": entry_md("2025-03-01T11:00", "Second.", title="B")}
    return make_site(tmp_path, config, {"night": entries}, files=files)


def _policy(path: Path) -> dict[str, list[str]]:
    page = html_page(path)
    metas = page.xpath("//head/meta[@http-equiv='Content-Security-Policy']")
    assert len(metas) == 1, path
    assert page.xpath("//head/*[1]/@charset") == ["utf-8"]  # (the policy right after, before any script)
    return {d.split()[0]: d.split()[1:] for d in metas[0].get("content").split(";")}


# Pages sitegen.js adds live entries to: any provider's embed may arrive, so all are allowed.
LIVE_PAGES = ("night/index.html", "night/embed/index.html")


def test_every_page_allows_only_the_sites_own_scripts(tmp_path):
    out = build_ok(_site(tmp_path))
    pages = html_files(out)
    assert len(pages) > 5
    for path in pages:
        policy = _policy(path)
        assert policy["script-src"] == ["'self'"], path
        assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'self'"]
        live = path.relative_to(out).as_posix() in LIVE_PAGES
        # (no embed on the page: no frame at all, not even the site's own, which default-src would allow)
        assert policy["frame-src"] == (EMBED_FRAMES if live else ["'none'"]), path
        assert policy["style-src"] == ["'self'"]
        assert policy["default-src"] == ["'self'"]


YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
TOOT = "https://mastodon.social/@reporter/112233445566778899"


def _embedding_site(tmp_path: Path, status: str = "live") -> Path:
    """Four entries on two stream pages; `v` embeds a video, `m` a Mastodon post, both in topic t."""
    entries = {"liveblog.yaml": LIVEBLOG + f"status: {status}\n",
               "a.md": entry_md("2025-03-01T09:00", "Plain.", title="A", topics="[t]"),
               "v.md": entry_md("2025-03-01T10:00", f"Watch:\n\n{YOUTUBE}\n", title="V", topics="[t]",
                                key_event="true"),
               "m.md": entry_md("2025-03-01T11:00", f"{TOOT}\n", title="M", topics="[t]"),
               "z.md": entry_md("2025-03-01T12:00", "Newest.", title="Z")}
    return make_site(tmp_path, CONFIG + "per_page: 2\n", {"night": entries})


def test_a_page_that_gets_no_live_entries_allows_only_the_frames_of_its_own_embeds(tmp_path):
    out = build_ok(_embedding_site(tmp_path))
    video, toot = "https://www.youtube-nocookie.com", "https://mastodon.social"
    assert video in EMBED_FRAMES and toot in EMBED_FRAMES
    expected = {
        "night/entries/v/index.html": [video], "night/entries/m/index.html": [toot],
        "night/entries/a/index.html": ["'none'"], "night/entries/z/index.html": ["'none'"],
        "night/page/1/index.html": [video],  # (a and v; m and z are on the front page)
        "night/topics/t/index.html": [video, toot],  # (in the allow-list's order)
        "night/key-events/index.html": [video],
        "index.html": ["'none'"], "404.html": ["'none'"],
        "night/index.html": EMBED_FRAMES, "night/embed/index.html": EMBED_FRAMES,  # (live)
    }
    for route, frames in expected.items():
        assert _policy(out / route)["frame-src"] == frames, route
    assert html_page(out / "night/page/1/index.html").xpath("//figure[@data-embed-src]")  # (the card is there)


def test_an_ended_liveblogs_front_page_allows_only_its_own_embeds(tmp_path):
    out = build_ok(_embedding_site(tmp_path, status="ended"))
    assert _policy(out / "night/index.html")["frame-src"] == ["https://mastodon.social"]
    assert _policy(out / "night/embed/index.html")["frame-src"] == ["https://www.youtube-nocookie.com",
                                                                     "https://mastodon.social"]


def test_a_frame_address_off_the_allow_list_never_widens_the_policy():
    from sitegen.config.site_config import SiteConfig
    from sitegen.site.csp import content_security_policy, embedded_frames
    found = embedded_frames('<figure data-embed-src="https://evil.example/x">', 'data-embed-src="https://t.me/a/1"')
    assert found == {"https://evil.example", "https://t.me"}
    config = SiteConfig(title="x", base_url="https://example.org/")
    policy = dict(d.split(" ", 1) for d in content_security_policy(config, found).split("; "))
    assert policy["frame-src"] == "https://t.me"


def test_a_cached_rebuild_after_an_embed_comes_and_goes_writes_a_fresh_builds_policies(tmp_path):
    site = _embedding_site(tmp_path)
    build_ok(site)
    for body in (f"Now a video:\n\n{YOUTUBE}\n", "Plain again."):
        write(site / "content/night/a.md", entry_md("2025-03-01T09:00", body, title="A", topics="[t]"))
        cached = snapshot(build_ok(site))
        fresh = snapshot(build_ok(site, "--no-cache", output=tmp_path / "fresh"))
        assert cached == fresh
    assert _policy(site / "output/night/entries/a/index.html")["frame-src"] == ["'none'"]


@pytest.mark.parametrize("comments, scripts, frames", [
    ("provider: giscus\n  giscus_repo: a/b\n  giscus_repo_id: R\n  giscus_category: C\n  giscus_category_id: D",
     ["'self'", "https://giscus.app"], ["https://giscus.app"]),
    ("provider: coral\n  coral_url: https://talk.example.com/path",
     ["'self'", "https://talk.example.com"], ["https://talk.example.com"]),
    ("provider: disqus\n  disqus_shortname: night",
     ["'self'", "https://*.disqus.com", "https://*.disquscdn.com"], ["https://disqus.com", "https://*.disqus.com"]),
])
def test_the_configured_comment_provider_is_allowed_and_nothing_else(tmp_path, comments, scripts, frames):
    out = build_ok(_site(tmp_path, CONFIG + f"comments:\n  {comments}\n"))
    policy = _policy(out / "night/index.html")
    assert policy["script-src"] == scripts
    assert policy["frame-src"] == frames + EMBED_FRAMES
    assert _policy(out / "night/entries/a/index.html")["frame-src"] == frames  # (no embed on it)


def test_a_clean_static_svg_is_copied_as_it_is(tmp_path):
    out = build_ok(_site(tmp_path, files={"static/logo.svg": CLEAN_SVG}))
    assert (out / "logo.svg").read_text() == CLEAN_SVG


@pytest.mark.parametrize("svg, line, words", [
    ('<svg xmlns="http://www.w3.org/2000/svg">\n<script>alert(1)</script>\n</svg>', 2, "<script>"),
    ('<svg xmlns="http://www.w3.org/2000/svg"\n onload="alert(1)"/>', 2, "onload"),
    ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">\n\n'
     '<a xlink:href="javascript:alert(1)"><text>x</text></a></svg>', 3, "href"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><a>\n<animate attributeName="href" values="a;javascript:alert(1)"/>'
     '</a></svg>', 2, "values"),
    ('<svg xmlns="http://www.w3.org/2000/svg">\n<foreignObject><div xmlns="http://www.w3.org/1999/xhtml"/>'
     '</foreignObject></svg>', 2, "foreignObject"),
])
def test_a_static_svg_that_can_run_code_is_refused_at_its_line(tmp_path, svg, line, words):
    site = _site(tmp_path, files={"static/logo.svg": CLEAN_SVG})
    out = build_ok(site)
    before = snapshot(out)
    write(site / "static/logo.svg", svg)
    result = build(site)
    assert result.exit_code == 1 and result.exception is None
    located = [ln for ln in result.stderr.splitlines() if ln.startswith(f"{site / 'static/logo.svg'}:{line}: ")]
    assert located and words in located[0], result.stderr
    assert snapshot(out) == before
    again = build(site)  # (a refused file is not remembered as checked)
    assert again.exit_code == 1 and again.stderr == result.stderr
    assert snapshot(out) == before


# ------------------------------------------------------------------ in a browser

HOSTILE = ('<article class="entry" id="entry-zz" data-version="1"><header class="entry__meta">'
           '<time class="entry__time" datetime="2025-03-01T12:00:00+00:00">12:00</time></header><p>Poisoned</p>'
           '<img src="missing.png" onerror="window.__pwned=(window.__pwned||0)+1" alt="">'
           '<a href="javascript:window.__pwned=1" id="bad-link">link</a>'
           '<svg><a href="javascript:window.__pwned=1"><text>s</text></a><animate attributeName="href" '
           'values="javascript:window.__pwned=1"/></svg>'
           '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>'
           '<script>window.__pwned=1</script></article>')


def test_manifest_html_joins_the_page_without_handlers_or_scripts(tmp_path, page, static_server):
    site = _site(tmp_path)
    out = build_ok(site)
    manifest = out / "night/updates.json"
    with static_server(out) as base:
        page.goto(base + "night/")
        page.wait_for_selector(".sg-toolbar", state="attached")  # sitegen.js runs under the policy
        data = json.loads(manifest.read_text("utf-8"))
        data["entries"].insert(0, {**data["entries"][0], "id": "zz", "version": "1", "html": HOSTILE,
                                   "time": "2025-03-01T12:00:00+00:00"})
        data["count"] = len(data["entries"])
        data["front"] = ["zz", *data["front"]]
        data["updated"] = "2025-03-01T12:00:00+00:00"
        manifest.write_text(json.dumps(data), "utf-8")  # a manifest poisoned on its way
        later = time.time() + 5
        os.utime(manifest, (later, later))  # (the server's Last-Modified counts whole seconds)
        page.wait_for_selector("#entry-zz", state="attached", timeout=10_000)
        page.wait_for_timeout(500)
        found = page.evaluate("""() => {
            const el = document.getElementById('entry-zz');
            const attrs = [...el.querySelectorAll('*')].flatMap(e => [...e.attributes].map(a => a.name + '=' + a.value));
            return {pwned: window.__pwned || 0, scripts: el.querySelectorAll('script, animate').length,
                    attrs, text: el.querySelector('p').textContent};
        }""")
    assert found["pwned"] == 0
    assert found["scripts"] == 0
    assert found["text"] == "Poisoned"  # the entry itself is shown
    assert not [a for a in found["attrs"] if a.startswith(("on", "srcdoc")) or "javascript:" in a], found["attrs"]


def test_markup_that_slipped_into_a_page_cannot_run_script(tmp_path, page, static_server):
    site = _site(tmp_path)
    out = build_ok(site)
    path = out / "night/index.html"
    text = path.read_text("utf-8")
    path.write_text(text.replace("<p>First.</p>", '<p>First.</p><img src="nope.png" onerror="window.__pwned=1">'
                                                  '<script>window.__pwned=2</script>'), "utf-8")
    with static_server(out) as base:
        page.goto(base + "night/")
        page.wait_for_selector(".sg-toolbar", state="attached")  # the site's own script runs
        page.wait_for_timeout(300)
        assert page.evaluate("window.__pwned || 0") == 0
