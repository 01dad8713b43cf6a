"""The default theme on the built sample site: valid HTML, a layout that holds from
320 px to desktop, and the accessibility basics (landmarks, headings, alt text,
contrast, focus, motion, no-JavaScript reading).

The sample site is built once per module into a temporary folder; browser tests
share one static server. Assertions are on parsed HTML or on what Chromium laid out.
"""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from helpers import format_vnu_messages
from sitegen.build.pipeline import BuildOptions, build

REPO_ROOT = Path(__file__).resolve().parent.parent
LIVEBLOG = "ukraine-war/"
TOPIC = "ukraine-war/topics/energy-ceasefire/"
# Pages that work from any static server root (404.html links from base_url's path).
BROWSER_PAGES = (LIVEBLOG, TOPIC, "", LIVEBLOG + "key-events/", LIVEBLOG + "embed/", "authors/olena-marchenko/")
HEADINGS = "//*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6]"
NOT_IN_BODY = "[not(ancestor::*[contains(concat(' ', normalize-space(@class), ' '), ' entry__body ')])]"


@pytest.fixture(scope="module")
def site_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("theme") / "output"
    build(BuildOptions(REPO_ROOT, output, use_cache=False))
    return output


@pytest.fixture(scope="module")
def site_url(site_output: Path, static_server):
    with static_server(site_output) as url:
        yield url


def html_pages(output: Path) -> list[Path]:
    return sorted(output.rglob("*.html"))


def open_page(page, url: str, width: int, height: int = 900) -> None:
    """Load a page at a viewport width with every lazy image loaded, and make sure the
    theme's stylesheet applied (an unstyled page would pass layout checks by accident)."""
    page.set_viewport_size({"width": width, "height": height})
    page.goto(url)
    page.evaluate("""() => Promise.all([...document.images].map(img => {
        img.loading = 'eager';
        return img.complete ? null : new Promise(done => { img.onload = img.onerror = done; });
    }))""")
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).display") != "inline", \
        "the theme stylesheet did not apply"


# ---------------------------------------------------------------- validity


def test_nu_html_checker_reports_no_errors_on_any_page(site_output: Path, vnu) -> None:
    pages = html_pages(site_output)
    names = {p.relative_to(site_output).as_posix() for p in pages}
    assert {"index.html", "404.html", LIVEBLOG + "index.html", TOPIC + "index.html"} <= names
    messages = vnu(pages)
    assert messages == [], format_vnu_messages(messages)


# ---------------------------------------------------------------- a11y facts from the HTML


def page_problems(path: Path) -> list[str]:
    """Accessibility facts every page must have, checked on the parsed document."""
    doc = lxml.html.parse(str(path)).getroot()
    body = doc.find("body")
    problems = []
    if not (doc.get("lang") or "").strip():
        problems.append("<html> has no lang")
    if len(doc.xpath("//h1")) != 1:
        problems.append(f"{len(doc.xpath('//h1'))} <h1> elements, want exactly 1")
    levels = [int(h.tag[1]) for h in doc.xpath(HEADINGS + NOT_IN_BODY)]
    if levels and levels[0] != 1:
        problems.append(f"first heading is h{levels[0]}, not h1")
    for before, after in zip(levels, levels[1:]):
        if after > before + 1:
            problems.append(f"heading level skips from h{before} to h{after}")
    for img in doc.xpath("//img[not(@alt)]"):
        problems.append(f"<img src={img.get('src')!r}> has no alt")
    for link in doc.xpath("//a"):
        if not (link.text_content().strip() or (link.get("aria-label") or "").strip()):
            problems.append(f"link to {link.get('href')!r} has no accessible name")
    if len(doc.xpath("//main")) != 1:
        problems.append("want exactly one <main>")
    if not body.xpath("./header") or not body.xpath("./footer"):
        problems.append("page has no banner (<body> > <header>) or contentinfo (<body> > <footer>)")
    first_link = body.xpath(".//a")[0]
    target = doc.xpath("//*[@id=$id]", id=(first_link.get("href") or "").removeprefix("#"))
    inside_main = bool(target) and bool(target[0].xpath("ancestor-or-self::main"))
    if "skip-link" not in first_link.classes or not inside_main:
        problems.append("the first link is not a skip link to <main> (or to the stream inside it)")
    return problems


def test_every_page_has_lang_one_h1_ordered_headings_alt_text_and_landmarks(site_output: Path) -> None:
    failures = {p.relative_to(site_output).as_posix(): page_problems(p) for p in html_pages(site_output)}
    assert {name: found for name, found in failures.items() if found} == {}


def test_liveblog_page_has_its_navigation_landmarks(site_output: Path) -> None:
    doc = lxml.html.parse(str(site_output / LIVEBLOG / "index.html")).getroot()
    labelled = {doc.get_element_by_id(n.get("aria-labelledby")).text_content().strip()
                for n in doc.xpath("//main//nav[@aria-labelledby]")}
    assert {"Key events", "Topics"} <= labelled
    assert doc.xpath("//main//aside[.//nav]"), "key events and topics sit in an <aside>"
    # The comment block closes the page: nothing of the stream follows it.
    comments = doc.get_element_by_id("comments")
    assert comments.xpath("following::article") == []


# ---------------------------------------------------------------- layout in Chromium


