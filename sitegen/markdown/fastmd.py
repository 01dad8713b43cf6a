"""An optional accelerator: markdown-it-pyrs (Rust) for the bodies it renders exactly like us.

markdown-it-py is the reference renderer and always the fallback. markdown-it-pyrs
(`pip install 'sitegen[fast]'`) renders plain prose, the bulk of a liveblog, ~15x
faster (~7x with the gate below), but it is not the same program: it has no
footnotes, encodes non-ASCII and IPv6 host names differently, treats some block
edge cases, nesting, alt texts and odd line separators its own way, panics on some
inputs (backticks in link labels) and overflows its stack on absurdly deep nesting.
So a body takes the fast path only when

1. a cheap, conservative gate (`accepts`) finds none of the constructs where the
   engines are known, or might be expected, to differ or where pyrs fails; and
2. a check of the fast HTML (in `FastRenderer.render`) finds none of the outputs
   that give away a difference more simply spotted afterwards than before; and
3. pyrs does not raise.

Anything else returns None and the caller renders with markdown-it-py, so the
bytes never depend on which engine ran and cache keys need not name the engine.
tests/test_markdown_engines.py holds the evidence (hand cases per feature, the
sample site, generated bodies, a seeded fuzz corpus); widen the gate only with it.

The gate rejects every `<`, so raw HTML and autolinks never reach pyrs: that is
what makes the two post-processing regexes below safe (every `<` in the fast
output is a tag the renderer made) and what makes `allow_html` irrelevant to
the bodies the gate accepts (markdown-it's html rules only start at a `<`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

# markdown-it-py's "commonmark" preset + table + strikethrough, minus raw HTML.
RULES = (
    "blockquote", "code", "fence", "heading", "hr", "lheading", "list", "paragraph",
    "reference", "autolink", "backticks", "emphasis", "entity", "escape", "image",
    "link", "newline", "strikethrough", "table",
)

# Beyond this size pyrs stops being faster: some of its rules are quadratic in a
# paragraph's delimiters or a run of reference definitions (64 KB of `*a* ` takes
# 0.7 s against markdown-it-py's 0.5 s). A typical entry is ~1 KB.
MAX_CHARS = 10_000

# Characters that send a body to markdown-it-py: backticks (code spans and fences;
# pyrs panics on backticks in link labels), `<` (raw HTML, autolinks), tabs (tab stops
# in nested blocks), C0/C1 controls and every line end but \n (str.splitlines, which
# markdown-it-py uses, splits on \r, \v, \f, \x1c-\x1e, \x85, U+2028 and U+2029).
_REJECT_CHAR = re.compile(r"[`<\t\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
# Lines that send a body to markdown-it-py, searched in "\n" + body (a literal
# first character makes the search fast):
_REJECT_LINE = re.compile(
    r"\n(?:"
    # a table delimiter row without a pipe (`:---`): a table for pyrs only
    r"[ >]*(?=[-:])(?=[-: ]*:)[-: ]*(?:\n|$)"
    # a quoted line followed by an unquoted one (lazy continuation): the engines
    # disagree on which block starts (`2)`, an empty `*`) may interrupt it
    r"| *(?:(?:[*+-]|[0-9]{1,9}[.)]) +)*>[^\n]*\n(?! *>| *(?:\n|$))"
    # deep nesting: from 20 levels markdown-it-py stops nesting and pyrs does not
    # (and overflows its stack, killing the process, some 50,000 levels down). Each
    # container level takes at least one character of a line's prefix, so a prefix
    # of at most 16 keeps us well below. A long thematic break (`-----`) nests nothing.
    r"|(?=[ >*+\-0-9.)]{17})(?! {0,3}([-*_])(?: *\1)* *(?:\n|$))"
    r")"
)
# Link and image labels nest at most this deep (markdown-it-py's limit is 20).
MAX_BRACKET_DEPTH = 8
_BRACKET = re.compile(r"[\[\]]")
# A table the gate trusts: after a blank line (or first), every row starts and ends
# with a pipe, a delimiter row second, as many header cells as delimiter cells, and
# a blank line (or the end) after. Pipes anywhere else send the body to markdown-it-py.
_TABLE = re.compile(
    r"(?:^|(?<=\n\n))(\|.*\|) *\n"  # header row
    r"(\|(?: *:?-+:? *\|)+) *(?:\n|$)"  # delimiter row
    r"((?:\|.*\| *(?:\n|$))*)(?=\n|$)"  # body rows, then a blank line or the end
)
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
# Reference definitions (`[r]: /u "t"`) that the engines accept differently: a
# trailing backslash in the destination, an empty title followed by more text.
_DEFINITION_RISK = re.compile(r"\\|\"\"|''|\(\)")
# In image alt text pyrs drops escapes, entities and hard breaks and keeps
# unmatched emphasis delimiters that markdown-it-py drops.
_ALT_TEXT_RISK = re.compile(r"[*_~\\]|&#?[0-9A-Za-z]+;|  \n")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_EMPHASIS = frozenset("*_~")

# Fast output that betrays a difference: an empty blockquote (pyrs puts a newline
# inside); an empty link title (markdown-it-py leaves the attribute out); a host
# name pyrs percent-encoded where markdown-it-py punycodes it (non-ASCII, even via
# entities) or keeps IPv6 brackets. It also declines some URLs both engines agree
# on (a literal %C3%A9 or %5B in a path): those merely take the slow path.
_SUSPECT_PERCENT = re.compile(r"%(?:[89a-fA-F][0-9a-fA-F]|5[bBdD])")

# The renderer's own tags only (see the module docstring): shift body headings
# below the entry's and make images lazy, as markdown.py's render rules do.
_HEADING_TAG = re.compile(r"<(/?)h([1-6])>")
_IMAGE_END = re.compile(r"(<img [^>]*?) />")


def accepts(body: str) -> bool:
    """Whether the gate lets `body` take the fast path (it may still fall back)."""
    if len(body) > MAX_CHARS or _REJECT_CHAR.search(body) is not None:
        return False
    # tilde fences (an unclosed one ends differently); footnotes, which only the
    # mdit-py-plugins footnote plugin knows
    if "~~~" in body or "[^" in body or "^[" in body:
        return False
    if _REJECT_LINE.search("\n" + body) is not None:
        return False
    if "]:" in body and _DEFINITION_RISK.search(body) is not None:
        return False
    if ("![" in body or body.count("[") > MAX_BRACKET_DEPTH) and not _brackets_trusted(body):
        return False
    if "|" in body and not _tables_trusted(body):
        return False
    return body.isascii() or _unicode_trusted(body)


def _tables_trusted(body: str) -> bool:
    """Every pipe is in a well-formed, blank-separated table (see _TABLE)."""
    rest = []
    end = 0
    for match in _TABLE.finditer(body):
        header, delimiter, rows = match.groups()
        if "\\\\|" in match[0] or "\\||" in match[0] or _cells(header) != _cells(delimiter):
            return False
        if any(_cells(row) != _cells(delimiter) for row in rows.splitlines()):
            return False
        rest.append(body[end:match.start()])
        end = match.end()
    rest.append(body[end:])
    return not any("|" in part for part in rest)


def _brackets_trusted(body: str) -> bool:
    """Brackets nest at most MAX_BRACKET_DEPTH deep and no image's alt text holds a risk.

    An alt text runs from `![` to the `]` that balances it (or to the end). An
    escaped bracket can make that span differ from the engines' label, but then the
    backslash, itself a risk, lies inside the span: the body is declined either way.
    """
    opened: list[int] = []
    for match in _BRACKET.finditer(body):
        if match[0] == "[":
            opened.append(match.start())
            if len(opened) > MAX_BRACKET_DEPTH:
                return False
        elif opened and _risky_image(body, opened.pop(), match.start()):
            return False
    return not any(_risky_image(body, start, len(body)) for start in opened)


def _risky_image(body: str, start: int, end: int) -> bool:
    """Whether the label body[start:end] belongs to an image and holds a risk.

    Labels nest at most MAX_BRACKET_DEPTH deep, so this reads each character at
    most that many times."""
    if start == 0 or body[start - 1] != "!":
        return False
    return _ALT_TEXT_RISK.search(body, start + 1, end) is not None


def _cells(row: str) -> int:
    return len(_CELL_SPLIT.findall(row.strip())) - 1


def _unicode_trusted(body: str) -> bool:
    """Non-ASCII characters the two engines classify alike where they are.

    Both treat letters, marks, digits and Unicode punctuation (P*) alike. Symbols
    (S*), format and other characters count as punctuation for markdown-it-py's
    emphasis rules only, so they are trusted away from `*`, `_` and `~`. Non-ASCII
    whitespace is never trusted: Python's str.strip() and \\s remove it at line
    ends and in reference labels, where pyrs keeps it.
    """
    chars = set(_NON_ASCII.findall(body))
    touchy = [ch for ch in chars if _kind(ch) != "plain"]
    if any(_kind(ch) == "space" for ch in touchy):
        return False
    for ch in touchy:
        start = body.find(ch)
        while start != -1:
            if body[start - 1:start] in _EMPHASIS or body[start + 1:start + 2] in _EMPHASIS:
                return False
            start = body.find(ch, start + 1)
    return True


@functools.lru_cache(maxsize=4096)
def _kind(ch: str) -> str:
    """'plain' (letter, mark, number, punctuation), 'space', or 'symbol' (anything else)."""
    if ch.isspace():
        return "space"
    return "plain" if unicodedata.category(ch)[0] in "LMNP" else "symbol"


class FastRenderer:
    """markdown-it-pyrs configured like MarkdownRenderer, for the bodies the gate accepts."""

    def __init__(self, engine: Any, heading_offset: int) -> None:
        self._md = engine.MarkdownIt("zero").enable_many(list(RULES))
        self._offset = heading_offset

    def render(self, body: str) -> str | None:
        """The exact HTML markdown-it-py would give, or None when that is not certain."""
        if not accepts(body):
            return None
        try:
            html = self.raw(body)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # pyo3's PanicException derives from BaseException
            return None
        if "<blockquote>\n</blockquote>" in html or ' title=""' in html:
            return None
        if "%" in html and _SUSPECT_PERCENT.search(html) is not None:
            return None
        if "<h" in html:
            html = _HEADING_TAG.sub(self._heading, html)
        if "<img " in html:
            html = _IMAGE_END.sub(r'\1 loading="lazy" decoding="async" />', html)
        return html

    def raw(self, body: str) -> str:
        """pyrs's own HTML, unchecked and unadjusted; it may raise (even panic)."""
        html: str = self._md.render(body)
        return html

    def _heading(self, match: re.Match[str]) -> str:
        return f"<{match[1]}h{min(int(match[2]) + self._offset, 6)}>"


def load(heading_offset: int) -> FastRenderer | None:
    """The accelerator if markdown-it-pyrs is installed and works, else None."""
    try:
        import markdown_it_pyrs
        return FastRenderer(markdown_it_pyrs, heading_offset)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # missing, or a build that cannot load or configure
        return None
