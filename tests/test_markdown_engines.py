"""The optional accelerator (markdown-it-pyrs) must give markdown-it-py's exact bytes.

Differential tests: every body the gate in sitegen/fastmd.py lets through is rendered
by both engines and compared byte for byte: hand cases for each feature the site
uses, the sample site's bodies, generated benchmark bodies and a seeded fuzz corpus.
Known differences must be declined (and still come out right through markdown-it-py),
and the fallback must hold when markdown-it-pyrs is missing or fails.

markdown-it-pyrs is in the `test` extra: if it is missing these tests FAIL rather than
skip, so CI can never go green without proving the identity. The one exception is a
Python that markdown-it-pyrs 0.4 publishes no wheel for (3.13 and later: the extras
leave it out there, so sitegen never uses it): the tests that need it skip, saying so.
"""

from __future__ import annotations

import html.entities
import importlib.util
import json
import multiprocessing
import random
import subprocess
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Callable

import pytest

from sitegen.core import forking
from sitegen.markdown import fastmd
from sitegen.incremental.bodies import CachedBodies
from sitegen.incremental.cache import Cache
from sitegen.markdown.renderer import HEADING_OFFSET, MarkdownRenderer
from sitegen.source.files import load_yaml_file, split_markdown
from sitegen.core.text import clean_text

ROOT = Path(__file__).resolve().parent.parent
WITHOUT_WHEELS = (3, 13)  # (the marker on markdown-it-pyrs in pyproject.toml's extras)


@pytest.fixture(scope="module")
def fast() -> fastmd.FastRenderer:
    engine = fastmd.load(HEADING_OFFSET)
    if engine is None and sys.version_info >= WITHOUT_WHEELS:
        pytest.skip(f"markdown-it-pyrs 0.4 has no wheel for Python {sys.version_info.major}."
                    f"{sys.version_info.minor}: not installed, and never used there")
    if engine is None:
        pytest.fail("markdown-it-pyrs is not installed: pip install -e '.[test]'")
    return engine


@pytest.fixture(scope="module")
def reference() -> MarkdownRenderer:
    return MarkdownRenderer(allow_html=False, accelerate=False)


def generated_bodies(count: int) -> list[str]:
    """Bodies of the benchmark generator, split from their files as a build does."""
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = generate  # dataclasses look their module up
    spec.loader.exec_module(generate)
    texts = [generate.entry_markdown(generate.make_entry(i)) for i in range(count)]
    return [clean_text(split_markdown(Path("entry.md"), text).body) for text in texts]


def sample_bodies() -> list[str]:
    """Every entry body of the sample site (content/), front matter split off."""
    found = []
    for path in sorted((ROOT / "content").rglob("*")):
        if path.suffix == ".md":
            found.append(split_markdown(path).body)
        elif path.suffix == ".yaml" and isinstance(data := load_yaml_file(path), list):
            found += [str(item["body"]) for item in data if "body" in item]
    return [clean_text(body) for body in found]


# -- Hand cases: each feature the site uses, taken by the fast path ------------------

