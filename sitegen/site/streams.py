"""The pages of each stream (a liveblog's, a topic's) kept from one build to the next.

`serve` rebuilds a 10,000-entry liveblog after every saved entry; most of its two
hundred stream pages hold the very same entry objects as last time (the incremental entry reader
keeps an unchanged file's entries). Such a page keeps its `Chunk` object, and with
it what was derived from it once (its digest, its entries' routes): the rebuild
then spends its time on the pages that changed. Identity is the test, never
equality: two entries that compare equal (the same instant in two zones) may
still render differently, while the same object always renders the same.
"""

from __future__ import annotations

from itertools import repeat
from operator import attrgetter
from typing import Callable, Sequence, TypeVar

from sitegen.core.memo import Memo, Partition
from sitegen.model.site import Entry, same_objects
from sitegen.model.pagination import Chunk, paginate

T = TypeVar("T")
MAX_KEPT = 1 << 14  # values per partition: a session that builds many sites (the tests) starts afresh
_entry_id = attrgetter("id")


class Streams:
    """Pagination and values derived from pages, kept in the session's memo (a one-off
    build's memo is new: everything is made)."""

    def __init__(self, memo: Memo) -> None:
        self._chunks: Partition[tuple[str, ...], dict[int, Chunk]] = memo.partition("stream chunks", MAX_KEPT)
        self._derived: Partition[tuple[str, ...], tuple[tuple[object, ...], object, object]] = \
            memo.partition("stream values", MAX_KEPT)

    def chunks(self, name: tuple[str, ...], entries: Sequence[Entry], per_page: int) -> list[Chunk]:
        """`paginate(entries, per_page)`, each page that holds the very same entries as the
        page of that number last time `name` was paginated being that page's Chunk."""
        chunks = paginate(entries, per_page)
        known = self._chunks.get(name)
        if known is not None:
            for at, chunk in enumerate(chunks):
                old = known.get(chunk.number)
                if old is not None and same_objects(old.items, chunk.items):
                    chunks[at] = old
        self._chunks[name] = {chunk.number: chunk for chunk in chunks}
        return chunks

    def derived(self, name: tuple[str, ...], sources: tuple[object, ...], make: Callable[[], T],
                key: object = None) -> T:
        """`make()`, or what it gave last time for `name` when it was made from the very
        same `sources` (objects `make` reads, compared by identity: chunks, entries) and an
        equal `key` (the plain values it reads: strings)."""
        if self.holds(name, sources, key):
            return self._derived[name][1]  # type: ignore[return-value]
        value = make()
        self._derived[name] = (sources, value, key)
        return value

    def holds(self, name: tuple[str, ...], sources: tuple[object, ...], key: object = None) -> bool:
        """Whether `derived(name, sources, ..., key)` would give what it kept, not make it."""
        known = self._derived.get(name)
        return known is not None and known[2] == key and same_objects(known[0], sources)

    def places(self, slug: str, chunks: list[Chunk], pinned: tuple[Entry, ...], pinned_route: str,
               route_of: Callable[[int], str]) -> dict[str, str]:
        """Entry id -> the route of the stream page it is on (pinned ones: `pinned_route`).
        Only ids, page numbers and routes count: after an entry was edited in place, the
        last build's answer stands though a page now holds another (equal-id) object."""
        layout = (pinned_route, *(route_of(c.number) for c in chunks), *map(_entry_id, pinned))
        ids = [chunk.items for chunk in chunks]
        known = self._derived.get(("places", slug))
        if known is not None and known[2] == layout and _same_ids(known[0], ids):  # type: ignore[arg-type]
            return known[1]  # type: ignore[return-value]
        value = _places(chunks, pinned, pinned_route, route_of)
        self._derived[("places", slug)] = (tuple(ids), value, layout)
        return value


def _places(chunks: list[Chunk], pinned: tuple[Entry, ...], pinned_route: str,
            route_of: Callable[[int], str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for chunk in chunks:
        found.update(zip(map(_entry_id, chunk.items), repeat(route_of(chunk.number))))
    found.update(zip(map(_entry_id, pinned), repeat(pinned_route)))
    return found


def _same_ids(old: list[tuple[Entry, ...]], new: list[tuple[Entry, ...]]) -> bool:
    """Pages of entries with the same ids, page by page (a page's same tuple: at once)."""
    return len(old) == len(new) and all(
        a is b or list(map(_entry_id, a)) == list(map(_entry_id, b)) for a, b in zip(old, new))
