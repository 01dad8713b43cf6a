"""Right to left in a real browser: an Arabic liveblog beside an English one, at a
phone's and a desktop's width. The page is marked rtl, the aside (key events, topic
index) sits on the right at 1280 px, nothing overflows at 375 px, axe-core finds no
serious or critical problem, and the Nu Html Checker none at all. Screenshots are kept
in the test's folder for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import AXE_JS, INSTALL_HINT, format_vnu_messages
from sitekit import build_ok, entry_md, make_site

CONFIG = """\
title: الموقع
base_url: https://example.org/news/
timezone: Asia/Gaza
language: ar
per_page: 4
publisher:
  name: Qwzx Media
  logo: logo.svg
"""
ARABIC = """\
title: تغطية مباشرة لأحداث غزة
description: آخر المستجدات لحظة بلحظة مع فريق المراسلين
summary: "- وقف إطلاق النار صامد منذ الصباح\\n- المعابر مفتوحة جزئيًا"
topics:
  aid: المساعدات الإنسانية
  talks: المفاوضات
  health: الصحة
"""
ENGLISH = """\
title: Live coverage in English
language: en
topics:
  aid: Aid
"""


def _entries() -> dict[str, str]:
    bodies = ["وصلت قافلة تضم **40 شاحنة** إلى المعبر صباح اليوم، وفق الأمم المتحدة (UN OCHA).",
              "قال المتحدث باسم الوزارة إن المفاوضات ستُستأنف في القاهرة يوم الأحد.",
              "أعلنت منظمة الصحة العالمية WHO عن إرسال فرق طبية إضافية إلى المستشفيات."]
    found = {}
    for n in range(9):
        fields = {"title": f"عنوان التحديث رقم {n}", "topics": "[aid, talks]" if n % 2 else "[health]",
                  "author": "Jane Doe"}
        if n in (2, 6):
            fields["key_event"] = "true"
        if n == 0:
            fields["pinned"] = "true"
        found[f"e{n}.md"] = entry_md(f"2025-03-24T{8 + n:02d}:1{n}", bodies[n % 3], **fields)
    return found


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = make_site(tmp_path_factory.mktemp("rtl"), config=CONFIG,
                     liveblogs={"gaza": {"liveblog.yaml": ARABIC, **_entries()},
                                "english": {"liveblog.yaml": ENGLISH, "a.md": entry_md("2025-03-24T09:00", "Hello.",
                                                                                       title="Aid arrives",
                                                                                       topics="[aid]")}},
                     files={"static/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>'})
    return build_ok(site)


@pytest.fixture(scope="module")
def base(output: Path, static_server):
    with static_server(output) as url:
        yield url


def _open(page, url: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(url)
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).display") != "inline"


@pytest.fixture
def axe_page(chromium_browser):
    """A page whose context may inject axe-core (the pages' Content-Security-Policy
    allows no injected script)."""
    context = chromium_browser.new_context(bypass_csp=True)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_the_arabic_page_mirrors_and_passes_axe(axe_page, base: str, width: int, tmp_path: Path) -> None:
    page = axe_page
    _open(page, base + "gaza/", width)
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    page.screenshot(path=str(tmp_path / f"arabic-{width}.png"), full_page=True)
    if width == 1280:
        aside = page.locator(".liveblog-aside").bounding_box()
        stream = page.locator(".stream").bounding_box()
        assert stream["x"] + stream["width"] <= aside["x"], ("the aside is not on the right", aside, stream)
        for box in (".key-events", ".topic-index"):
            found = page.locator(box).bounding_box()
            assert found["x"] >= aside["x"] - 1 and found["x"] + found["width"] > width / 2, (box, found)
        chip = page.locator(".badge--key").first.bounding_box()  # badges follow the time, on its left
        clock = page.locator(".entry--key .entry__time").first.bounding_box()
        assert chip["x"] < clock["x"]
    else:
        wide = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert wide[0] <= wide[1], f"horizontal overflow at {width}px: {wide}"
    if not AXE_JS.is_file():
        pytest.fail(f"axe-core not found at {AXE_JS}: {INSTALL_HINT}", pytrace=False)
    page.add_script_tag(path=str(AXE_JS))
    violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
        .violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))""")
    assert violations == []


def test_the_script_speaks_the_page_language(page, base: str) -> None:
    _open(page, base + "gaza/", 1280)
    page.wait_for_selector(".sg-toolbar")
    assert page.locator(".sg-order").inner_text() == "الأقدم أولًا"
    labels = page.evaluate("[...document.querySelectorAll('.sg-toolbar label')].map(l => l.textContent.trim())")
    assert any(label.startswith("الموضوع") for label in labels) and any("أبرز الأحداث فقط" in x for x in labels)
    _open(page, base + "english/", 1280)
    page.wait_for_selector(".sg-toolbar")
    assert page.locator(".sg-order").inner_text() == "Oldest first"
    assert page.evaluate("document.documentElement.dir") == "ltr"


def test_two_languages_side_by_side_are_valid_html(output: Path, vnu) -> None:
    pages = [output / p for p in ("index.html", "404.html", "gaza/index.html", "gaza/page/1/index.html",
                                  "gaza/topics/aid/index.html", "gaza/entries/e3/index.html",
                                  "gaza/key-events/index.html", "english/index.html")]
    errors = [m for m in vnu(pages) if m.get("type") == "error"]
    assert errors == [], format_vnu_messages(errors)
