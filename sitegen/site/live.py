"""`L/updates.json`: what an open liveblog page polls to follow the coverage.

A static host cannot push, so every build publishes a small manifest beside the
liveblog: its status, how often to poll, the newest entries as the very same
`<article>` HTML the front page shows, the ids the front page holds, and the
ids removed since earlier builds. Removals are found by comparing with the
manifest the previous build left in the output folder, and carried forward
(bounded) so a reader who skipped a build still hears of them.

The size depends on `live.manifest_entries`, `per_page` and a few constants,
never on how long the liveblog is. The bytes depend only on the site and the
previous manifest (no clock), so a rebuild of unchanged sources rewrites nothing.
"""

from __future__ import annotations

import json
from operator import itemgetter
from pathlib import Path
from typing import AbstractSet, Any, Iterator

from sitegen.core import urls
from sitegen.model.site import Entry, Liveblog, Site
from sitegen.core.text import slug_problem
from sitegen.core.urls import Links
from sitegen.site.plan import Fragment, SitePlan



FORMAT = 1
MAX_REMOVED = 100  # a reader away longer than 100 deletions reloads anyway
MAX_CORRECTIONS = 5  # recently updated entries outside the newest window
MAX_PREVIOUS_BYTES = 8 << 20
_first = itemgetter(0)


def manifest_files(site: Site, plan: SitePlan, fragment: Fragment, output: Path) -> Iterator[tuple[str, bytes]]:
    """(route, bytes) of every liveblog's manifest, each compared with the one in `output`."""
    for liveblog in site.liveblogs:
        route = urls.updates_manifest(liveblog.slug)
        previous = read_previous(output / route, liveblog.slug)
        data = manifest(site, plan, liveblog, fragment, previous)
        yield route, encode(data)


def encode(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def manifest(site: Site, plan: SitePlan, liveblog: Liveblog, fragment: Fragment,
             previous: dict[str, list[str]] | None) -> dict[str, Any]:
    """The manifest of one liveblog (fields: see the module docstring and the README)."""
    config = site.config
    links = Links.from_page(config.base_url, urls.liveblog(liveblog.slug))
    front = front_ids(plan, liveblog)
    newest = liveblog.last_modified
    return {
        "format": FORMAT,
        "liveblog": liveblog.slug,
        "status": liveblog.status,
        "poll_seconds": config.live.poll_seconds,
        "updated": newest.isoformat() if newest else None,
        "count": len(liveblog.entries),
        "entries": [_entry(e, fragment(e, liveblog, links))
                    for e in selected(liveblog, config.live.manifest_entries)],
        "front": front,
        "removed": removed_ids(previous, liveblog.ids),
        "summary": summary_data(liveblog),
        "topics": {t.slug: len(liveblog.topic_entries(t.slug)) for t in liveblog.topics},  # the sidebar's counts
        "ends": liveblog.ends.isoformat() if liveblog.ends else None,
    }


def summary_data(liveblog: Liveblog) -> dict[str, Any] | None:
    """The key points as the front page shows them, so open pages refresh them in place;
    `version` changes with any edit."""
    if not liveblog.summary_html:
        return None
    updated = liveblog.summary_updated
    html = Links.from_page("", urls.liveblog(liveblog.slug)).site_html(liveblog.summary_html)  # (for the front)
    return {"html": html, "updated": updated.isoformat() if updated else None,
            "version": liveblog.summary_digest[:16]}


def front_ids(plan: SitePlan, liveblog: Liveblog) -> list[str]:
    """The ids the front page shows (pinned first), newest first within each group."""
    pinned = [e.id for e in liveblog.pinned]
    chunks = plan.chunks[liveblog.slug]
    return pinned + [e.id for e in (chunks[0].items if chunks else ())]


def selected(liveblog: Liveblog, count: int) -> list[Entry]:
    """The newest `count` entries, every pinned one, and the latest corrections, newest first.

    Pinned entries sit at the top of the page whatever their age, and a
    correction to a slightly older entry should still reach open pages.
    """
    entries = liveblog.entries
    marked = [(i, entries[i]) for i in liveblog.flagged]  # the pinned and corrected ones, and where
    chosen = {e.id for e in entries[:count]} | {e.id for _, e in marked if e.pinned}
    corrected = sorted((e for _, e in marked if e.updated and e.id not in chosen),
                       key=lambda e: (e.last_modified, e.id), reverse=True)
    chosen |= {e.id for e in corrected[:MAX_CORRECTIONS]}
    # every chosen entry (ids are unique) in the liveblog's order, without a look at
    # each of thousands of entries (`serve` rebuilds often)
    candidates = dict(marked)
    candidates.update(enumerate(entries[:count]))
    return [e for _, e in sorted(candidates.items(), key=_first) if e.id in chosen]


def _entry(entry: Entry, html: str) -> dict[str, Any]:
    return {
        "id": entry.id,
        "time": entry.time.isoformat(),
        "updated": entry.updated.isoformat() if entry.updated else None,
        "version": entry.digest[:16],
        "pinned": entry.pinned,
        "key_event": entry.key_event,
        "html": html,
    }


def removed_ids(previous: dict[str, list[str]] | None, current: AbstractSet[str]) -> list[str]:
    """Ids the previous build knew (or had already reported removed) that are gone now.

    Newly removed ids come first; the list is capped so the file stays small.
    An id that comes back is simply no longer removed.
    """
    if previous is None:
        return []
    gone = [i for i in previous["known"] + previous["removed"] if i not in current]
    return list(dict.fromkeys(gone))[:MAX_REMOVED]


def read_previous(path: Path, slug: str) -> dict[str, list[str]] | None:
    """What the previous manifest knew: {"known": ids, "removed": ids}; None if unusable.

    The file is output we wrote, but anything may have happened to it since: a
    missing, huge, foreign or malformed file simply means "no previous build".
    """
    try:
        if path.stat().st_size > MAX_PREVIOUS_BYTES:
            return None
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("liveblog") != slug:
        return None
    entries = data.get("entries")
    entry_ids = [e.get("id") for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
    return {"known": _ids(entry_ids) + _ids(data.get("front")), "removed": _ids(data.get("removed"))}


def _ids(values: object) -> list[str]:
    if not isinstance(values, list):
        return []
    return [v for v in values if isinstance(v, str) and slug_problem(v) is None]


def stream_data(site: Site, liveblog: Liveblog, links: Links, latest_route: str | None,
                poll: bool = False) -> tuple[tuple[str, str], ...]:
    """The `data-*` attributes sitegen.js reads on a stream page: where entry pages
    live (to find an entry that moved to another page), where the newest updates
    are when this is not that page (`latest_route`), and, for the liveblog's live
    front page (`poll`), which manifest to poll and how often."""
    data = [("entry-pages", links.to(urls.entries_folder(liveblog.slug)))]
    if latest_route is not None:
        data.append(("latest-url", links.to(latest_route)))
    if poll:
        data.append(("liveblog", liveblog.slug))  # (the reader's last visit is kept per liveblog)
    if poll and liveblog.is_live:
        data += [("live-url", links.to(urls.updates_manifest(liveblog.slug))),
                 ("live-poll", str(site.config.live.poll_seconds))]
    return tuple(data)
