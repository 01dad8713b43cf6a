"""A page's description (and a title-less entry's headline) is the start of its body's
text, read from a start of the body's HTML when that holds enough of it (site/views.py
`plain_text`): it must be what the whole HTML gives, cut the same way."""

from __future__ import annotations

import random

import pytest

from sitegen.core.text import truncate
from sitegen.markdown.renderer import MarkdownRenderer
from sitegen.site.views import _text_of, plain_text

PIECES = ["word ", "other words. ", "Caf\u00e9 ", "\u201cquoted\u201d ", "&amp; ", "&lt;b&gt; ", "&quot;x&quot; ",
          "&#8212; ", "&no", "tin; ", "&amp", "<em>", "</em>", "<strong>", "</strong>",
          "<a href=\"https://x.org/?a=1&amp;b=2\">", "</a>", "</p>\n<p>", "<br />\n", "<li>", "</li>\n",
          "<img src=\"p.png\" alt=\"a > b\" />", " < ", " > ", "<code>", "</code>", "<span title='a<b'>", "</span>",
          "\u00a0", "  ", "\n", "x" * 30, "<h4>", "</h4>"]


def _html(rng: random.Random) -> str:
    return "<p>" + "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 300))) + "</p>\n"


@pytest.mark.parametrize("limit", [80, 200, 500])
def test_a_cut_text_is_the_whole_texts_start_cut_the_same_way(limit: int) -> None:
    rng = random.Random(f"plain-text-{limit}")
    long_bodies = 0
    for _ in range(3000):
        body = _html(rng)
        assert plain_text(body, limit) == truncate(_text_of(body), limit), body
        long_bodies += len(body) > 2 * limit
    assert long_bodies > 500  # (bodies whose start is read alone, when plain enough)


@pytest.mark.parametrize("words", range(70, 90))
def test_a_character_reference_the_cut_would_split_is_read_whole(words: int) -> None:
    """`&no` + `<em>tin;</em>` is `&notin;` (∉) once the tag goes: a cut at the tag
    must not end the text with `&no`."""
    body = "<p>" + "<i></i>" * 5 + "w" * words + "&no<em>tin;</em> and more words, " * 3 + "</p>\n"
    assert plain_text(body, 80) == truncate(_text_of(body), 80)


def test_rendered_bodies_give_the_same_descriptions_either_way() -> None:
    markdown = MarkdownRenderer(allow_html=True)
    bodies = ["Para *one* with **bold** and [a link](https://example.org/a?b=1&c=2).\n\n" * 12,
              "- item &amp; more\n- `code <b>`\n\n> quote &copy; 2025 " * 20,
              "<div title=\"x > y\">raw & loose < html</div>\n\n" + "Text. " * 200]
    for body in bodies:
        html = markdown.render(body, "e")
        for limit in (80, 200, 500):
            assert plain_text(html, limit) == truncate(_text_of(html), limit)
