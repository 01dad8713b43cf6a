"""Freed memory handed back to the system between the stages of a long build."""

from __future__ import annotations

import ctypes


def release_freed() -> None:
    """Return the pages of freed heap memory to the system (glibc's `malloc_trim`).
    Loading a long liveblog allocates and frees hundreds of megabytes (file texts,
    parsed drafts, cache values); the C library keeps those pages resident, so the
    process, and every renderer it forks afterwards, would go on counting them (about
    100 MiB at 50,000 entries). A few milliseconds; without glibc, nothing happens."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)
