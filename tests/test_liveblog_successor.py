"""incremental.successor: a rebuilt liveblog takes over what the last build derived, exactly.

`serve` rebuilds a long liveblog after every saved entry; values derived from all
its entries (newest change, time span, entries by topic) are carried over from the
last build's liveblog when entries were replaced in place or put on top. Each carried
value must be what computing it afresh gives, object for object: the same instant
written in another zone renders differently, so ties and zones are tried here.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sitegen.i18n import bundled
from sitegen.incremental.successor import successor
from sitegen.model.site import Entry, Liveblog, SourceRef, Topic
from sitegen.site.page_inputs import span
from sitegen.site.structured import coverage

KYIV = ZoneInfo("Europe/Kyiv")
TOPICS = (Topic("energy", "Energy"), Topic("diplomacy", "Diplomacy"))
ENGLISH = bundled()
START = datetime(2025, 3, 23, 8, 0, tzinfo=timezone.utc)


def entry(n: int, minutes: int | None = None, topics: tuple[str, ...] = ("energy",), body: str = "b",
          updated: datetime | None = None, zone: timezone | ZoneInfo = timezone.utc) -> Entry:
    moment = (START + timedelta(minutes=n * 10 if minutes is None else minutes)).astimezone(zone)
    return Entry(id=f"e{n}", time=moment, title=None, topics=topics, author=None, pinned=False, key_event=False,
                 draft=False, image=None, caption=None, credit=None, source=None, updated=updated,
                 body_html=f"<p>{body}</p>", digest=f"{n}-{body}-{moment.isoformat()}-{topics}-{updated}",
                 origin=SourceRef(Path(f"e{n}.md"), 1))


def liveblog(entries: list[Entry], status: str = "live") -> Liveblog:
    newest_first = tuple(sorted(entries, key=lambda e: (e.time, e.id), reverse=True))
    return Liveblog("desk", "Desk", "", status, KYIV, TOPICS, newest_first, SourceRef(Path("liveblog.yaml"), 1),
                    ENGLISH.lang("en", KYIV))


def derived(lb: Liveblog) -> tuple[object, ...]:
    """Every carried value, in a form that tells zones and objects apart."""
    by_topic = {slug: [id(e) for e in found] for slug, found in lb._by_topic.items()}
    return (repr(lb.last_modified), repr(lb.time_span), by_topic, list(lb._by_topic), lb.flagged,
            [id(e) for e in lb.pinned], [id(e) for e in lb.unpinned], lb.ids)


def computed(lb: Liveblog) -> Liveblog:
    """`derived` of the same liveblog computed afresh (no carried values)."""
    return dataclasses.replace(lb)


BASE = [entry(n, topics=(("energy",), ("diplomacy",), ("energy", "diplomacy"), ())[n % 4]) for n in range(1, 12)]
BASE[1] = dataclasses.replace(BASE[1], pinned=True)
BASE[7] = dataclasses.replace(BASE[7], updated=START + timedelta(hours=5))


@pytest.mark.parametrize("change", [
    "body", "topics", "later-time-same-place", "updated", "same-instant-other-zone", "on-top", "on-top-tie",
    "on-top-two", "in-the-middle", "removed", "pinned", "pinned-on-top", "new-id", "corrected-newest",
    "corrected-tie", "corrected-older", "two-corrected-same",
])
def test_carried_values_are_what_computing_them_gives(change: str) -> None:
    previous = liveblog(BASE)
    derived(previous)  # computed, as a build's pages would
    entries = list(BASE)
    if change == "body":
        entries[4] = dataclasses.replace(entries[4], body_html="<p>new</p>", digest="new")
    elif change == "topics":
        entries[4] = dataclasses.replace(entries[4], topics=("energy",), digest="new")  # (was diplomacy)
    elif change == "later-time-same-place":
        entries[4] = dataclasses.replace(entries[4], time=entries[4].time + timedelta(minutes=1), digest="new")
    elif change == "updated":
        entries[2] = dataclasses.replace(entries[2], updated=START + timedelta(days=1), digest="new")
    elif change == "same-instant-other-zone":
        newest = entries[-1]
        entries[-1] = dataclasses.replace(newest, time=newest.time.astimezone(KYIV), digest="new")
    elif change == "on-top":
        entries.append(entry(50))
    elif change == "on-top-tie":  # the same instant as the newest, written in another zone
        entries.append(entry(50, minutes=110, zone=KYIV))
    elif change == "on-top-two":
        entries += [entry(50, topics=("diplomacy",)), entry(51, topics=())]
    elif change == "in-the-middle":
        entries.append(entry(50, minutes=55))
    elif change == "removed":
        del entries[3]
    elif change == "pinned":
        entries[6] = dataclasses.replace(entries[6], pinned=True, digest="new")
    elif change == "pinned-on-top":
        entries.append(dataclasses.replace(entry(50), pinned=True))
    elif change == "corrected-newest":  # a correction's `updated` beyond any other moment
        entries[3] = dataclasses.replace(entries[3], updated=START + timedelta(days=2), digest="new")
    elif change == "corrected-tie":  # ... the same instant as the newest change, in another zone
        entries[3] = dataclasses.replace(entries[3], updated=BASE[7].updated.astimezone(KYIV), digest="new")
    elif change == "corrected-older":  # the newest change corrected back to an older moment
        entries[7] = dataclasses.replace(entries[7], updated=START + timedelta(minutes=75), digest="new")
    elif change == "two-corrected-same":  # two corrections to one new moment: the first wins
        moment = START + timedelta(days=3)
        entries[2] = dataclasses.replace(entries[2], updated=moment.astimezone(KYIV), digest="new2")
        entries[9] = dataclasses.replace(entries[9], updated=moment, digest="new9")
    elif change == "new-id":  # (an id sorts with the time: a new one may keep the place)
        entries[4] = dataclasses.replace(entries[4], id="e5-renamed", topics=("energy", "diplomacy"), digest="new")
    made = successor(previous, liveblog(entries))
    assert made is not previous
    assert set(made.__dict__) & ALL == CARRIED[change]
    assert derived(made) == derived(computed(made))


ALL = {"last_modified", "time_span", "_by_topic", "flagged", "ids"}
CARRIED = {"body": ALL, "topics": ALL - {"_by_topic"}, "later-time-same-place": {"_by_topic", "flagged", "ids"},
           "updated": ALL - {"flagged"}, "same-instant-other-zone": {"_by_topic", "flagged", "ids"},
           "on-top": ALL, "on-top-tie": ALL, "on-top-two": ALL, "in-the-middle": set(), "removed": set(),
           "pinned": ALL - {"flagged"}, "pinned-on-top": ALL, "new-id": ALL - {"ids", "_by_topic"},
           "corrected-newest": ALL - {"flagged"}, "corrected-tie": ALL - {"flagged", "last_modified"},
           "corrected-older": ALL - {"last_modified"}, "two-corrected-same": ALL - {"flagged"}}


def test_an_unchanged_liveblog_is_the_previous_object() -> None:
    previous = liveblog(BASE)
    again = Liveblog(*(getattr(previous, f.name) for f in dataclasses.fields(previous)))
    assert successor(previous, again) is previous
    retitled = dataclasses.replace(again, title="Other")
    assert successor(previous, retitled) is retitled


def test_carried_values_after_many_rebuilds() -> None:
    """Each rebuild carries over from the last: a value stays exact through a chain."""
    current = liveblog(BASE)
    derived(current)
    entries = list(BASE)
    for step in range(12):
        if step % 3 == 0:
            entries.append(entry(100 + step))
        else:
            at = step % len(entries)
            entries[at] = dataclasses.replace(entries[at], body_html=f"<p>{step}</p>", digest=f"d{step}")
        current = successor(current, liveblog(entries))
        assert derived(current) == derived(computed(current)), step


@pytest.mark.parametrize("status", ["live", "ended"])
def test_span_is_the_structured_data_coverage(status: str) -> None:
    """page_inputs.span stands for structured.coverage's start and end in page inputs."""
    tie = dataclasses.replace(BASE[-1], id="tie", time=BASE[-1].time.astimezone(KYIV))
    for entries in ([], BASE, [*BASE, tie]):
        lb = liveblog(list(entries), status)
        found = coverage(lb)
        assert span(lb) == f"{found.start!r}|{found.end!r}"


@pytest.mark.parametrize("seed", range(30))
def test_newest_change_and_span_are_those_of_every_entry(seed: int) -> None:
    """`last_modified` and `time_span` look at a few entries (`entries` being newest
    first), not at thousands: what they give is what min and max over every entry give,
    the same instant in other zones and ties between entries included."""
    rng = random.Random(seed)
    zones = [timezone.utc, KYIV, ZoneInfo("America/New_York")]
    entries = [entry(n, minutes=rng.choice([0, 10, 20]), zone=rng.choice(zones),
                     updated=rng.choice([None, None, (START + timedelta(minutes=rng.choice([10, 20, 30])))
                                        .astimezone(rng.choice(zones))]))
               for n in range(rng.randint(1, 8))]
    lb = liveblog(entries)
    every = lb.entries
    assert repr(lb.last_modified) == repr(max((e.last_modified for e in every), default=None))
    assert repr(lb.time_span) == repr((min((e.time for e in every), default=None),
                                       max((e.time for e in every), default=None)))
