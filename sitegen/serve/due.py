"""Rebuilding by the clock: when a scheduled entry comes due (or a liveblog's `ends`
passes), a long-running session builds again by itself. `serve` uses it; so can
`deploy --watch` (one `DueTimer(debouncer.poke)`, `set(outcome.due)` after each build).
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Callable

from sitegen.model.site import Due
from sitegen.source.schedule import seconds_until, utc_now

DUE_MARGIN = 0.05  # seconds after the due moment: the build's clock has passed it then


class DueTimer:
    """One pending wake-up at a time; each `set` replaces the last."""

    def __init__(self, wake: Callable[[], None], clock: Callable[[], datetime] = utc_now) -> None:
        self.wake = wake
        self.clock = clock
        self.timer: threading.Timer | None = None

    def set(self, due: Due | None) -> float | None:
        """Wake at `due` (nothing when None); returns the seconds until then."""
        self.cancel()
        wait = seconds_until(due, self.clock())
        if wait is None:
            return None
        self.timer = threading.Timer(wait + DUE_MARGIN, self.wake)
        self.timer.daemon = True
        self.timer.start()
        return wait

    def cancel(self) -> None:
        timer, self.timer = self.timer, None
        if timer is not None:
            timer.cancel()
