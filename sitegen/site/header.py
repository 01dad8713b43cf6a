"""A liveblog's masthead, as every page about it shows it (stream, topic, key-events,
embed and home pages): title, live or ended, last updated, entry count, feed and the
clock its times are on, in the liveblog's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sitegen.core import urls
from sitegen.core.urls import Links
from sitegen.i18n.clock import EPOCH
from sitegen.model.site import Entry, Liveblog, Site


@dataclass(frozen=True)
class LiveblogHeader:
    title: str
    description: str
    url: str
    is_live: bool
    status_label: str
    updated_iso: str | None
    updated_label: str | None
    entry_count: int
    entry_count_label: str  # "12 updates", in the liveblog's language and plural rules
    feed_url: str
    zone_note: str  # "All times are ... (Kyiv, GMT+02:00)" in the liveblog's language



def liveblog_header(site: Site, liveblog: Liveblog, links: Links, archive: bool = False,
                    shown: tuple[Entry, ...] = ()) -> LiveblogHeader:
    """The liveblog's masthead; archive pages leave out "last updated" so that their
    bytes stay the same while new entries arrive (see pagination.py). The zone note
    states the zone's offset at the newest of the `shown` entries (the page's own)."""
    newest = None if archive else liveblog.last_modified
    t, clock = liveblog.lang.t, liveblog.lang.clock
    return LiveblogHeader(
        title=liveblog.title, description=liveblog.description,
        url=links.to(urls.liveblog(liveblog.slug)), is_live=liveblog.is_live,
        status_label=t.live if liveblog.is_live else t.ended,
        updated_iso=newest.isoformat() if newest else None,
        updated_label=clock.stamp(newest) if newest else None,
        entry_count=len(liveblog.entries),
        entry_count_label=t.count("updates_count", len(liveblog.entries)),
        feed_url=links.to(urls.liveblog_feed(liveblog.slug)),
        zone_note=zone_note(liveblog, max((e.time for e in shown), default=EPOCH)),
    )


def zone_note(liveblog: Liveblog, moment: datetime) -> str:
    """Which clock the page's times are on, in the liveblog's language."""
    clock = liveblog.lang.clock
    return liveblog.lang.t.text("times_in_zone", zone=clock.zone_name(moment), place=clock.place,
                                offset=clock.offset(moment))
