"""Stable pagination: older pages never change as new entries arrive.

The front page holds the newest `per_page` entries. The rest are cut into pages
of `per_page` counted from the *oldest* entry, numbered 1, 2, ... from the oldest,
so a new entry only moves one entry from the front page onto the newest archive
page; every other page keeps its bytes (and its URL keeps its entries).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Chunk:
    number: int  # 0 is the front page; archive pages count from 1 = oldest
    items: tuple  # newest first

    @property
    def is_front(self) -> bool:
        return self.number == 0


def paginate(newest_first: Sequence[T], per_page: int) -> list[Chunk]:
    """The front page first, then archive pages from the newest to the oldest."""
    front = tuple(newest_first[:per_page])
    older = list(reversed(newest_first[per_page:]))  # oldest first
    archive = [
        Chunk(start // per_page + 1, tuple(reversed(older[start:start + per_page])))
        for start in range(0, len(older), per_page)
    ]
    return [Chunk(0, front)] + list(reversed(archive))
