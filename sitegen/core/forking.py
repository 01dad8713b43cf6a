"""Forked worker processes for CPU-bound batches (bodies, parses, articles, pages), and
`Forked`, one piece of work done on another core meanwhile.

A pool costs a few tens of milliseconds to start, so small batches stay in process.
Workers inherit the job by fork, so nothing is sent to them but two numbers; only
results come back pickled. Only a single-threaded process forks (a thread holding a
lock at fork time would leave the child deadlocked): `serve` never does.
How far forked work has got is told by `Progress` (a pool's results come back as they
are done; a `Forked` child sets its count in a `Tally` its parent reads while it waits).
"""

from __future__ import annotations

import mmap
import os
import pickle
import select
import threading
from typing import Any, Callable, Generic, Iterator, TypeVar

R = TypeVar("R")

# How long work tells how far it is: (what it does, how many done, of how many; 0: not known).
# The command line shows it on one line of the terminal (build/progress.py).
Progress = Callable[[str, int, int], None]
WAIT_STEP = 0.1  # seconds between two looks at the progress of a `Forked` child being waited for

POOL_MIN_MISSES = 500  # fewer items than this are done faster in process
CHUNK = 250

_job: Callable[[int, int], Any] | None = None  # set before forking, inherited by the workers


def _run_job(start: int, stop: int) -> Any:
    assert _job is not None
    return _job(start, stop)


def can_fork() -> bool:
    """Forking is safe: the platform has it and no other thread (serve's) could hold a lock."""
    return hasattr(os, "fork") and threading.active_count() == 1


def pool_size(misses: int) -> int:
    """How many worker processes pay for themselves; 0 or 1 means render in process
    (always in a pool's worker: a pool never starts a pool of its own)."""
    if misses < POOL_MIN_MISSES or in_worker() or not can_fork():
        return 0
    return min(os.cpu_count() or 1, misses // CHUNK)


def fork_map(work: Callable[[int, int], list[R]], count: int, workers: int, step: int = 0,
             made: Callable[[int], None] | None = None) -> list[R]:
    """`work(start, stop)` for consecutive slices of range(count), their results joined in
    order, run by `workers` forked processes. They inherit `work` and everything it refers
    to, so nothing is sent to them but two numbers; only the results come back pickled.
    The caller has checked `pool_size` (forking is safe, and pays); with fewer than two
    workers the slices are done here, one after the other. `made` is told how many
    results are in, as each slice comes back (`counting`)."""
    results: list[R] = []
    if workers < 2:
        step = step or max(count, 1)
        slices: Iterator[list[R]] = (work(start, min(start + step, count)) for start in range(0, count, step))
    else:
        slices = fork_chunks(work, count, workers, step)
    made = made or untold
    for chunk in slices:
        results += chunk
        made(len(results))
    return results


def counting(progress: Progress | None, stage: str, total: int) -> Callable[[int], None]:
    """`progress` told of `stage` as a count of `total` goes up (`untold` without progress)."""
    return untold if progress is None else lambda done: progress(stage, done, total)


def untold(done: int) -> None:
    """Where no one asked how far the work is."""


def fork_chunks(work: Callable[[int, int], R], count: int, workers: int, step: int = 0) -> Iterator[R]:
    """`work(start, stop)` of each slice, as `fork_map` runs it, handed on slice by slice
    in order as the workers finish them: the caller can store or drop a slice's result
    while the workers make the next ones, instead of holding every result at once.
    Consume it whole (the pool ends with the last slice)."""
    import multiprocessing  # (only a cold build of a long liveblog needs a pool)
    from concurrent.futures import ProcessPoolExecutor

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


class Forked(Generic[R]):
    """`work()` done by a forked child on another core while this process goes on (the
    caller has checked `can_fork`); `result()` waits for it: what it returned (pickled
    back through a pipe), or None when it failed. `close()` ends a child whose result
    is not wanted (a build that stopped early); it is safe to call after `result()`."""

    def __init__(self, work: Callable[[], R]) -> None:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            _send_and_exit(work, write_end)
        os.close(write_end)
        self.pid, self._fd = pid, read_end
        self._result: R | None = None

    def result(self, while_waiting: Callable[[], None] | None = None) -> R | None:
        """What the child returned (None: it failed), waiting for it; `while_waiting` is
        called every `WAIT_STEP` seconds until it starts sending (to show its progress)."""
        if self._fd >= 0 and while_waiting is not None:
            ready = select.poll()  # (not select.select: it refuses a descriptor past 1023)
            ready.register(self._fd, select.POLLIN)
            while not ready.poll(WAIT_STEP * 1000):
                while_waiting()
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            try:
                with os.fdopen(fd, "rb") as pipe:
                    data = pipe.read()
            except BaseException:  # (Ctrl-C while waiting: the child must not outlive us)
                self._end()
                raise
            status = os.waitpid(self.pid, 0)[1]
            try:
                self._result = pickle.loads(data) if status == 0 else None
            except Exception:  # noqa: BLE001 - cut short: as if it had failed
                self._result = None
        return self._result

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
            self._end()

    def _end(self) -> None:
        """Stop the child (its result not read) and reap it."""
        import signal  # (here: a child is rarely stopped; its enums cost every build 2 ms)

        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)


class Tally:
    """Counts that forked children set, each in its own slot, and their parent reads while
    they run (pages rendered so far: see build/parallel.py): memory shared across the
    fork, made before it. A slot is one aligned machine word, written whole."""

    def __init__(self, slots: int) -> None:
        self._memory = mmap.mmap(-1, 8 * max(slots, 1))  # (anonymous, so shared with forked children)
        self._counts = memoryview(self._memory).cast("q")

    def set(self, slot: int, count: int) -> None:
        self._counts[slot] = count

    def total(self) -> int:
        return sum(self._counts)

    def close(self) -> None:
        self._counts.release()
        self._memory.close()


def _send_and_exit(work: Callable[[], Any], fd: int) -> None:
    """In a `Forked` child: pickle what `work` returns into `fd`, and end at once (no
    cleanup: the parent's open files and caches are the parent's)."""
    status = 1
    try:
        with os.fdopen(fd, "wb") as pipe:
            pickle.dump(work(), pipe, protocol=pickle.HIGHEST_PROTOCOL)
        status = 0
    except BaseException:  # noqa: BLE001 - the parent does without the result
        pass
    finally:
        os._exit(status)
