"""Entry Markdown to HTML: each body rendered once per content change.

Cached bodies are fetched in one go. When many miss (a cold build of a long
liveblog), they are rendered by a pool of forked processes, one per core: the
same markdown-it renderer, inherited by the fork, so the HTML is the same bytes.
A pool costs a few tens of milliseconds to start, so small batches stay in process.
The accelerator (sitegen.markdown.fastmd), when installed, renders most bodies ~15x faster
than markdown-it-py, which renders the bodies it declines (in the same worker).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from typing import Any, Callable, TypeVar

from sitegen.incremental.cache import Cache, cache_key
from sitegen.markdown.renderer import MarkdownRenderer

R = TypeVar("R")

POOL_MIN_MISSES = 500  # fewer misses than this render faster in process
CHUNK = 250

_job: Callable[[int, int], list[Any]] | None = None  # set before forking, inherited by the workers


def _run_job(start: int, stop: int) -> list[Any]:
    assert _job is not None
    return _job(start, stop)


def can_fork() -> bool:
    """Forking is safe: the platform has it and no other thread (serve's) could hold a lock."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def pool_size(misses: int) -> int:
    """How many worker processes pay for themselves; 0 or 1 means render in process."""
    if misses < POOL_MIN_MISSES or not can_fork():
        return 0
    return min(os.cpu_count() or 1, misses // CHUNK)


def fork_map(work: Callable[[int, int], list[R]], count: int, workers: int, step: int = 0) -> list[R]:
    """`work(start, stop)` for consecutive slices of range(count), their results joined in
    order, run by `workers` forked processes. They inherit `work` and everything it refers
    to, so nothing is sent to them but two numbers; only the results come back pickled.
    The caller has checked `pool_size` (forking is safe, and pays)."""
    from concurrent.futures import ProcessPoolExecutor  # (only a cold build of a long liveblog needs one)

    global _job
    step = step or -(-count // (workers * 4))
    starts = range(0, count, step)
    _job = work
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            chunks = pool.map(_run_job, starts, [min(start + step, count) for start in starts])
            return [result for chunk in chunks for result in chunk]
    finally:
        _job = None


class BodyRenderer:
    """Renders (entry id, Markdown) pairs to HTML through the cache."""

    def __init__(self, markdown: MarkdownRenderer, cache: Cache) -> None:
        self.markdown = markdown
        self.cache = cache

    def render_many(self, pairs: list[tuple[str, str]]) -> list[str]:
        keys = [cache_key("markdown", self.markdown.fingerprint, entry_id, body) for entry_id, body in pairs]
        found = self.cache.get_many(keys)
        misses = {key: pair for key, pair in zip(keys, pairs) if key not in found}
        for key, html in zip(misses, self._render(list(misses.values()))):
            self.cache.put(key, html)
            found[key] = html
        return [found[key] for key in keys]

    def _render(self, pairs: list[tuple[str, str]]) -> list[str]:
        """Fast engine first; markdown-it-py for the bodies it declines. Thousands of
        bodies (a cold build) are shared among forked workers, one per core."""
        workers = pool_size(len(pairs))
        if workers >= 2:
            return fork_map(lambda start, stop: self._render_here(pairs[start:stop]), len(pairs), workers)
        return self._render_here(pairs)

    def _render_here(self, pairs: list[tuple[str, str]]) -> list[str]:
        fast = [self.markdown.render_fast(body) for _, body in pairs]
        slow = [i for i, html in enumerate(fast) if html is None]
        done = dict(zip(slow, self._render_reference([pairs[i] for i in slow])))
        return [html if html is not None else done[i] for i, html in enumerate(fast)]

    def _render_reference(self, pairs: list[tuple[str, str]]) -> list[str]:
        """markdown-it-py, in a forked pool when enough bodies need it to pay for one
        (and this is not a pool's worker already)."""
        def render(start: int, stop: int) -> list[str]:
            return [self.markdown.render_reference(body, entry_id) for entry_id, body in pairs[start:stop]]

        workers = pool_size(len(pairs)) if _job is None else 0
        return render(0, len(pairs)) if workers < 2 else fork_map(render, len(pairs), workers, CHUNK)