FEATURES: dict[str, list[str]] = {
    "paragraphs": ["Hello world.", "One line\nsoft break\n", "Para one.\n\nPara two.\n\n\n\nThree.",
                   "   leading spaces", "trailing spaces   ", "é “curly” — dashes … Київ 1,250 m²\n"],
    "emphasis": ["*em* **strong** ***both***", "_em_ __strong__ ___both___", "**bold *em* inside**",
                 "snake_case_word and 2*3*4", "*unclosed and **half", "“*quoted em*” and *“inside”*",
                 "intra**word**bold", "**a*b***"],
    "links": ["[site](https://example.org/a/b?x=1&y=2#frag)", '[t](https://example.org "Title")',
              "[t](https://example.org 'Title')", "[t](https://example.org (Title))",
              '[ref][r]\n\n[r]: https://example.org/r "R title"', "[Ref]\n\n[ref]: /relative",
              "[collapsed][]\n\n[collapsed]: #x", "[a](/path(with)parens)", "[AT&T](http://att.com)",
              "[q](https://example.org/?q=a&amp;b=c)", "[*em* **strong**](http://x.org)",
              "[a](http://a.com/a%20b) [b](mailto:desk@example.org) [c](#anchor) [](http://e.org)"],
    "images": ["![A photo](https://example.org/p.png)", '![Alt](p.png "Title")', "![Alt](p.png 'T')",
               "[![Alt](i.png)](https://example.org)", '![ref][img]\n\n[img]: /i.png "T"',
               "![](empty-alt.png)", "![nested ![b](y) c](x)", "text\n\n![Alt](p.png)\n\nmore"],
    "lists": ["- a\n- b\n- c", "* a\n* b", "+ a\n+ b", "1. one\n2. two\n3. three", "3. three\n4. four",
              "1) a\n2) b", "- a\n  - nested\n    - deeper\n- b", "- loose\n\n- list",
              "- item\n\n  second paragraph\n- next", "1. a\n   - b\n2. c", "Para\n- list interrupts",
              "Para\n2. does not interrupt", "1. same\n1. marker\n1. again"],
    "blockquotes": ["> quote", "> line one\n> line two", "> “Quote”\n>\n> — Author", "> a\n> > nested",
                    "> - list in quote\n> - b", "> # heading in quote", "> quote\n\nafter"],
    "headings": ["# H1", "## H2 ##", "###### H6", "### H3 with *em*", "Setext\n===",
                 "Setext 2\n---", "#no space", "# heading\ntext", "####### seven", "## \\#escaped"],
    "rules": ["---", "***", "___", "- - -", "a\n\n---\n\nb"],
    "tables": ["| Reported | Area |\n| --- | ---: |\n| Earlier | 1,250 m² |\n| Sunday | 2,000 m² |",
               "| L | C | R |\n|:--|:-:|--:|\n| a | b | c |",
               "| a \\| b | c |\n|---|---|\n| d \\| e | f |",
               "| *em* | [l](http://x.org) |\n|---|---|\n| **s** | ~~d~~ |",
               "| a | |\n|---|---|\n| | b |", "Para\n\n| a |\n|---|\n| 1 |\n\nAfter."],
    "strikethrough": ["~~gone~~", "~~a~~ and ~~b c~~", "~single~", "~~unclosed",
                      "**~~both~~**", "~~*em inside*~~"],
    "entities": ["&amp; &lt; &gt; &quot; &#35; &#x22; &copy; &nbsp;x &mdash;", "&bogus; & alone",
                 "&#0; &#xD800; &#1114112; &#x110000;", "&Auml;&ouml; &ngE; &NotNestedLessLess;"],
    "breaks": ["a  \nb", "a\\\nb", "a   \nb", "ends with two spaces  "],
    "escapes": ["\\*not em\\*", "\\# not heading", "\\[not link\\](x)", "1\\. not list",
                "\\- not list", "\\\\ backslash \\& \\_"],
    "code blocks": ["    indented code\n    more", "- item\n\n      code in item"],
    "nesting": ["> " * 8 + "x", ">" * 16 + "x", "- " * 8 + "x", "\n".join("  " * i + "- x" for i in range(8)),
                "[" * 8 + "a" + "](u)" * 8, "x " + "*" * 30 + "a" + "*" * 30, "-" * 40],
    "hostile": ["[a](javascript:alert(1))", "[a](JAVASCRIPT:alert(1))", "[a](java&#115;cript:x)",
                "[a](vbscript:msgbox(1))", "[a](file:///etc/passwd)", "[a](data:text/html;base64,PHM+)",
                "![a](data:image/png;base64,iVBOR)", "![a](data:image/svg+xml;base64,PHN2Zz4=)",
                "![a](javascript:alert(1))", "[a](%6Aavascript:x)", "[x]\n\n[x]: javascript:alert(1)",
                "[a]( javascript:alert(1) )", "[a](&#106;avascript:x)",
                '[t](https://ok.example/ "a\\" onmouseover=\\"alert(1)")'],
}

