"""Which pages a site has, and the typed context each one is rendered with.

`site_pages` yields one `PageSpec` at a time so a 10,000-entry site never holds
every page in memory. Entry bodies come in as prerendered fragments.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable, Iterator

from markupsafe import Markup

from sitegen.core import urls
from sitegen.site.author_pages import author_pages
from sitegen.site.compact import compact_pages
from sitegen.site.header import LiveblogHeader, liveblog_header
from sitegen.site.entry_pages import entry_pages
from sitegen.site.live import stream_data
from sitegen.site.plan import (EntryLink, Fragment, PageGroup, PageSpec, SitePlan, stream_route,
                               topic_stream_route)
from sitegen.model.site import Entry, Liveblog, Site, Topic
from sitegen.site.page_inputs import (CARD_ENTRIES, TOPIC_PREVIEW, cards_inputs, corrections, front_inputs,
                                      key_events, span, stream_archive_inputs, topic_front_inputs)
from sitegen.site.csp import embedded_frames
from sitegen.site.structured import liveblog_posting
from sitegen.model.pagination import Chunk
from sitegen.site.pager import Pager, chunk_label, pager
from sitegen.core.urls import Links
from sitegen.site.views import (Alternate, Head, SiteView, SummaryView, feed_alternates, head, plain_text,
                                site_alternates, site_view, summary_view)

ARCHIVE_BLOCK = 20  # archive pages per group (see `archive_group`)


@dataclass(frozen=True)
class TopicSummary:
    anchor: str
    title: str
    url: str
    count: int
    count_number: str  # the count in the language's digits
    count_label: str  # "3 updates", for readers of screens
    latest: tuple[EntryLink, ...]


@dataclass(frozen=True)
class CorrectionLink:
    """One correction in the liveblog's corrections list: the entry, when, and what."""

    link: EntryLink
    updated_iso: str
    updated_label: str
    text: str


@dataclass(frozen=True)
class CommentsView:
    heading: str
    invitation: str
    thread_id: str
    url: str
    title: str
    provider: str
    options: tuple[tuple[str, str], ...]  # data-* attributes a provider needs


@dataclass(frozen=True)
class LiveblogPage:
    head: Head
    site: SiteView
    header: LiveblogHeader
    is_front: bool
    stream_heading: str
    summary: SummaryView | None  # the front page's (possibly empty) key points
    key_events: tuple[EntryLink, ...]
    key_events_url: str
    corrections: tuple[CorrectionLink, ...]
    topics: tuple[TopicSummary, ...]
    pinned: Markup
    stream: Markup
    pager: Pager | None
    comments: CommentsView
    stream_data: tuple[tuple[str, str], ...]  # data-* for sitegen.js (live updates, moved entries)


@dataclass(frozen=True)
class TopicPage:
    head: Head
    site: SiteView
    header: LiveblogHeader
    topic_title: str
    topic_index_url: str
    topic_feed_url: str
    stream: Markup
    pager: Pager | None
    stream_data: tuple[tuple[str, str], ...]  # data-* for sitegen.js (moved entries)


@dataclass(frozen=True)
class LiveblogCard:
    header: LiveblogHeader
    latest: tuple[EntryLink, ...]


@dataclass(frozen=True)
class HomePage:
    head: Head
    site: SiteView
    liveblogs: tuple[LiveblogCard, ...]


def site_pages(site: Site, plan: SitePlan, fragment: Fragment) -> Iterator[PageSpec | PageGroup]:
    yield home_page(site, plan)
    for liveblog in site.liveblogs:
        yield from liveblog_pages(site, plan, liveblog, fragment)
        yield from compact_pages(site, liveblog, fragment)
        for topic in liveblog.topics:
            yield from topic_pages(plan, liveblog, topic.slug, fragment)
        yield from entry_pages(site, plan, liveblog, fragment)
    yield from author_pages(site)
    yield not_found_page(site, plan)


def _join(entries: tuple[Entry, ...], liveblog: Liveblog, links: Links, fragment: Fragment) -> Markup:
    return Markup("".join(fragment(e, liveblog, links) for e in entries))


def liveblog_pages(site: Site, plan: SitePlan, liveblog: Liveblog,
                   fragment: Fragment) -> Iterator[PageSpec | PageGroup]:
    chunks = plan.chunks[liveblog.slug]
    route = urls.liveblog(liveblog.slug)
    page_of = partial(liveblog_page, site, plan, liveblog, chunks=chunks, fragment=fragment)
    links = Links.from_page(site.config.base_url, route)
    yield PageSpec(route, "liveblog.html", partial(page_of, chunk=chunks[0], links=links),
                   front_inputs(plan, liveblog, span(liveblog), chunks))
    yield from archive_group(plan, liveblog, chunks, partial(stream_route, liveblog.slug), "liveblog.html", page_of)


