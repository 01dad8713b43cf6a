"""The pager of a stream page: newer/older links and a short list of pages.

Chunks come as `paginate` makes them (the front page first, then archive pages
from the newest to the oldest); each page is labelled by its oldest entry's time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sitegen.i18n import Lang
from sitegen.model.pagination import Chunk
from sitegen.core.urls import Links

PAGER_REACH = 2


@dataclass(frozen=True)
class PageLink:
    label: str
    url: str
    current: bool


@dataclass(frozen=True)
class Pager:
    newer_url: str | None
    older_url: str | None
    pages: tuple[PageLink, ...]


def pager(chunks: list[Chunk], current: int, route_of: Callable[[int], str], links: Links,
          lang: Lang) -> Pager | None:
    """Newer/older links and a list of pages (see `_shown`), labelled in `lang`."""
    if len(chunks) < 2:
        return None
    position = position_of(chunks, current)  # chunks: front first, then newest archive to oldest
    pages = tuple(PageLink(chunk_label(chunks[i], lang), links.to(route_of(chunks[i].number)), i == position)
                  for i in shown_pages(len(chunks), position))
    newer = links.to(route_of(chunks[position - 1].number)) if position > 0 else None
    older = links.to(route_of(chunks[position + 1].number)) if position + 1 < len(chunks) else None
    return Pager(newer, older, pages)


def shown_pages(count: int, position: int) -> list[int]:
    """The pages a pager lists: all of them on the front page; on the others the newest,
    the oldest and their neighbours (PAGER_REACH each way), so that a page's size and
    bytes do not grow with the liveblog's length."""
    if position == 0:
        return list(range(count))
    return sorted({0, count - 1} | set(range(max(0, position - PAGER_REACH), min(count, position + PAGER_REACH + 1))))


def position_of(chunks: list[Chunk], number: int) -> int:
    """Where page `number` is in `chunks` (see `paginate`) without a search."""
    guess = 0 if number == 0 else len(chunks) - number
    if 0 <= guess < len(chunks) and chunks[guess].number == number:
        return guess
    return [c.number for c in chunks].index(number)


def chunk_label(chunk: Chunk, lang: Lang) -> str:
    """"Latest" for the front page, else the moment of the page's oldest entry (each
    page's pager labels its neighbours: the clock keeps the labels it made)."""
    if chunk.is_front:
        return lang.t.pager_latest
    return lang.clock.page_label(chunk.items[-1].time)
