"""A rebuilt liveblog takes over what the last build derived from its entries.

`serve` rebuilds a 10,000-entry liveblog after each saved entry. The model's derived
values (cached properties: last modified, time span, flagged entries, ids, entries by
topic) would be computed afresh over every entry; here they are carried from the last
build's liveblog where that is exact, at the cost of the few entries that changed.
The model knows nothing of this: the incremental entry reader (entries.py) calls
`successor` on each liveblog it loads.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from itertools import repeat
from operator import is_not
from typing import Callable

from sitegen.model.site import Entry, Liveblog, flagged, same_objects


def successor(previous: Liveblog | None, made: Liveblog) -> Liveblog:
    """`made`, the liveblog a rebuild has just loaded, or `previous` (the last build's)
    when it is the same in every field and holds the very same entries: what pages
    derive from it is then known already. When only some entries were replaced in
    place, or new ones put on top, values derived from all entries are carried over
    at the cost of the few new ones (`serve` rebuilds a 10,000-entry liveblog after
    each saved entry). Never a guess: anything else is computed afresh."""
    if previous is None or not all(getattr(previous, name) == getattr(made, name) for name in _OWN_FIELDS):
        return made
    if previous.entries is made.entries:
        return previous
    old, new = previous.entries, made.entries
    on_top = len(new) - len(old)
    if on_top > 0 and same_objects(old, new[on_top:]):
        _carry_over(previous, made, [], new[:on_top])
    elif on_top == 0 and (replaced := _replaced(old, new)) is not None:
        _carry_over(previous, made, replaced, ())
    return made


_OWN_FIELDS = tuple(f.name for f in fields(Liveblog) if f.name != "entries")  # (summary, ends: every one)
_MOST_REPLACED = 64


def _replaced(old: tuple[Entry, ...], new: tuple[Entry, ...]) -> list[int] | None:
    """Where `new` holds other objects than `old` (a few), or None."""
    flags = list(map(is_not, old, new))
    found: list[int] = []
    try:
        while len(found) <= _MOST_REPLACED:
            found.append(flags.index(True, found[-1] + 1 if found else 0))
    except ValueError:
        return found
    return None


def _carry_over(previous: Liveblog, made: Liveblog, replaced: list[int], on_top: tuple[Entry, ...]) -> None:
    """Give `made` the values `previous` computed, updated for the entries at `replaced`
    (same place) and the new entries `on_top`, where that is exact; cached_property
    keeps its values in the instance's __dict__, where they are put."""
    old, new = previous.entries, made.entries
    if "last_modified" in previous.__dict__:
        newest = _extreme(max, previous.last_modified, [(old[i].last_modified, new[i].last_modified) for i in replaced],
                          [e.last_modified for e in on_top])
        if newest is not None:
            made.__dict__["last_modified"] = newest
    if "time_span" in previous.__dict__:
        times = [(old[i].time, new[i].time) for i in replaced]
        first = _extreme(min, previous.time_span[0], times, [e.time for e in on_top])
        last = _extreme(max, previous.time_span[1], times, [e.time for e in on_top])
        if first is not None and last is not None:
            made.__dict__["time_span"] = (first, last)
    if "flagged" in previous.__dict__ and all(flagged(old[i]) == flagged(new[i]) for i in replaced):
        shift = len(on_top)
        made.__dict__["flagged"] = tuple(i for i, e in enumerate(on_top) if flagged(e)) + tuple(
            i + shift for i in previous.flagged) if shift else previous.flagged
    if "ids" in previous.__dict__ and all(old[i].id == new[i].id for i in replaced):
        made.__dict__["ids"] = previous.ids.union(e.id for e in on_top) if on_top else previous.ids
    if "_by_topic" in previous.__dict__:
        by_topic = _topics_updated(previous._by_topic, [(old[i], new[i]) for i in replaced], on_top)
        if by_topic is not None:
            made.__dict__["_by_topic"] = by_topic


def _topics_updated(by_topic: dict[str, tuple[Entry, ...]], replaced: list[tuple[Entry, Entry]],
                    on_top: tuple[Entry, ...]) -> dict[str, tuple[Entry, ...]] | None:
    """`Liveblog._by_topic` after replacing entries (each new one with the same topics
    as the one it replaces, so in the same place) and putting new ones on top; None
    when that is not what computing it afresh would give."""
    updated = dict(by_topic)
    for old, new in replaced:
        if old.topics != new.topics:
            return None
        for slug in old.topics:
            found = updated.get(slug, ())
            others = list(map(is_not, found, repeat(old)))
            if False not in others:
                return None
            at = others.index(False)
            updated[slug] = found[:at] + (new,) + found[at + 1:]
    for slug in dict.fromkeys(s for e in on_top for s in e.topics):
        if slug not in updated:
            return None  # an undeclared topic: where it goes in the dict is not known here
        updated[slug] = tuple(e for e in on_top for s in e.topics if s == slug) + updated[slug]
    return updated


def _extreme(pick: Callable[[list[datetime]], datetime], known: datetime | None,
             replaced: list[tuple[datetime, datetime]], on_top: list[datetime]) -> datetime | None:
    """`pick` (min or max) of all entries' moments as it would come out (the first of
    equal ones wins), from the `known` one of the previous entries, after some were
    replaced (in the order of their places) and others put first. Exact when each
    replaced moment is the same, or the new one goes strictly beyond `known` (a
    correction's `updated`): nothing else can then come first. None otherwise."""
    if known is None:
        return None
    beyond = []
    for old, new in replaced:
        if (new > known) if pick is max else (new < known):
            beyond.append(new)
        elif not _same_moment(old, new):
            return None
    return pick([*on_top, *beyond, known])


def _same_moment(a: datetime, b: datetime) -> bool:
    """The same instant, written the same way, in the same zone."""
    return a == b and a.tzinfo is b.tzinfo and a.isoformat() == b.isoformat()
