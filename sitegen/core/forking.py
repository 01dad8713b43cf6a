"""Forked worker processes for CPU-bound batches (bodies, parses, articles, pages).

A pool costs a few tens of milliseconds to start, so small batches stay in process.
Workers inherit the job by fork, so nothing is sent to them but two numbers; only
results come back pickled. Only a single-threaded process forks (a thread holding a
lock at fork time would leave the child deadlocked): `serve` never does.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from typing import Any, Callable, Iterator, TypeVar

R = TypeVar("R")

POOL_MIN_MISSES = 500  # fewer items than this are done faster in process
CHUNK = 250

_job: Callable[[int, int], Any] | None = None  # set before forking, inherited by the workers


def _run_job(start: int, stop: int) -> Any:
    assert _job is not None
    return _job(start, stop)


def can_fork() -> bool:
    """Forking is safe: the platform has it and no other thread (serve's) could hold a lock."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def pool_size(misses: int) -> int:
    """How many worker processes pay for themselves; 0 or 1 means render in process
    (always in a pool's worker: a pool never starts a pool of its own)."""
    if misses < POOL_MIN_MISSES or in_worker() or not can_fork():
        return 0
    return min(os.cpu_count() or 1, misses // CHUNK)


def fork_map(work: Callable[[int, int], list[R]], count: int, workers: int, step: int = 0) -> list[R]:
    """`work(start, stop)` for consecutive slices of range(count), their results joined in
    order, run by `workers` forked processes. They inherit `work` and everything it refers
    to, so nothing is sent to them but two numbers; only the results come back pickled.
    The caller has checked `pool_size` (forking is safe, and pays)."""
    return [result for chunk in fork_chunks(work, count, workers, step) for result in chunk]


def fork_chunks(work: Callable[[int, int], R], count: int, workers: int, step: int = 0) -> Iterator[R]:
    """`work(start, stop)` of each slice, as `fork_map` runs it, handed on slice by slice
    in order as the workers finish them: the caller can store or drop a slice's result
    while the workers make the next ones, instead of holding every result at once.
    Consume it whole (the pool ends with the last slice)."""
    from concurrent.futures import ProcessPoolExecutor  # (only a cold build of a long liveblog needs one)

    global _job
    step = step or -(-count // (workers * 4))
    starts = range(0, count, step)
    _job = work  # type: ignore[assignment]
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            yield from pool.map(_run_job, starts, [min(start + step, count) for start in starts])
    finally:
        _job = None


def in_worker() -> bool:
    """This process is a pool's worker (which never starts a pool of its own)."""
    return _job is not None
