"""One memo store per session, in named partitions (Hugo's partitioned memo cache).

What a build derives that the next build of the same session may reuse (the pages of
each stream, finished articles, parsed files, output records) lives in the `Memo` the
session owns: a one-off `sitegen build` makes a fresh one, `serve` keeps one for its
life. Nothing of the kind is kept in module globals, so no rebuild has to remember to
reset anything, and two sessions in one process (the tests) never see each other's.
Pure functions of their whole input (URL quoting, a feed item's text) may still keep
a bounded `functools.lru_cache`: their values never go stale.
"""

from __future__ import annotations

from typing import Generic, Iterator, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Partition(Generic[K, V]):
    """A dict of one kind of value, emptied when it reaches `limit` (a session that
    builds many sites, as the tests do, starts such a partition afresh)."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.values: dict[K, V] = {}

    def get(self, key: K, default: V | None = None) -> V | None:
        return self.values.get(key, default)

    def __getitem__(self, key: K) -> V:
        return self.values[key]

    def __setitem__(self, key: K, value: V) -> None:
        if self.limit is not None and len(self.values) >= self.limit and key not in self.values:
            self.values.clear()
        self.values[key] = value

    def __contains__(self, key: object) -> bool:
        return key in self.values

    def __len__(self) -> int:
        return len(self.values)

    def __iter__(self) -> Iterator[K]:
        return iter(self.values)

    def pop(self, key: K, default: V | None = None) -> V | None:
        return self.values.pop(key, default)


class Memo:
    """The session's partitions, each made on first use and named by its owner."""

    def __init__(self) -> None:
        self._partitions: dict[str, Partition] = {}  # type: ignore[type-arg]

    def partition(self, name: str, limit: int | None = None) -> Partition:  # type: ignore[type-arg]
        found = self._partitions.get(name)
        if found is None:
            found = self._partitions[name] = Partition(limit)
        return found
