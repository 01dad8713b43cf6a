"""Entry Markdown to HTML, many bodies at once.

When many bodies are to be rendered (a cold build of a long liveblog), they are shared
by a pool of forked processes, one per core: the same markdown-it renderer, inherited by
the fork, so the HTML is the same bytes. The accelerator (sitegen.markdown.fastmd), when
installed, renders most bodies ~15x faster than markdown-it-py, which renders the bodies
it declines (in the same worker). Which bodies need rendering at all is the caller's
business: `build` hands the loader a cached renderer (sitegen/incremental/bodies.py).
"""

from __future__ import annotations

from typing import Callable

from sitegen.core import forking
from sitegen.markdown.renderer import MarkdownRenderer

# Renders many (entry id, Markdown body) pairs at once, so that work can be batched.
RenderBodies = Callable[[list[tuple[str, str]]], list[str]]


def render_bodies(markdown: MarkdownRenderer, pairs: list[tuple[str, str]]) -> list[str]:
    """Fast engine first; markdown-it-py for the bodies it declines. Thousands of
    bodies (a cold build) are shared among forked workers, one per core."""
    return forking.fork_map(lambda start, stop: _render_here(markdown, pairs[start:stop]), len(pairs),
                            forking.pool_size(len(pairs)))


def plain_renderer(markdown: MarkdownRenderer) -> RenderBodies:
    """Every body rendered, nothing remembered: the full path."""
    return lambda pairs: render_bodies(markdown, pairs)


def _render_here(markdown: MarkdownRenderer, pairs: list[tuple[str, str]]) -> list[str]:
    fast = [markdown.render_fast(body) for _, body in pairs]
    slow = [i for i, html in enumerate(fast) if html is None]
    done = dict(zip(slow, _render_reference(markdown, [pairs[i] for i in slow])))
    return [html if html is not None else done[i] for i, html in enumerate(fast)]


def _render_reference(markdown: MarkdownRenderer, pairs: list[tuple[str, str]]) -> list[str]:
    """markdown-it-py, in a forked pool when enough bodies need it to pay for one
    (and this is not a pool's worker already)."""
    def render(start: int, stop: int) -> list[str]:
        return [markdown.render_reference(body, entry_id) for entry_id, body in pairs[start:stop]]

    workers = 0 if forking.in_worker() else forking.pool_size(len(pairs))
    return forking.fork_map(render, len(pairs), workers, forking.CHUNK)