# -- Known differences and unsupported constructs: markdown-it-py must render them ---

DECLINED = [
    "<script>alert(1)</script>", 'a <b onclick="x">b</b>', "<!-- c -->", "<div>\nhi\n</div>",
    "<img src=x onerror=alert(1)>", "[a](<javascript:x>)", "<https://example.org>",
    "<desk@example.org>", "Text[^1]\n\n[^1]: Note.", "Inline^[note] here", "`code`",
    "```py\nx\n```", "~~~\nx\n~~~", "```\nunclosed", "[a](http://exämple.com/)",
    "[a](http://&uuml;.com/)", "[a](mailto:a@exämple.com)", "[a](http://[::1]/)", ">", "a\n>",
    "a\u2028b", "a\rb", "a\x85b", "a\x0cb", "|a|\n---:", "a\n---:", "a\n:--", "> a\n*", "> a\n1.",
    "> a\n2) b", "> a\nlazy", "[a`b](x)", "[`](x)", "![a\\*b](x)", "![a&amp;b](x)", "![a  \nb](x)",
    '![**"*](x)', '[a](/u "")', "[r]: /u\\\n\n[r]", '[r]:x\n""]\n\n[r]', "a*€*b", "x**😀**y",
    "\u3000lead", "trail\u00a0", "[a\u00a0b]: /u\n\n[a b]", "| \\|| | b |\n|-|-|-|",
    "*     :\n|-|", "\tTab", "> > \t  x", "a | b", "| a |\n|---|\ntext", "| a | b |\n|---|\n",
    # nesting: from 20 blockquotes, 10 lists or 21 brackets deep the engines differ
    "> " * 20 + "x", ">" * 20 + "x", "- " * 10 + "x", "\n".join("  " * i + "- x" for i in range(10)),
    "[" * 21 + "a" + "](u)" * 21, "![" * 21 + "a" + "](u)" * 21, "a " * 5001,
]

# pyrs overflows its stack on these (a segfault, which no `except` can catch): the
# gate alone must keep them away, so they are checked without calling pyrs at all.
CRASHERS = [">" * 100_000, "> " * 50_000 + "x", "- " * 50_000 + "x", "1. " * 40_000 + "x"]


@pytest.mark.parametrize(("feature", "body"), [(f, b) for f, cases in FEATURES.items() for b in cases])
def test_feature_takes_the_fast_path_with_identical_html(
        fast: fastmd.FastRenderer, reference: MarkdownRenderer, feature: str, body: str) -> None:
    expected = reference.render_reference(body, "e")
    assert fast.render(body) == expected, feature
    assert MarkdownRenderer(allow_html=True).render(body, "e") == expected  # `<`-free: html moot


@pytest.mark.parametrize("body", DECLINED)
def test_known_differences_are_declined_and_rendered_by_markdown_it_py(
        fast: fastmd.FastRenderer, reference: MarkdownRenderer, body: str) -> None:
    assert fast.render(body) is None
    assert MarkdownRenderer(allow_html=False).render(body, "e") == reference.render_reference(body, "e")


def test_every_html5_entity(fast: fastmd.FastRenderer, reference: MarkdownRenderer) -> None:
    numeric = [f"&#{n};" for n in (0, 9, 128, 0xD800, 0x10FFFF, 0x110000)]
    names = [f"&{name}" for name in html.entities.html5] + numeric
    for name in names:
        body = f"a {name} b{name}x"
        assert fast.render(body) == reference.render_reference(body, "e"), name


@pytest.mark.parametrize("body", CRASHERS, ids=lambda body: repr(body[:6]))
def test_bodies_that_crash_pyrs_never_reach_it(body: str) -> None:
    assert not fastmd.accepts(body)


