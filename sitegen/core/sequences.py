"""Finding things again in a sequence that changed a little since it was last looked at.

`serve` rebuilds after each edit, and most of what it derives from a liveblog's
entries is a matter of each entry alone (immutable objects: the same object always
gives the same answer). The new tuple of entries shares a head and a tail with the
last one (an edit replaces one entry, a new one comes first); what lies between is
found by identity. Fifty thousand entries are compared in C loops, not asked again.
"""

from __future__ import annotations

from itertools import compress, count
from operator import is_not
from typing import Callable, Sequence, TypeVar

T = TypeVar("T")


def places_again(items: Sequence[T], before: Sequence[T], places_before: list[int],
                 test: Callable[[T], bool]) -> list[int]:
    """Where in `items` those are for which `test` holds, given where they were in
    `before` (`places_before`, ascending): `test` is asked only of the objects that
    `before` does not hold. Same answer as asking each item (a test holds it to that)."""
    shorter = min(len(items), len(before))
    head = next(compress(count(), map(is_not, items, before)), shorter)
    tail = next(compress(count(), map(is_not, reversed(items), reversed(before))), shorter)
    tail = min(tail, shorter - head)
    end, end_before = len(items) - tail, len(before) - tail
    chosen = set(places_before)
    was = {id(before[n]): n in chosen for n in range(head, end_before)}  # (`before` is alive: ids are unique)
    middle = [n for n in range(head, end)
              if was.get(id(items[n])) or (id(items[n]) not in was and test(items[n]))]
    shift = end - end_before
    return [n for n in places_before if n < head] + middle + [n + shift for n in places_before if n >= end_before]
