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

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Iterator

from markupsafe import Markup

from sitegen import urls
from sitegen.model import Entry, Liveblog, Site
from sitegen.structured import entry_posting
from sitegen.urls import Links
from sitegen.views import Head, SiteView, feed_alternates, headline, head, plain_text, site_view

if TYPE_CHECKING:
    from sitegen.pages import Fragment, PageSpec, SitePlan

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


def entry_pages(site: Site, plan: "SitePlan", liveblog: Liveblog, fragment: "Fragment") -> Iterator["PageSpec"]:
    from sitegen.pages import PageSpec

    view = site_view(site.config, Links.from_page(site.config.base_url, urls.entry_page(liveblog.slug, "x")))
    for entry in liveblog.entries:
        route = urls.entry_page(liveblog.slug, entry.id)
        links = Links.from_page(site.config.base_url, route)
        yield PageSpec(route, TEMPLATE, entry_page(site, plan, liveblog, entry, links, view, fragment))


def entry_page(site: Site, plan: "SitePlan", liveblog: Liveblog, entry: Entry, links: Links,
               view: SiteView, fragment: "Fragment") -> EntryPage:
    config = site.config
    route = urls.entry_page(liveblog.slug, entry.id)
    title = headline(entry)
    description = plain_text(entry.body_html, DESCRIPTION_LIMIT) or title
    page_head = head(config, links, route, f"{title} — {liveblog.title}", description,
                     alternates=feed_alternates(links, f"{liveblog.slug}/feed.xml", liveblog.title),
                     og_type="article", json_ld=entry_posting(config, liveblog, entry, links))
    if entry.image:
        page_head = replace(page_head, image=links.absolute_static(entry.image))
    location = plan.location[(liveblog.slug, entry.id)]
    return EntryPage(
        head=page_head,
        site=view,
        liveblog_title=liveblog.title,
        liveblog_url=links.to(urls.liveblog(liveblog.slug)),
        is_live=liveblog.is_live,
        status_label="Live" if liveblog.is_live else "Ended",
        article=Markup(fragment(entry, liveblog, links)),
        stream_url=links.to(location) + "#" + urls.entry_anchor(entry.id),
        stream_label="See this update in the live coverage" if liveblog.is_live
        else "See this update in the coverage",
    )
