"""Stable pagination: the front page holds the newest `per_page` entries, older ones live
on `L/page/N/` numbered from the oldest, so older pages keep their bytes as entries arrive."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sitekit import (DEFAULT_CONFIG, build_ok, check_links, entry_md, html_page, make_site,
                     stream_ids, write)

CONFIG = DEFAULT_CONFIG + "per_page: 3\n"
LIVEBLOG = "title: Paged\ntopics:\n  odd: Odd ones\n"


def _entries(numbers) -> dict[str, str]:
    return {f"e{n:02d}.md": entry_md(f"2025-03-01T{n:02d}:00", f"Entry {n}.", title=f"Entry {n}",
                                     topics="[odd]" if n % 2 else "[]")
            for n in numbers}


@pytest.fixture(scope="module")
def paged(tmp_path_factory) -> Path:
    site = make_site(tmp_path_factory.mktemp("paged"), config=CONFIG, liveblogs={"l": {
        "liveblog.yaml": LIVEBLOG,
        "pin.md": entry_md("2025-03-01T00:30", "Pinned.", title="Pinned", pinned="true"),
        **_entries(range(1, 9)),
    }})
    build_ok(site)
    return site


def _ids(out: Path, route: str) -> list[str]:
    return stream_ids(html_page(out / route / "index.html"))


def test_front_page_has_pinned_then_newest_per_page(paged):
    assert _ids(paged / "output", "l") == ["pin", "e08", "e07", "e06"]


def test_older_pages_count_from_the_oldest(paged):
    out = paged / "output"
    assert _ids(out, "l/page/1") == ["e03", "e02", "e01"]
    assert _ids(out, "l/page/2") == ["e05", "e04"]
    assert not (out / "l/page/3").exists()


def test_every_entry_is_on_exactly_one_stream_page(paged):
    out = paged / "output"
    pages = ["l", *[p.parent.relative_to(out).as_posix() for p in (out / "l/page").glob("*/index.html")]]
    shown = [i for route in pages for i in _ids(out, route)]
    assert sorted(shown) == sorted(["pin", *[f"e{n:02d}" for n in range(1, 9)]])


def test_front_page_links_to_every_older_page(paged):
    out = paged / "output"
    front = out / "l/index.html"
    targets = {(front.parent / href.partition("#")[0]).resolve()
               for href in html_page(front).xpath("//a/@href") if "page/" in href}
    assert targets == {(out / "l/page/1").resolve(), (out / "l/page/2").resolve()}


def test_paginated_links_all_resolve(paged):
    checked, problems = check_links(paged / "output", "https://example.org/")
    assert problems == []


def test_topic_pages_paginate_too(paged):
    out = paged / "output"
    assert _ids(out, "l/topics/odd") == ["e07", "e05", "e03"]
    assert _ids(out, "l/topics/odd/page/1") == ["e01"]


def test_older_pages_keep_their_bytes_when_an_entry_arrives(paged, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(paged, site, symlinks=True)
    shutil.rmtree(site / "output")
    out = build_ok(site)
    before = (out / "l/page/1/index.html").read_bytes()
    write(site / "content/l/e09.md", entry_md("2025-03-01T09:00", "Entry 9.", title="Entry 9", topics="[odd]"))
    build_ok(site)
    assert _ids(out, "l") == ["pin", "e09", "e08", "e07"]
    assert _ids(out, "l/page/2") == ["e06", "e05", "e04"]
    assert (out / "l/page/1/index.html").read_bytes() == before
    # the topic's newest archive page was not full, so it takes the entry pushed off the front
    assert _ids(out, "l/topics/odd/page/1") == ["e03", "e01"]


def test_default_per_page_is_50(tmp_path):
    site = make_site(tmp_path, liveblogs={"l": {"liveblog.yaml": "title: Long\n", **{
        f"e{n:03d}.md": entry_md(f"2025-03-{1 + n // 24:02d}T{n % 24:02d}:00", f"Entry {n}.")
        for n in range(51)}}})
    out = build_ok(site)
    assert len(_ids(out, "l")) == 50
    assert _ids(out, "l/page/1") == ["e000"]


def _rendered_routes(site: Path, monkeypatch) -> list[str]:
    """The stream pages a build renders (not those it keeps because their inputs are
    unchanged); the test suite's verification, which renders every page, is off here."""
    from sitegen.render import renderer as render
    from sitegen.build.pipeline import build, default_options

    monkeypatch.delenv("SITEGEN_VERIFY_INPUTS", raising=False)
    seen: list[str] = []
    real = render.Renderer.page

    def page(self, spec):  # type: ignore[no-untyped-def]
        seen.append(spec.route)
        return real(self, spec)
    monkeypatch.setattr(render.Renderer, "page", page)
    build(default_options(site))
    monkeypatch.setattr(render.Renderer, "page", real)
    return sorted(r for r in seen if r.startswith("l/page/"))


def test_editing_an_archive_pages_oldest_entry_leaves_other_archive_pages_alone(paged, tmp_path, monkeypatch):
    """Each archive page's pager is labelled with its neighbours' oldest times: a new body
    for page 2's oldest entry (e04) changes page 2, and no other archive page."""
    site = tmp_path / "site"
    shutil.copytree(paged, site, symlinks=True)
    build_ok(site)
    write(site / "content/l/e04.md", entry_md("2025-03-01T04:00", "Entry 4, corrected.", title="Entry 4"))
    assert _rendered_routes(site, monkeypatch) == ["l/page/2/"]
    write(site / "content/l/e04.md", entry_md("2025-03-01T04:30", "Entry 4, later.", title="Entry 4"))
    assert _rendered_routes(site, monkeypatch) == ["l/page/1/", "l/page/2/"]  # page 1's pager label
    assert "4:30" in html_page(site / "output/l/page/1/index.html").xpath("string(//nav)")