def test_sample_site_bodies(fast: fastmd.FastRenderer, reference: MarkdownRenderer) -> None:
    found = sample_bodies()
    assert len(found) >= 15
    rendered = {body: fast.render(body) for body in found}
    assert [b for b, html in rendered.items() if html not in (None, reference.render_reference(b, "e"))] == []
    declined = [body for body, html in rendered.items() if html is None]
    assert len(declined) == 1 and "[^1]" in declined[0]  # only the footnote entry falls back
    assert any("| --- |" in body for body, html in rendered.items() if html)  # the table does not


def test_generated_bodies_all_take_the_fast_path(fast: fastmd.FastRenderer,
                                                 reference: MarkdownRenderer) -> None:
    found = generated_bodies(1000)
    assert sum("![" in b for b in found) > 20 and sum("\n> " in b for b in found) > 20
    for body in found:
        assert fast.render(body) == reference.render_reference(body, "e"), body


# -- Fuzz: seeded token soup; every accepted body must match ------------------------

SOUP = ["*", "**", "_", "__", "`", "~~", "~", "[", "]", "(", ")", "![", "<", ">", "&", "# ", "## ",
        "- ", "* ", "+ ", "1. ", "2) ", "> ", "|", "|-|", "\n", "\n\n", "  \n", "\\", "!", '"', "'",
        ":", "http://a.com", "https://b.org/x?y=1&z=2", "mailto:x@y.z", "word", "other", "é", "日本",
        "&amp;", "&#35;", "&nbsp;", "    ", "\t", "---", "===", "[^1]", "[r]: /u", "[r]", "<b>",
        "javascript:", "data:image/png,", "x.png", " ", "0", "9.", "“", "”", "—", "€", "©", "\u00a0",
        "\u3000", "\u200b", "\u0301", "😀", "ẞ", "Київ", "http://ü.com", "%20", "%", "{"]
TEXT = ["a", "b c", "Word", "é", "“q”", "—", "€", "&amp;", "&copy;", "\\*", "\\[", "\\\\", "*", "_",
        "**", "~~", "  \n", "\n", "[", "]", "!", " ", "&", "'", '"', "(", ")"]
DEST = ["http://a.com", "https://b.org/x?y=1&z=2", "/rel/path", "p.png", "#frag", "mailto:x@y.z",
        "javascript:alert(1)", "data:image/png;base64,AA", "data:text/html,x", "http://a.com/(x)",
        "http://a.com/%zz", "http://ü.com", "http://a.com/ü", "//c.net", "http://[::1]/", "", "x y"]
TITLE = ["", ' "t"', " 't'", " (t)", ' ""', ' "a \\" b"', ' "&amp; &quot;"', ' "multi\nline"']
PREFIX = ["", "", " ", "   ", "    ", "> ", ">", "> > ", "- ", "* ", "1. ", "2) ", "10. ", "  - ",
          "# ", "###### ", "| ", "[r]: /url ", "- > "]
LINES = ["", "---", "***", "===", "- - -", "|---|---|", "| :-- | --: |", "---:", ":---", ">", "-"]


def _soup(rng: random.Random, tokens: list[str], most: int) -> str:
    return "".join(rng.choice(tokens) for _ in range(rng.randint(1, most)))


def _inline(rng: random.Random, depth: int = 0) -> str:
    roll = rng.random()
    if depth < 2 and roll < 0.32:
        bang = "!" if roll < 0.12 else ""
        return f"{bang}[{_inline(rng, depth + 1)}]({rng.choice(DEST)}{rng.choice(TITLE)})"
    if depth < 2 and roll < 0.45:
        mark = rng.choice(["*", "**", "_", "__", "~~", "***"])
        return mark + _inline(rng, depth + 1) + mark
    return _soup(rng, TEXT, 4)


CELL = TEXT + ["|", "\\|", "-", ":"]


def _table(rng: random.Random) -> str:
    width = rng.randint(1, 3)

    def row(cells: int) -> str:
        return "|" + "|".join(" " + _soup(rng, CELL, 3) + " " for _ in range(cells)) + "|"
    delimiter = "|" + "|".join(rng.choice([" --- ", ":--", " --: ", ":-:", "-"]) for _ in range(width)) + "|"
    rows = [row(width), delimiter]
    rows += [row(width if rng.random() < 0.8 else rng.randint(1, 4)) for _ in range(rng.randint(0, 3))]
    return "\n".join(rows)


