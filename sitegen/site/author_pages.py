"""`authors/ID/`: one page per author described under `authors:`, listing every entry
they wrote (newest first, in every liveblog), with their photo, role and link, and
schema.org `ProfilePage` data about them as a `Person`.

Entries are listed by their own pages (`L/entries/E/`), which never move, so a page
depends on its author's profile and their entries only (its inputs say so).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Iterator

from sitegen.core import urls
from sitegen.core.urls import Links
from sitegen.model.site import Author, Entry, Liveblog, Site
from sitegen.site.plan import PageSpec
from sitegen.site.structured import person
from sitegen.site.views import (Head, SiteView, head, headline, portrait_url, script_json, site_alternates,
                                site_view)


@dataclass(frozen=True)
class AuthoredLink:
    title: str
    url: str
    time_iso: str
    time_label: str
    day_label: str
    liveblog_title: str


@dataclass(frozen=True)
class AuthorPage:
    head: Head
    site: SiteView
    name: str
    role: str | None
    image_url: str | None
    url: str | None
    entries: tuple[AuthoredLink, ...]


def author_pages(site: Site) -> Iterator[PageSpec]:
    if not site.authors:
        return  # (no look at 10,000 entries for nobody)
    written: dict[str | None, list[tuple[Entry, Liveblog]]] = {a.id: [] for a in site.authors}
    for liveblog in site.liveblogs:
        for entry in liveblog.entries:
            for author in entry.authors:
                if author.id in written:
                    written[author.id].append((entry, liveblog))
    for author in site.authors:
        entries = sorted(written[author.id], key=lambda pair: (pair[0].time, pair[1].slug, pair[0].id), reverse=True)
        inputs = " ".join((repr(author), *(f"{e.digest}@{lb.slug}:{lb.digest}" for e, lb in entries)))
        yield PageSpec(urls.author(author.id or ""), "author.html", partial(author_page, site, author, entries), inputs)


def author_page(site: Site, author: Author, entries: list[tuple[Entry, Liveblog]]) -> AuthorPage:
    route = urls.author(author.id or "")
    links = Links.from_page(site.config.base_url, route)
    t = site.lang.t
    description = t.text("updates_by", name=author.name) + (t.list_separator + author.role if author.role else "")
    profile = {"@context": "https://schema.org", "@type": "ProfilePage", "url": links.absolute(route),
               "mainEntity": person(author, links)}
    return AuthorPage(
        head=head(site.config, links, route, f"{author.name} — {site.config.title}", description, og_type="profile",
                  alternates=site_alternates(site.config, links), json_ld=script_json(profile), lang=site.lang,
                  embedded=frozenset()),
        site=site_view(site.config, links),
        name=author.name,
        role=author.role,
        image_url=portrait_url(author, links),
        url=author.url,
        entries=tuple(_link(entry, liveblog, links) for entry, liveblog in entries),
    )


def _link(entry: Entry, liveblog: Liveblog, links: Links) -> AuthoredLink:
    clock = liveblog.lang.clock
    return AuthoredLink(headline(entry), links.to(urls.entry_page(liveblog.slug, entry.id)), entry.time.isoformat(),
                        clock.time(entry.time), clock.day_year(entry.time), liveblog.title)
