"""The clock of one build: scheduled entries and liveblogs that end themselves.

An entry whose `time` lies after the build's `now` is held back: left out of the
site (every page, feed, sitemap and `updates.json` follows from the model), or,
for `--future` builds and `serve`, kept and marked scheduled. A liveblog whose
`ends` has passed counts as ended. Each build notes the next such moment (`Due`),
so the CLI can say when to build again, `serve` can rebuild by itself then, and
the up-to-date check never calls a build with something come due "nothing to do".
Tests pass their own `now`: nothing here reads the wall clock but the default.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime, timezone

from sitegen.model.site import Due, Entry


class Clock:
    """`now` for one build, and the earliest moment after it that matters."""

    def __init__(self, now: datetime, future: bool) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self.now = now
        self.future = future
        self._due: list[Due] = []

    def hold_back(self, slug: str, entries: tuple[Entry, ...]) -> tuple[Entry, ...]:
        """`entries` (newest first) without those still ahead of `now`, or with them
        marked scheduled (`future`). The same tuple when none is ahead (the usual case:
        `serve`'s shortcuts rely on the very same objects)."""
        ahead = 0
        while ahead < len(entries) and entries[ahead].time > self.now:
            ahead += 1
        if not ahead:
            return entries
        self._due.append(Due(min(e.time for e in entries[:ahead]), f"a scheduled entry in {slug}"))
        if not self.future:
            return entries[ahead:]
        return tuple(scheduled(e) for e in entries[:ahead]) + entries[ahead:]

    def status(self, slug: str, status: str, ends: datetime | None) -> str:
        """`status` as of `now`: "ended" once `ends` has passed."""
        if ends is None or status == "ended":
            return status
        if ends <= self.now:
            return "ended"
        self._due.append(Due(ends, f"the end of {slug}"))
        return status

    def next_due(self) -> Due | None:
        return min(self._due, key=lambda due: due.time, default=None)


def scheduled(entry: Entry) -> Entry:
    """The entry marked as scheduled (its digest differs: caches keep both apart)."""
    digest = hashlib.sha256(f"scheduled {entry.digest}".encode()).hexdigest()
    return replace(entry, scheduled=True, digest=digest)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def seconds_until(due: Due | None, now: datetime | None = None) -> float | None:
    """How long until `due` (never negative), or None when nothing is due: what `serve`
    and `deploy --watch` wait before building again."""
    if due is None:
        return None
    return max(0.0, (due.time - (now or utc_now())).total_seconds())


def due_text(due: Due, now: datetime | None = None) -> str:
    """`due` for the terminal: "2025-03-24 10:30 UTC (in 1 h 5 min): a scheduled entry in war"."""
    left = int(seconds_until(due, now) or 0)
    hours, rest = divmod(left, 3600)
    parts = [f"{hours} h"] if hours else []
    parts.append(f"{rest // 60} min" if hours or rest >= 60 else f"{rest} s")
    when = due.time.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"{when} (in {' '.join(parts)}): {due.what}"
