"""The one line a terminal shows while a long build or deploy works ("Rendering pages:
4200/10628"), for `sitegen build`, `deploy` and `serve`'s builds. Work reports
each item it finishes (core.forking.Progress); the line is drawn again at most every
tenth of a second, and not at all for a build that ends within half a second or
when the output is not a terminal (a cron job's log stays clean)."""

from __future__ import annotations

import sys
import time


class ProgressLine:
    """A single updating status line on a terminal, shown only for slow builds: what the
    build is doing and how far it is ("Rendering pages: 4200/10628"), drawn again at most
    every `every` seconds (work reports each item; a terminal need not show each)."""

    def __init__(self, delay: float = 0.5, every: float = 0.1) -> None:
        self.start = time.perf_counter()
        self.delay = delay
        self.every = every
        self.drawn_at = 0.0
        self.stage = ""
        self.shown = False
        self.enabled = sys.stderr.isatty()

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if not self.enabled or now - self.start < self.delay:
            return
        if stage == self.stage and now - self.drawn_at < self.every and done != total:
            return
        self.shown, self.stage, self.drawn_at = True, stage, now
        count = f"{done}/{total}" if total else str(done)
        sys.stderr.write(f"\r{stage}: {count}\x1b[K")
        sys.stderr.flush()

    def clear(self) -> None:
        """Take the line off the terminal (before the command's report; again is harmless)."""
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
            self.shown, self.stage = False, ""