FUZZ: dict[str, Callable[[random.Random], str]] = {
    "soup": lambda rng: _soup(rng, SOUP, 30),
    "blocks": lambda rng: "\n".join(rng.choice(LINES) if rng.random() < 0.2
                                    else rng.choice(PREFIX) + _inline(rng) for _ in range(rng.randint(1, 8))),
    "inline": lambda rng: rng.choice(PREFIX) + " ".join(_inline(rng) for _ in range(rng.randint(1, 5))),
    "tables": lambda rng: "\n\n".join(_table(rng) if rng.random() < 0.6 else _inline(rng)
                                      for _ in range(rng.randint(1, 4))),
}


@pytest.mark.parametrize("kind", sorted(FUZZ))
def test_fuzz_every_accepted_body_matches(fast: fastmd.FastRenderer, reference: MarkdownRenderer,
                                          kind: str) -> None:
    rng = random.Random(f"sitegen-fastmd-{kind}")
    accepted, differ, panics = 0, [], []
    for _ in range(10_000):
        body = FUZZ[kind](rng)
        if not fastmd.accepts(body):
            continue
        try:
            fast.raw(body)
        except BaseException:  # a panic on accepted input would print to stderr
            panics.append(body)
            continue
        html = fast.render(body)
        if html is None:
            continue
        accepted += 1
        if html != reference.render_reference(body, "e"):
            differ.append(body)
    assert differ == [] and panics == []
    assert accepted >= 1500, accepted  # the gate takes a real share (15%+): not vacuous


def test_realistic_bodies_with_stray_tokens(fast: fastmd.FastRenderer, reference: MarkdownRenderer) -> None:
    rng = random.Random("sitegen-fastmd-realistic")
    base = generated_bodies(200)
    accepted = 0
    for _ in range(2000):
        body = rng.choice(base)
        for _ in range(rng.randint(1, 3)):
            at = rng.randint(0, len(body))
            body = body[:at] + rng.choice(SOUP + PREFIX + LINES) + body[at:]
        html = fast.render(body)
        if html is not None:
            accepted += 1
            assert html == reference.render_reference(body, "e"), body
    assert accepted >= 1000, accepted


# -- Fallbacks -----------------------------------------------------------------------

BODIES = ["plain *prose*", "Footnote[^1]\n\n[^1]: n", "`code`", "| a |\n|---|\n| b |"]


def test_without_markdown_it_pyrs_markdown_it_py_renders_everything(monkeypatch: pytest.MonkeyPatch,
                                                                   reference: MarkdownRenderer) -> None:
    monkeypatch.setitem(sys.modules, "markdown_it_pyrs", None)  # import raises ImportError
    renderer = MarkdownRenderer(allow_html=False)
    assert renderer.fast is None
    assert renderer.fingerprint == reference.fingerprint
    assert [renderer.render(b, "e") for b in BODIES] == [reference.render_reference(b, "e") for b in BODIES]


class _Panic(BaseException):
    """Like pyo3's PanicException: a BaseException, not an Exception."""


def _engine_raising(error: BaseException) -> ModuleType:
    def render(body: str) -> str:
        raise error
    module = ModuleType("broken_pyrs")
    configured = SimpleNamespace(render=render)
    setattr(module, "MarkdownIt", lambda preset: SimpleNamespace(enable_many=lambda rules: configured))
    return module


def test_a_failing_engine_falls_back(reference: MarkdownRenderer) -> None:
    renderer = MarkdownRenderer(allow_html=False)
    for error in (_Panic("boom"), ValueError("bad"), MemoryError()):
        renderer.fast = fastmd.FastRenderer(_engine_raising(error), HEADING_OFFSET)
        assert renderer.render("plain *prose*", "e") == reference.render_reference("plain *prose*", "e")
    renderer.fast = fastmd.FastRenderer(_engine_raising(KeyboardInterrupt()), HEADING_OFFSET)
    with pytest.raises(KeyboardInterrupt):
        renderer.render("plain *prose*", "e")


