"""`L/updates.json`: content, order, removed ids, size bound, stability (issue 4)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import lxml.html

from sitegen.config.site_config import SiteConfig
from sitegen.i18n import bundled
from sitegen.site.live import MAX_REMOVED, manifest, encode, read_previous
from sitegen.model.site import Entry, Liveblog, Site, SourceRef
from sitegen.site.plan import SitePlan
from sitekit import article, build_ok, entry_md, html_page, make_site, write

CONFIG = """\
title: Test Site
base_url: https://example.org/news/
timezone: UTC
per_page: 4
live:
  poll_seconds: 7
  manifest_entries: 3
"""

LIVEBLOG = """\
title: Test liveblog
description: A liveblog for tests.
topics:
  energy: Energy talks
"""


def _entries(count: int, **extra: str) -> dict[str, str]:
    files = {"liveblog.yaml": LIVEBLOG}
    for n in range(1, count + 1):
        files[f"e{n:02d}.md"] = entry_md(f"2025-03-01T{n:02d}:00", f"Entry {n} body.", title=f"Entry {n}")
    files.update(extra)
    return files


def _manifest(out: Path, slug: str = "l") -> dict:
    return json.loads((out / slug / "updates.json").read_bytes())


def test_manifest_holds_the_newest_entries_as_the_front_page_renders_them(tmp_path):
    pinned = entry_md("2025-02-01T08:00", "Read this first.", title="Pinned", pinned="true")
    site = make_site(tmp_path, CONFIG, {"l": _entries(6, **{"pin.md": pinned})})
    out = build_ok(site)
    data = _manifest(out)

    assert data["format"] == 1 and data["liveblog"] == "l"
    assert data["status"] == "live" and data["poll_seconds"] == 7
    assert data["count"] == 7
    # Newest first by time; the pinned entry is always included (it tops the page).
    assert [e["id"] for e in data["entries"]] == ["e06", "e05", "e04", "pin"]
    assert data["front"] == ["pin", "e06", "e05", "e04", "e03"]
    assert data["removed"] == []
    assert data["updated"] == "2025-03-01T06:00:00+00:00"
    first = data["entries"][0]
    assert first["time"] == "2025-03-01T06:00:00+00:00" and first["updated"] is None
    assert first["pinned"] is False and data["entries"][-1]["pinned"] is True

    page = html_page(out / "l/index.html")
    for item in data["entries"]:
        fragment = lxml.html.fragment_fromstring(item["html"])
        on_page = article(page, item["id"])
        assert lxml.html.tostring(fragment) == lxml.html.tostring(on_page, with_tail=False)
        assert fragment.get("data-version") == item["version"]


def test_an_edit_changes_the_version_and_updated_time(tmp_path):
    site = make_site(tmp_path, CONFIG, {"l": _entries(3)})
    before = {e["id"]: e for e in _manifest(build_ok(site))["entries"]}
    write(site / "content/l/e02.md", entry_md("2025-03-01T02:00", "Corrected body.", title="Entry 2",
                                              updated="2025-03-01T09:30"))
    after = {e["id"]: e for e in _manifest(build_ok(site))["entries"]}
    assert after["e02"]["version"] != before["e02"]["version"]
    assert after["e02"]["updated"] == "2025-03-01T09:30:00+00:00"
    assert after["e03"]["version"] == before["e03"]["version"]
    assert "Corrected body." in lxml.html.fragment_fromstring(after["e02"]["html"]).text_content()


def test_a_recent_correction_to_an_older_entry_is_included(tmp_path):
    old = entry_md("2025-03-01T01:00", "Fixed.", title="Entry 1", updated="2025-03-02T10:00")
    site = make_site(tmp_path, CONFIG, {"l": _entries(6, **{"e01.md": old})})
    ids = [e["id"] for e in _manifest(build_ok(site))["entries"]]
    assert ids == ["e06", "e05", "e04", "e01"]


def test_removed_ids_are_reported_and_carried_forward(tmp_path):
    site = make_site(tmp_path, CONFIG, {"l": _entries(6)})
    out = build_ok(site)
    (site / "content/l/e06.md").unlink()  # newest: in `entries`
    (site / "content/l/e03.md").unlink()  # on the front page only: in `front`
    first = _manifest(build_ok(site))
    assert first["removed"] == ["e06", "e03"]
    assert "e06" not in [e["id"] for e in first["entries"]]

    # A later build still reports them (a reader may have skipped a build)...
    write(site / "content/l/e07.md", entry_md("2025-03-01T07:00", "New.", title="Entry 7"))
    second = _manifest(build_ok(site))
    assert second["removed"] == ["e06", "e03"]
    # ...and an unchanged rebuild rewrites nothing.
    before = (out / "l/updates.json").read_bytes()
    assert (build_ok(site) / "l/updates.json").read_bytes() == before

    # An id that comes back is no longer removed.
    write(site / "content/l/e06.md", entry_md("2025-03-01T06:00", "Back.", title="Entry 6"))
    assert _manifest(build_ok(site))["removed"] == ["e03"]


def test_a_damaged_previous_manifest_means_no_previous_build(tmp_path):
    site = make_site(tmp_path, CONFIG, {"l": _entries(2)})
    out = build_ok(site)
    for junk in (b"\x00\xff not json", b'{"format": 1, "liveblog": "l", "front": [1, null, "../x", "ok-id"]}',
                 b"[]", b'{"format": 99, "liveblog": "l", "front": ["e01"]}'):
        (out / "l/updates.json").write_bytes(junk)
        data = _manifest(build_ok(site))
        assert data["removed"] == (["ok-id"] if b"ok-id" in junk else [])
        assert [e["id"] for e in data["entries"]] == ["e02", "e01"]


def test_an_ended_liveblog_tells_open_pages_to_stop(tmp_path):
    ended = LIVEBLOG + "status: ended\n"
    site = make_site(tmp_path, CONFIG, {"l": {**_entries(2), "liveblog.yaml": ended}})
    out = build_ok(site)
    assert _manifest(out)["status"] == "ended"
    stream = html_page(out / "l/index.html").xpath("//*[@data-entry-pages]")[0]
    assert stream.get("data-live-url") is None


def test_only_the_live_front_page_polls(tmp_path):
    site = make_site(tmp_path, CONFIG, {"l": _entries(9, **{"e01.md": entry_md(
        "2025-03-01T01:00", "x", title="Entry 1", topics="[energy]")})})
    out = build_ok(site)
    base = "https://example.org/news/"
    front = html_page(out / "l/index.html").xpath("//*[@data-entry-pages]")[0]
    assert urljoin(base + "l/", front.get("data-live-url")) == base + "l/updates.json"
    assert front.get("data-live-poll") == "7"
    assert urljoin(base + "l/", front.get("data-entry-pages")) == base + "l/entries/"
    for other in ("l/page/1/", "l/topics/energy/"):
        stream = html_page(out / other / "index.html").xpath("//*[@data-entry-pages]")[0]
        assert stream.get("data-live-url") is None
        assert urljoin(base + other, stream.get("data-entry-pages")) == base + "l/entries/"


# --- the size bound, on the model directly (no 5,000 files to parse) ---------------

def _site(count: int) -> Site:
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    entries = tuple(
        Entry(id=f"e{n:06d}", time=start + timedelta(minutes=n), title=f"Entry {n:06d}", topics=(),
              author=None, pinned=False, key_event=False, draft=False, image=None, caption=None,
              credit=None, source=None, updated=None, body_html="<p>b</p>",
              digest=f"{n:064d}", origin=SourceRef(Path("x.md"), 1))
        for n in range(count, 0, -1))
    english = bundled().lang("en")
    liveblog = Liveblog("l", "L", "", "live", ZoneInfo("UTC"), (), entries, SourceRef(Path("l.yaml"), 1), english)
    return Site(SiteConfig(title="T", base_url="https://example.org/"), (liveblog,), english)


def _fragment(entry: Entry, liveblog: Liveblog, links: object) -> str:
    return f'<article id="entry-{entry.id}">{"x" * 1500}</article>'


def _size(count: int) -> int:
    site = _site(count)
    return len(encode(manifest(site, SitePlan(site), site.liveblogs[0], _fragment, None)))


def test_the_manifest_does_not_grow_with_the_liveblog():
    small, large, larger = _size(15), _size(5_000), _size(20_000)
    assert large <= 1.5 * small  # 20 entries instead of 15, and the front page's ids
    assert abs(larger - large) <= 2  # bounded: only the digits of `count` differ


def test_removed_ids_are_capped():
    previous = {"known": [f"gone{n}" for n in range(MAX_REMOVED * 3)], "removed": []}
    site = _site(3)
    data = manifest(site, SitePlan(site), site.liveblogs[0], _fragment, previous)
    assert data["removed"] == [f"gone{n}" for n in range(MAX_REMOVED)]


def test_read_previous_ignores_other_liveblogs_and_huge_files(tmp_path):
    path = tmp_path / "updates.json"
    path.write_text(json.dumps({"format": 1, "liveblog": "other", "front": ["a"]}))
    assert read_previous(path, "l") is None
    assert read_previous(tmp_path / "missing.json", "l") is None
    path.write_text(json.dumps({"format": 1, "liveblog": "l", "front": ["a"], "removed": ["b"],
                                "entries": [{"id": "c"}, "junk"]}))
    assert read_previous(path, "l") == {"known": ["c", "a"], "removed": ["b"]}