def archive_group(plan: SitePlan, liveblog: Liveblog, chunks: list[Chunk], route_of: Callable[[int], str], template: str,
                  page_of: Callable[..., object], *more: str) -> Iterator[PageGroup]:
    """A stream's archive pages (all but its first) in groups of ARCHIVE_BLOCK by page
    number (numbers count from the oldest, so a page stays in its group): after an edit
    most groups are as they were, and are kept whole, not looked at page by page. Each
    page keeps its own inputs, so of a changed group only the changed pages are made."""
    inputs = stream_archive_inputs(plan.streams, liveblog, span(liveblog), chunks, *more)
    blocks: dict[int, list[tuple[Chunk, str]]] = {}
    for chunk, page_inputs in zip(chunks[1:], inputs):
        blocks.setdefault(chunk.number // ARCHIVE_BLOCK, []).append((chunk, page_inputs))
    for block, pages in blocks.items():
        routes = tuple(route_of(chunk.number) for chunk, _ in pages)
        name = " ".join(("archive pages", liveblog.slug, *more[:1], str(block)))
        # (a changed group is looked at page by page: usually one page of many changed)
        yield PageGroup(name, "\x00".join(i for _, i in pages), routes,
                        partial(_archive_pages, plan.site, pages, routes, template, page_of), whole=False)


def _archive_pages(site: Site, pages: list[tuple[Chunk, str]], routes: tuple[str, ...], template: str,
                   page_of: Callable[..., object]) -> Iterator[PageSpec]:
    for (chunk, page_inputs), route in zip(pages, routes):
        links = Links.from_page(site.config.base_url, route)
        yield PageSpec(route, template, partial(page_of, chunk=chunk, links=links), page_inputs)


def liveblog_page(site: Site, plan: SitePlan, liveblog: Liveblog, chunk: Chunk, chunks: list[Chunk],
                  links: Links, fragment: Fragment) -> LiveblogPage:
    route = stream_route(liveblog.slug, chunk.number)
    config = site.config
    t = liveblog.lang.t
    front = chunk.is_front
    title = liveblog.title if front else t.text("archive_title", liveblog=liveblog.title,
                                                date=chunk_label(chunk, liveblog.lang))
    pinned = liveblog.pinned if front else ()
    pinned_html, stream_html = _join(pinned, liveblog, links, fragment), _join(chunk.items, liveblog, links, fragment)
    summary = summary_view(liveblog) if front else None
    live = front and liveblog.is_live  # (sitegen.js adds new entries to it: any embed may come)
    return LiveblogPage(
        head=head(config, links, route, title, liveblog.description,
                  alternates=liveblog_alternates(liveblog, links), og_type="article",
                  json_ld=liveblog_posting(config, liveblog, links, route,
                                           [(e, plan.route_of(liveblog, e)) for e in pinned + chunk.items])
                  if front else None,  # (an archive page is not indexed: see liveblog_posting)
                  robots=None if front else "noindex, follow", lang=liveblog.lang,
                  embedded=None if live else embedded_frames(pinned_html, stream_html, summary and summary.html or "")),
        site=site_view(config, links),
        header=liveblog_header(site, liveblog, links, archive=not front, shown=chunk.items[:1]),
        is_front=front,
        stream_heading=t.latest_updates if front else t.text("updates_from", date=chunk_label(chunk, liveblog.lang)),
        summary=summary,
        key_events=tuple(plan.entry_link(liveblog, e, links, route) for e in key_events(liveblog)) if front else (),
        key_events_url=links.to(urls.key_events(liveblog.slug)),
        corrections=_corrections(plan, liveblog, links, route) if front else (),
        topics=_topic_summaries(plan, liveblog, links, route) if front else (),
        pinned=pinned_html,
        stream=stream_html,
        pager=pager(chunks, chunk.number, lambda n: stream_route(liveblog.slug, n), links, liveblog.lang),
        comments=comments_view(site, liveblog, links),
        stream_data=stream_data(site, liveblog, links, None if front else urls.liveblog(liveblog.slug),
                                poll=front),
    )


def _corrections(plan: SitePlan, liveblog: Liveblog, links: Links, here: str) -> tuple[CorrectionLink, ...]:
    found = []
    for entry in corrections(liveblog):
        updated = entry.updated or entry.time
        found.append(CorrectionLink(plan.entry_link(liveblog, entry, links, here), updated.isoformat(),
                                    liveblog.lang.clock.stamp(updated), plain_text(entry.correction_html or "")))
    return tuple(found)


def liveblog_alternates(liveblog: Liveblog, links: Links) -> tuple[Alternate, ...]:
    """The liveblog's feeds and its key-events feed, each as RSS, Atom and JSON Feed."""
    title = liveblog.lang.t.text("key_events_feed_title", liveblog=liveblog.title)
    return (feed_alternates(links, urls.liveblog_feed(liveblog.slug), liveblog.title)
            + feed_alternates(links, urls.key_events_feed(liveblog.slug), title))


def _topic_summaries(plan: SitePlan, liveblog: Liveblog, links: Links, here: str) -> tuple[TopicSummary, ...]:
    summaries = []
    for topic in liveblog.topics:
        entries = liveblog.topic_entries(topic.slug)
        summaries.append(TopicSummary(
            anchor=urls.topic_anchor(topic.slug), title=topic.title,
            url=links.to(urls.topic(liveblog.slug, topic.slug)), count=len(entries),
            count_number=liveblog.lang.clock.number(len(entries)),
            count_label=liveblog.lang.t.count("topic_entry_count", len(entries)),
            latest=tuple(plan.entry_link(liveblog, e, links, here) for e in entries[:TOPIC_PREVIEW]),
        ))
    return tuple(summaries)


def comments_view(site: Site, liveblog: Liveblog, links: Links) -> CommentsView:
    c, t = site.config.comments, liveblog.lang.t
    options = tuple((name.replace("_", "-"), value) for name, value in vars(c).items()
                    if name.startswith(c.provider + "_") and value is not None)
    return CommentsView(
        heading=c.heading or t.comments_heading, invitation=c.invitation or t.comments_invitation,
        thread_id=f"liveblog-{liveblog.slug}",
        url=links.absolute(urls.liveblog(liveblog.slug)), title=liveblog.title,
        provider=c.provider, options=options,
    )


def topic_pages(plan: SitePlan, liveblog: Liveblog, topic_slug: str,
                fragment: Fragment) -> Iterator[PageSpec | PageGroup]:
    site, topic = plan.site, liveblog.topic(topic_slug)
    chunks = plan.streams.chunks((liveblog.slug, topic_slug), liveblog.topic_entries(topic_slug), site.config.per_page)
    route = urls.topic(liveblog.slug, topic_slug)
    page_of = partial(topic_page, site, liveblog, topic, chunks=chunks, fragment=fragment)
    links = Links.from_page(site.config.base_url, route)
    yield PageSpec(route, "topic.html", partial(page_of, chunk=chunks[0], links=links),
                   topic_front_inputs(liveblog, topic, chunks))
    yield from archive_group(plan, liveblog, chunks, partial(topic_stream_route, liveblog.slug, topic_slug),
                             "topic.html", page_of, topic.slug, topic.title)


def topic_page(site: Site, liveblog: Liveblog, topic: Topic, chunk: Chunk, chunks: list[Chunk], links: Links,
               fragment: Fragment) -> TopicPage:
    topic_slug = topic.slug
    route = topic_stream_route(liveblog.slug, topic_slug, chunk.number)
    t = liveblog.lang.t
    title = t.text("topic_title", topic=topic.title, liveblog=liveblog.title)
    stream = _join(chunk.items, liveblog, links, fragment)
    return TopicPage(
        head=head(site.config, links, route, title,
                  t.text("topic_description", topic=topic.title, description=liveblog.description),
                  alternates=feed_alternates(links, urls.topic_feed(liveblog.slug, topic_slug), title),
                  robots=None if chunk.is_front else "noindex, follow", lang=liveblog.lang,
                  embedded=embedded_frames(stream)),
        site=site_view(site.config, links),
        header=liveblog_header(site, liveblog, links, archive=not chunk.is_front, shown=chunk.items[:1]),
        topic_title=topic.title,
        topic_index_url=links.to(urls.liveblog(liveblog.slug)) + "#" + urls.topic_anchor(topic_slug),
        topic_feed_url=links.to(urls.topic_feed(liveblog.slug, topic_slug)),
        stream=stream,
        pager=pager(chunks, chunk.number,
                     lambda n: topic_stream_route(liveblog.slug, topic_slug, n), links, liveblog.lang),
        stream_data=stream_data(site, liveblog, links,
                                None if chunk.is_front else urls.topic(liveblog.slug, topic_slug)),
    )


def _cards(site: Site, plan: SitePlan, links: Links, here: str) -> tuple[LiveblogCard, ...]:
    return tuple(LiveblogCard(liveblog_header(site, lb, links),
                              tuple(plan.entry_link(lb, e, links, here) for e in lb.entries[:CARD_ENTRIES]))
                 for lb in site.liveblogs)


def home_page(site: Site, plan: SitePlan) -> PageSpec:
    return PageSpec(urls.home(), "home.html", partial(_home, site, plan), cards_inputs(site, plan))


def _home(site: Site, plan: SitePlan) -> HomePage:
    links = Links.from_page(site.config.base_url, urls.home())
    config = site.config
    return HomePage(
        head=head(config, links, urls.home(), config.title, config.description,
                  alternates=site_alternates(config, links), lang=site.lang, embedded=frozenset()),
        site=site_view(config, links),
        liveblogs=_cards(site, plan, links, urls.home()),
    )


def not_found_page(site: Site, plan: SitePlan) -> PageSpec:
    return PageSpec("404.html", "404.html", partial(_not_found, site, plan), cards_inputs(site, plan))


def _not_found(site: Site, plan: SitePlan) -> HomePage:
    links = Links.rooted(site.config.base_url)
    config = site.config
    return HomePage(
        head=head(config, links, "404.html", site.lang.t.text("page_not_found_title", site=config.title),
                  config.description, alternates=site_alternates(config, links), robots="noindex", lang=site.lang,
                  embedded=frozenset()),
        site=site_view(config, links),
        liveblogs=_cards(site, plan, links, "404.html"),
    )