def test_a_real_panic_falls_back(fast: fastmd.FastRenderer, reference: MarkdownRenderer,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    body = "[a`b](x)"  # backticks in a link label: markdown-it-pyrs 0.4 panics in code_pair.rs
    with pytest.raises(BaseException) as raised:
        fast.raw(body)
    assert type(raised.value).__name__ == "PanicException"
    monkeypatch.setattr(fastmd, "accepts", lambda body: True)  # let it past the gate
    assert fast.render(body) is None
    assert MarkdownRenderer(allow_html=False).render(body, "e") == reference.render_reference(body, "e")


@pytest.mark.parametrize("with_fast", [True, False])
def test_the_pool_is_asked_for_every_body_then_for_those_the_fast_engine_declines(
        monkeypatch: pytest.MonkeyPatch, reference: MarkdownRenderer, with_fast: bool,
        request: pytest.FixtureRequest) -> None:
    """Without a pool (here refused), the bodies the fast engine declines could still
    fill one of their own: markdown-it-py is ~15x slower."""
    if with_fast:
        request.getfixturevalue("fast")  # (fails, or skips, without the fast engine: see `fast`)
    else:
        monkeypatch.setitem(sys.modules, "markdown_it_pyrs", None)
    asked: list[int] = []

    def pool_size(misses: int) -> int:
        asked.append(misses)
        return 0
    monkeypatch.setattr(forking, "pool_size", pool_size)
    pairs = [(f"e{i}", BODIES[i % len(BODIES)]) for i in range(40)]
    html = CachedBodies(MarkdownRenderer(allow_html=False), Cache(None)).render_many(pairs)
    assert html == [reference.render_reference(body, entry_id) for entry_id, body in pairs]
    assert asked == ([40, 20] if with_fast else [40, 40])  # footnote and code bodies: 20 of 40


POOL_SCRIPT = """
import json, os, sys
import sitegen.core.forking as forking
from sitegen.incremental.bodies import CachedBodies
from sitegen.incremental.cache import Cache
from sitegen.markdown.renderer import MarkdownRenderer
forking.POOL_MIN_MISSES, forking.CHUNK, os.cpu_count = 2, 3, lambda: 2
sizes, real_pool_size = [], forking.pool_size
forking.pool_size = lambda misses: sizes.append(real_pool_size(misses)) or sizes[-1]
pairs = [(entry_id, body) for entry_id, body in json.load(sys.stdin)]
html = CachedBodies(MarkdownRenderer(allow_html=False), Cache(None)).render_many(pairs)
json.dump({"html": html, "sizes": sizes}, sys.stdout)
"""


def test_many_bodies_use_the_pool_with_both_renderers(reference: MarkdownRenderer) -> None:
    """In a fresh interpreter: pytest's other tests may leave threads, which rule out forking."""
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    pairs = [(f"e{i}", BODIES[i % len(BODIES)] + f" {i}") for i in range(24)]
    done = subprocess.run([sys.executable, "-c", POOL_SCRIPT], input=json.dumps(pairs), cwd=ROOT,
                          capture_output=True, text=True, check=True, timeout=120)
    result = json.loads(done.stdout)
    assert result["html"] == [reference.render_reference(body, entry_id) for entry_id, body in pairs]
    assert result["sizes"] == [2]  # two forked workers, which render the declined bodies too (no pool of their own)


# -- sitegen.media's extension: bodies with images or link-only lines to a provider's
# post get its rules (processed images, embed cards) in markdown-it-py only ----------

MEDIA = ["![A photo](https://example.org/p.png)", '![Alt](p.png "Title")', "[![Alt](i.png)](https://example.org)",
         '![ref][img]\n\n[img]: /i.png "T"', "![](empty-alt.png)", "text\n\n![Alt](p.png)\n\nmore",
         "![a](javascript:alert(1))", "https://youtu.be/dQw4w9WgXcQ", "[post](https://x.com/a/status/1)",
         "Intro\n\nhttps://mastodon.example/@desk/1234\n\n> quoted", "a\n\nhttp://[::1\n",
         '![Tom "and" Jerry & co](/photos/a&b.jpg "T & \'q\'")', "![x](#frag) ![y]() ![z](data:image/png;base64,AA)",
         "![Caf\u00e9](caf\u00e9 photo.jpg) and ![second](https://cdn.example/s.jpg)"]
EMBEDS = [7, 8, 9, 10]  # (the others: images only, none the gate declines, so adjusted fast HTML)


def _media_renderers() -> tuple[MarkdownRenderer, MarkdownRenderer]:
    """(with the accelerator, markdown-it-py alone), both with the media rules."""
    from sitegen.config.media_config import EmbedsConfig
    from sitegen.media.mdplugin import MediaMarkdown

    media = MediaMarkdown(EmbedsConfig())
    return (MarkdownRenderer(allow_html=False, extension=media),
            MarkdownRenderer(allow_html=False, accelerate=False, extension=media))


@pytest.mark.parametrize("body", MEDIA)
def test_media_bodies_get_the_media_rules_from_either_engine(body: str, fast: fastmd.FastRenderer) -> None:
    """Embeds are declined; images take the fast engine, local ones as pending markers."""
    renderer, alone = _media_renderers()
    embed = MEDIA.index(body) in EMBEDS
    assert renderer.extension is not None and renderer.extension.declines(body) == embed
    assert (renderer.render_fast(body) is None) == embed
    assert renderer.render(body, "e") == alone.render_reference(body, "e")
    assert renderer.fingerprint != MarkdownRenderer(allow_html=False).fingerprint


def test_local_images_in_fast_html_become_their_pending_markers(fast: fastmd.FastRenderer) -> None:
    from sitegen.media import markup

    renderer, _ = _media_renderers()
    html = renderer.render_fast(MEDIA[11])
    assert html is not None and markup.pending_items(html) == [("/photos/a&b.jpg", 'Tom "and" Jerry & co', "T & 'q'")]
    assert markup.pending_items(renderer.render_fast(MEDIA[12]) or "x") == []  # (a fragment, none, data:)
    assert renderer.extension is not None and renderer.extension.adjust('<img src="a.png" alt="x" />') is None


def _image_body(rng: random.Random) -> str:
    parts = [f"![{_soup(rng, TEXT, 3)}]({rng.choice(DEST)}{rng.choice(TITLE)})" if rng.random() < 0.5
             else _inline(rng) for _ in range(rng.randint(1, 4))]
    return rng.choice(PREFIX) + " ".join(parts)


def test_fuzz_every_fast_media_body_matches(fast: fastmd.FastRenderer) -> None:
    """Images of every kind (local, remote, fragments, data:, empty, with titles, in links)
    among the fuzz corpus's inline soup, with the media rules: every body the fast engine
    takes comes out as markdown-it-py's, local images as their pending markers."""
    from sitegen.media import markup

    renderer, alone = _media_renderers()
    rng = random.Random("sitegen-fastmd-media")
    accepted, local, differ = 0, 0, []
    for _ in range(4000):
        body = _image_body(rng)
        html = renderer.render_fast(body)
        if html is None:
            continue
        accepted += 1
        local += bool(markup.pending_items(html))
        if html != alone.render_reference(body, "e"):
            differ.append(body)
    assert differ == []
    assert accepted >= 800 and local >= 50, (accepted, local)  # (not vacuous)


def test_plain_prose_and_other_links_keep_the_fast_engine() -> None:
    from sitegen.config.media_config import EmbedsConfig
    from sitegen.media.mdplugin import MediaMarkdown

    media = MediaMarkdown(EmbedsConfig())
    for body in generated_bodies(200):
        assert not media.declines(body), body
    assert not media.declines("[site](https://example.org/a/b)\n\nhttps://example.org/news/1")
