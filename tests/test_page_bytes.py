"""What each entry's <article> and an entry page's chrome carry, and nothing twice (issue 17).

An article is written ~4 times per entry (its page, a stream page, its topics' pages,
key events, updates.json), so every byte it repeats costs thousands of times over. It
names its entry once (`id="entry-E"`, which sitegen.js reads), its time once (the
`<time datetime>`, which sitegen.js reads) and its topics once (the topic links, whose
slugs sitegen.js reads), and the templates write no indentation.
"""

from __future__ import annotations

from pathlib import Path

import lxml.html

from sitekit import article, build_ok, entry_md, html_page, make_site

CONFIG = "title: Bytes\nbase_url: https://example.org/\ntimezone: UTC\nper_page: 2\n"
LIVEBLOG = "title: Night\ndescription: Coverage.\ntopics:\n  t: T\n  u: U\n"


def _site(tmp_path: Path) -> Path:
    entries = {
        "liveblog.yaml": LIVEBLOG,
        "a.md": entry_md("2025-03-01T09:00", "Plain.\n\n```\n  indented code\n```", title="A", topics="[t, u]"),
        "b.md": entry_md("2025-03-01T10:00", "Changed.", topics="[t]", updated="2025-03-01T10:30",
                         correction='"It said *ten*."', key_event="true", pinned="true",
                         author="Ann", source="{name: Wire, url: 'https://wire.example/1'}"),
        "c.md": entry_md("2025-03-01T11:00", "Newer."),
        "d.md": entry_md("2025-03-01T12:00", "Newest.", topics="[u]"),
    }
    return make_site(tmp_path, CONFIG, {"night": entries})


def test_an_article_names_its_entry_and_its_time_once(tmp_path):
    out = build_ok(_site(tmp_path))
    for route in ("night/index.html", "night/page/1/index.html", "night/topics/t/index.html",
                  "night/entries/b/index.html", "night/key-events/index.html"):
        page = html_page(out / route)
        arts = page.xpath("//article[starts-with(@id, 'entry-')]")
        assert arts, route
        for art in arts:
            assert set(art.attrib) == {"class", "id", "data-version"}, (route, dict(art.attrib))
            assert art.get("data-version")
            [time] = art.xpath("./header/time[@class='entry__time']/@datetime")
            assert time.startswith("2025-03-01T")
    b = article(html_page(out / "night/index.html"), "b")
    assert b.xpath("./header/time[@class='entry__time']/@datetime") == ["2025-03-01T10:00:00+00:00"]
    assert b.xpath(".//span[@class='entry__updated']/time/@datetime") == ["2025-03-01T10:30:00+00:00"]
    assert b.xpath(".//ul[@class='entry__topics']//a/@href") == ["../night/topics/t/"]  # (sitegen.js's topics)


def _whitespace_between_elements(node: lxml.html.HtmlElement, skip: tuple[str, ...]) -> list[str]:
    """Every whitespace-only text between elements under `node`, leaving out the entries'
    own text (bodies, corrections) and elements whose whitespace is content."""
    found = []
    for el in node.iter():
        if not isinstance(el.tag, str) or el.tag in ("pre", "script", "style", "textarea"):
            continue
        if any(el.xpath(f"ancestor-or-self::*[contains(concat(' ', @class, ' '), ' {c} ')]") for c in skip):
            continue
        for text in (el.text, el.tail if el is not node else None):
            if text and not text.strip():
                found.append(text)
    return found


def test_articles_and_the_entry_page_chrome_carry_no_indentation(tmp_path):
    out = build_ok(_site(tmp_path))
    own_text = ("entry__body",)
    entry_page = html_page(out / "night/entries/b/index.html")
    # A line break between blocks, a space between words: no indentation, no blank lines.
    pieces = _whitespace_between_elements(entry_page, own_text)
    assert "\n" in pieces and set(pieces) <= {"\n", " "}, set(pieces)
    for route in ("night/index.html", "night/topics/t/index.html"):
        for art in html_page(out / route).xpath("//article[starts-with(@id, 'entry-')]"):
            assert set(_whitespace_between_elements(art, own_text)) <= {"\n", " "}, route
    # What is content keeps its whitespace: the body's code block, the visible byline and time.
    a = article(entry_page.getroottree().getroot(), "b")
    assert " " in a.xpath("string(.//time[@class='entry__time'])")
    code = article(html_page(out / "night/entries/a/index.html"), "a").xpath("string(.//pre)")
    assert code == "  indented code\n"
