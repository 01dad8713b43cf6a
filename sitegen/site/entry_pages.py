"""Entry pages, `L/entries/E/`: one URL per update that never moves.

Pagination moves entries between pages as the coverage grows; an entry's own
page stays put, so share links and search results point here. It links to the
entry's current place in the stream, and sitegen.js reads that link to send a
stale `L/page/N/#entry-E` to wherever E lives now.

The context depends on the entry, its liveblog's title and status, and the
entry's location only, never on other entries, so adding an update rewrites
no entry page except the one that moved page. The <article> comes from the
fragment cache (pages at depth 3 share it: topic and archive pages use it too).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Iterator

from markupsafe import Markup

from sitegen.core import urls
from sitegen.model.pictures import media_route
from sitegen.model.site import Entry, Liveblog, Site
from sitegen.site.csp import embedded_frames
from sitegen.site.structured import entry_posting, part_of, publisher
from sitegen.core.urls import Links
from sitegen.site.views import Head, SiteView, feed_alternates, head, headline, page_policy, plain_text, site_view
from sitegen.site.plan import Fragment, PageGroup, PageSpec, SitePlan


TEMPLATE = "entry_page.html"
DESCRIPTION_LIMIT = 200


@dataclass(frozen=True)
class EntryPage:
    head: Head
    site: SiteView
    liveblog_title: str
    liveblog_url: str
    is_live: bool
    status_label: str
    article: Markup
    stream_url: str  # the entry in the liveblog's stream: page + anchor
    stream_label: str


def entry_pages(site: Site, plan: SitePlan, liveblog: Liveblog, fragment: Fragment) -> Iterator[PageGroup]:
    """Every entry's page, in groups: the entries that live on one stream page. All
    sit at the same depth, so everything but the entry's own values is computed once
    per liveblog (10,000 entries mean 10,000 pages), and a group whose entries and
    location did not change is not looked at page by page."""

    shared = _Shared.of(site, liveblog)
    for location, entries in plan.by_location(liveblog):
        name = f"entry pages {liveblog.slug} {location}"
        routes, digest = plan.streams.derived((name,), entries, partial(_routes_and_digest, liveblog.slug, entries))
        yield PageGroup(name, f"{liveblog.digest} {location} {digest}", routes,
                        partial(_pages, site, plan, liveblog, entries, shared, fragment), entries)


def _routes_and_digest(slug: str, entries: tuple[Entry, ...]) -> tuple[tuple[str, ...], str]:
    """The entries' pages, and a content hash of the entries (their digests): made once
    while a stream page holds the same entries (streams.py), as `serve` rebuilds often."""
    digest = hashlib.sha256(" ".join([e.digest for e in entries]).encode()).hexdigest()
    return tuple([urls.entry_page(slug, e.id) for e in entries]), digest


def _pages(site: Site, plan: SitePlan, liveblog: Liveblog, entries: tuple[Entry, ...], shared: "_Shared",
           fragment: Fragment) -> Iterator[PageSpec]:

    for entry in entries:
        route = urls.entry_page(liveblog.slug, entry.id)
        yield PageSpec(route, TEMPLATE, partial(entry_page, site, plan, liveblog, entry, shared, fragment),
                       inputs=entry_page_inputs(plan, liveblog, entry))


def entry_page_inputs(plan: SitePlan, liveblog: Liveblog, entry: Entry) -> str:
    """What an entry page shows besides config and templates (see the module docstring):
    an unchanged entry page is not even rendered, which keeps a rebuild fast."""
    return f"{liveblog.digest} {entry.digest} {plan.route_of(liveblog, entry)}"


@dataclass(frozen=True)
class _Shared:
    """What every entry page of one liveblog has in common."""

    links: Links
    head: Head
    site: SiteView
    liveblog_url: str
    org: dict[str, Any]
    part_of: dict[str, Any]
    stream_label: str

    @classmethod
    def of(cls, site: Site, liveblog: Liveblog) -> "_Shared":
        config = site.config
        sample = urls.entry_page(liveblog.slug, "e")
        links = Links.from_page(config.base_url, sample)
        return cls(
            links=links,
            head=head(config, links, sample, liveblog.title, liveblog.description,
                      alternates=feed_alternates(links, urls.liveblog_feed(liveblog.slug), liveblog.title),
                      og_type="article", lang=liveblog.lang),
            site=site_view(config, links),
            liveblog_url=links.to(urls.liveblog(liveblog.slug)),
            org=publisher(config, links),
            part_of=part_of(liveblog, links),
            stream_label=liveblog.lang.t.see_in_live_coverage if liveblog.is_live
            else liveblog.lang.t.see_in_coverage,
        )


def entry_page(site: Site, plan: SitePlan, liveblog: Liveblog, entry: Entry, shared: _Shared,
               fragment: Fragment) -> EntryPage:
    links = shared.links
    url = links.absolute(urls.entry_page(liveblog.slug, entry.id))
    title = headline(entry)
    image = links.absolute_static(entry.image) if entry.image else shared.head.image
    photo = entry.picture or next((p for p in entry.media if p.kind == "photo"), None)  # (or its body's)
    social = photo.social if photo else None
    if social:  # the photo at 1200 px, with its size (the publisher logo otherwise)
        image = links.absolute(media_route(social))
    location = plan.route_of(liveblog, entry)
    article = fragment(entry, liveblog, links)
    return EntryPage(
        head=replace(shared.head, title=f"{title} — {liveblog.title}",
                     description=plain_text(entry.body_html, DESCRIPTION_LIMIT) or title, canonical=url, image=image,
                     image_width=social.width if social else None, image_height=social.height if social else None,
                     image_alt=entry.alt if entry.picture and entry.alt else None,
                     json_ld=entry_posting(site.config, entry, links, url, shared.org, shared.part_of),
                     csp=page_policy(site.config, embedded_frames(article))),
        site=shared.site,
        liveblog_title=liveblog.title,
        liveblog_url=shared.liveblog_url,
        is_live=liveblog.is_live,
        status_label=liveblog.lang.t.live if liveblog.is_live else liveblog.lang.t.ended,
        article=Markup(article),
        stream_url=links.to(location) + "#" + urls.entry_anchor(entry.id),
        stream_label=shared.stream_label,
    )
