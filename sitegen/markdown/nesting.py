"""Markdown nested deeper than markdown-it renders: found before rendering, never dropped.

markdown-it (the reference engine, and the fast one, whose gate sends such bodies
to the reference) stops at 20 levels of nested blocks (a list inside a list is
two, a quote one) and silently drops the rest of the body from that line on. An
entry that loses its ending without a word is worse than an error, so the loader
asks `too_deep` and reports the line.

Nesting that deep needs a long run of container markers and indentation at the
start of some line (each level takes at least one character there), so bodies
without one, nearly all, are answered by one regular expression; the others are
parsed with markdown-it-py configured like the renderer, watching its block parser.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_block import StateBlock

# A line prefix of container characters long enough to possibly reach the limit
# (well below the 20 a real case needs: tabs count as one character, not four).
_DEEP_PREFIX = re.compile(r"(?m)^[ \t>*+\-0-9.)]{10}")
_FOUND = "sitegen_too_deep"


def too_deep(body: str) -> int | None:
    """The 0-based line of `body` from which markdown-it would drop the text, or None."""
    if _DEEP_PREFIX.search(body) is None:
        return None
    env: dict[str, Any] = {}
    _parser().parse(body, env)
    found = env.get(_FOUND)
    return found if isinstance(found, int) else None


@functools.cache
def _parser() -> "MarkdownIt":
    """markdown-it-py with the renderer's block rules (see renderer.py), its block
    parser watched for the moment it gives up on nesting."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("commonmark").enable(["table", "strikethrough"]).use(footnote_plugin)
    md.block.tokenize = functools.partial(_watch, md.block.tokenize)  # type: ignore[method-assign]
    return md


def _watch(tokenize: Callable[..., None], state: "StateBlock", start: int, end: int) -> None:
    """markdown-it's own test (ParserBlock.tokenize): at the limit, the lines left from
    `start` on that belong to this block are dropped."""
    if state.level >= state.md.options.maxNesting and _FOUND not in state.env:
        line = state.skipEmptyLines(start)
        if line < end and state.sCount[line] >= state.blkIndent:
            state.env[_FOUND] = line
    tokenize(state, start, end)
