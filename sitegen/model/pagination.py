"""Stable pagination: older pages never change as new entries arrive.

The front page holds the newest `per_page` entries. The rest are cut into pages
of `per_page` counted from the *oldest* entry, numbered 1, 2, ... from the oldest,
so a new entry only moves one entry from the front page onto the newest archive
page; every other page keeps its bytes (and its URL keeps its entries).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from typing import Sequence, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Chunk:
    number: int  # 0 is the front page; archive pages count from 1 = oldest
    items: tuple  # newest first

    @property
    def is_front(self) -> bool:
        return self.number == 0

    @cached_property
    def digest(self) -> str:
        """A content hash of the page's entries (their digests), for page inputs; made
        once per chunk, and `serve` keeps a page's chunk while its entries stay the
        same objects (streams.py)."""
        return hashlib.sha256(" ".join([item.digest for item in self.items]).encode()).hexdigest()

    @cached_property
    def label_key(self) -> str:
        """The time of the page's oldest entry, which labels the page in pagers (see
        pager.chunk_label), as written: for page inputs."""
        return repr(self.items[-1].time) if self.items else ""


def paginate(newest_first: Sequence[T], per_page: int) -> list[Chunk]:
    """The front page first, then archive pages from the newest to the oldest."""
    front = tuple(newest_first[:per_page])
    older = list(reversed(newest_first[per_page:]))  # oldest first
    archive = [
        Chunk(start // per_page + 1, tuple(reversed(older[start:start + per_page])))
        for start in range(0, len(older), per_page)
    ]
    return [Chunk(0, front)] + list(reversed(archive))
