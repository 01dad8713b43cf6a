"""What shapes each stream page and front page besides templates and config: its inputs.

A page whose inputs are as at the last build is neither rebuilt nor rendered
(output.py). `serve` rebuilds a long liveblog after every saved entry, and most
of its pages stay as they were: every archive page but the entry's, and the front
pages too when the entry is an older one. Inputs name digests (an entry's covers
every field that can shape its HTML, a liveblog's its own fields) and routes,
never the page's objects. The test suite checks every claim (SITEGEN_VERIFY_INPUTS):
an input left out fails a test.
"""

from __future__ import annotations

from functools import partial
from itertools import islice
from typing import Iterable

from sitegen.model.site import Entry, Liveblog, Site, Topic
from sitegen.site.pager import position_of, shown_pages
from sitegen.model.pagination import Chunk
from sitegen.site.streams import Streams
from sitegen.site.plan import SitePlan


KEY_EVENTS_SHOWN = 20  # the newest; a war's liveblog has hundreds (all in the key-events feed)
TOPIC_PREVIEW = 5
CARD_ENTRIES = 3


def key_events(liveblog: Liveblog) -> tuple[Entry, ...]:
    """The key events the front page lists."""
    return tuple(islice((e for e in liveblog.entries if e.key_event), KEY_EVENTS_SHOWN))


def corrections(liveblog: Liveblog) -> tuple[Entry, ...]:
    """Every corrected entry, newest first: among the few with an `updated` time."""
    return tuple(e for e in (liveblog.entries[i] for i in liveblog.flagged) if e.correction_html)


def span(liveblog: Liveblog) -> str:
    """The liveblog's coverage span (in its structured data: see structured.coverage,
    whose start and end these are; a test holds them to it), from values the model
    keeps from build to build."""
    start, _ = liveblog.time_span
    return f"{start!r}|{liveblog.coverage_end!r}"


def stream_archive_inputs(streams: Streams, liveblog: Liveblog, span: str, chunks: list[Chunk],
                          *more: str) -> list[str]:
    """Every archive page's inputs (see `archive_inputs`): looked up again only when a
    page of the stream changed."""
    return streams.derived(("archive pages", liveblog.slug, *more), tuple(chunks),
                           lambda: [archive_inputs(streams, liveblog, span, chunks, chunk, *more)
                                    for chunk in chunks[1:]],
                           key=(liveblog.digest, span))


def archive_inputs(streams: Streams, liveblog: Liveblog, span: str, chunks: list[Chunk], chunk: Chunk,
                   *more: str) -> str:
    """An archive page (a stream page but the first): the liveblog's own fields, its
    coverage span (structured data), its entries and its pager (the pages it lists,
    each by number and label, so a new archive page changes only the pages that list
    it). A new entry elsewhere changes none of these."""
    shown = tuple(chunks[i] for i in shown_pages(len(chunks), position_of(chunks, chunk.number)))
    make = partial(_archive_inputs, liveblog.digest, span, chunk, shown, more)
    # (made once while the page and those it lists are the same Chunks: see streams.py)
    return streams.derived(("archive", liveblog.slug, *more, str(chunk.number)), (chunk, *shown), make,
                           key=(liveblog.digest, span))


def _archive_inputs(digest: str, span: str, chunk: Chunk, shown: tuple[Chunk, ...], more: tuple[str, ...]) -> str:
    return "\x00".join((digest, span, str(chunk.number), *_pager(shown), "|", *more, "|", chunk.digest))


def front_inputs(plan: SitePlan, liveblog: Liveblog, span: str, chunks: list[Chunk]) -> str:
    """The liveblog's front page: its own fields, coverage and last change (header and
    structured data), its size, the pinned entries and the newest page of the stream,
    the key events and each topic's count and newest entries (each shown with a link
    to where it lives), and the pager, which lists every page."""
    topics = [f"{t.slug}:{len(liveblog.topic_entries(t.slug))}:"
              + _linked(plan, liveblog, liveblog.topic_entries(t.slug)[:TOPIC_PREVIEW]) for t in liveblog.topics]
    return "\x00".join((liveblog.digest, span, repr(liveblog.last_modified), str(len(liveblog.entries)),
                        *(e.digest for e in liveblog.pinned), chunks[0].digest, "|",
                        _linked(plan, liveblog, key_events(liveblog)), "|", *topics, "|", *_pager(chunks),
                        "|", liveblog.summary_digest, _linked(plan, liveblog, corrections(liveblog))))


def topic_front_inputs(liveblog: Liveblog, topic: Topic, chunks: list[Chunk]) -> str:
    """A topic's first page: the liveblog's own fields, last change and size (header),
    the topic, its newest entries and its pager, which lists every page."""
    return "\x00".join((liveblog.digest, topic.slug, topic.title, repr(liveblog.last_modified),
                        str(len(liveblog.entries)), chunks[0].digest, "|", *_pager(chunks)))


def cards_inputs(site: Site, plan: SitePlan) -> str:
    """The home page and 404 page: each liveblog's card (header and newest entries)."""
    return "\x00".join(f"{lb.digest}:{lb.last_modified!r}:{len(lb.entries)}:"
                       + _linked(plan, lb, lb.entries[:CARD_ENTRIES]) for lb in site.liveblogs)


def _pager(chunks: Iterable[Chunk]) -> Iterable[str]:
    """Pages as a pager lists them: number, and label (see pager.chunk_label)."""
    return (f"{c.number}:{'' if c.is_front else c.label_key}" for c in chunks)


def _linked(plan: SitePlan, liveblog: Liveblog, entries: Iterable[Entry]) -> str:
    """Entries shown as links to where they live (see SitePlan.entry_link)."""
    return " ".join(f"{e.digest}@{plan.route_of(liveblog, e)}" for e in entries)