@pytest.mark.parametrize("width", [320, 375])
@pytest.mark.parametrize("path", BROWSER_PAGES)
def test_no_horizontal_page_overflow_on_phones(page, site_url: str, path: str, width: int) -> None:
    open_page(page, site_url + path, width)
    scroll_width, inner_width, wide = page.evaluate("""() => [
        document.documentElement.scrollWidth, innerWidth,
        [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > innerWidth + 0.5
                          && !el.closest('.entry__body table, .entry__body pre'))
            .slice(0, 5).map(el => el.tagName + '.' + el.className)]""")
    assert scroll_width <= inner_width, f"page is {scroll_width}px wide at {width}px: {wide}"


def test_wide_screen_puts_stream_and_sticky_aside_side_by_side(page, site_url: str) -> None:
    open_page(page, site_url + LIVEBLOG, 1280)
    aside = page.locator(".liveblog-aside").bounding_box()
    stream = page.locator(".stream").bounding_box()
    assert aside["x"] + aside["width"] <= stream["x"], (aside, stream)
    assert aside["y"] < stream["y"] + stream["height"] and stream["y"] < aside["y"] + aside["height"]
    assert stream["width"] >= 600, "the stream column is too narrow to read"
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight / 2)")
    scrolled = page.locator(".liveblog-aside").bounding_box()
    assert 0 <= scrolled["y"] < 900, f"the aside scrolled away instead of sticking: {scrolled}"


def test_phone_layout_is_one_column_with_key_events_above_the_stream(page, site_url: str) -> None:
    open_page(page, site_url + LIVEBLOG, 375)
    key_events = page.locator(".key-events").bounding_box()
    stream = page.locator(".stream").bounding_box()
    assert key_events["y"] + key_events["height"] <= stream["y"]
    # one column: the (folded) box lies within the stream's width, not beside it
    assert stream["x"] - 1 <= key_events["x"] and key_events["x"] + key_events["width"] <= stream["x"] + stream["width"] + 1


# ---------------------------------------------------------------- contrast, focus, motion, no JS

CONTRAST_JS = """() => {
  const rgba = c => { const m = c.match(/rgba?\\(([^)]*)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(parseFloat);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, under) => { const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + under[i] * (1 - a)).concat([1]); };
  const background = el => { const layers = [];
    for (let node = el; node; node = node.parentElement) {
      const bg = rgba(getComputedStyle(node).backgroundColor);
      if (bg && bg[3] > 0) { layers.push(bg); if (bg[3] >= 1) break; } }
    let colour = [255, 255, 255, 1];
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour; };
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const failures = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    if (box.width <= 1 || box.height <= 1 || style.visibility !== 'visible') continue;
    const bg = background(el), fg = over(rgba(style.color), bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
    const need = size >= 24 || (size >= 18.66 && bold) ? 3 : 4.5;
    if (ratio < need) failures.push(`${el.tagName}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)} < ${need}`);
  }
  return failures;
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_all_text_meets_wcag_aa_contrast(page, site_url: str, scheme: str) -> None:
    page.emulate_media(color_scheme=scheme)
    failures = {}
    for path in BROWSER_PAGES:
        open_page(page, site_url + path, 1280)
        failures[path] = page.evaluate(CONTRAST_JS)
    assert {path: found for path, found in failures.items() if found} == {}


def test_keyboard_user_gets_a_skip_link_and_visible_focus(page, site_url: str) -> None:
    open_page(page, site_url + LIVEBLOG, 375)
    page.keyboard.press("Tab")
    skip = page.evaluate("""() => { const el = document.activeElement, box = el.getBoundingClientRect();
        return [el.className, box.top >= 0 && box.bottom <= innerHeight && box.width > 1,
                getComputedStyle(el).outlineStyle]; }""")
    assert skip == ["skip-link", True, "solid"]
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "stream"  # past the sidebar, to the updates
    page.keyboard.press("Tab")
    outline = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [document.activeElement.tagName, s.outlineStyle, parseFloat(s.outlineWidth)]; }""")
    assert outline[0] in ("A", "SUMMARY", "BUTTON", "SELECT") and outline[1] != "none" and outline[2] >= 2, outline


@pytest.mark.parametrize("motion, animation", [("no-preference", "sitegen-pulse"), ("reduce", "none")])
def test_live_badge_pulses_unless_the_reader_asks_for_less_motion(page, site_url: str, motion: str,
                                                                   animation: str) -> None:
    page.emulate_media(reduced_motion=motion)
    open_page(page, site_url + LIVEBLOG, 1280)
    name = page.evaluate("getComputedStyle(document.querySelector('.liveblog-header .badge--live'), "
                         "'::before').animationName")
    assert name == animation


def test_page_reads_in_full_with_javascript_off(chromium_browser, site_output: Path, site_url: str) -> None:
    context = chromium_browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    try:
        page = context.new_page()
        page.goto(site_url + LIVEBLOG)
        doc = lxml.html.parse(str(site_output / LIVEBLOG / "index.html")).getroot()
        ids = doc.xpath("//article[contains(@class, 'entry')]/@id")
        assert len(ids) >= 12
        # (#comments shows nothing without a comment provider: see test_forgiving_pages.py)
        for anchor in ids + ["key-events-heading", "topics-heading"]:
            box = page.locator(f"#{anchor}").bounding_box()
            assert box and box["height"] > 0, f"#{anchor} is not shown without JavaScript"
    finally:
        context.close()
