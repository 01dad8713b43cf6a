"""schema.org structured data: LiveBlogPosting on liveblog pages, BlogPosting on entry pages.

Search engines show live coverage specially when the page says what it is.
The JSON goes through `views.script_json`, so no title or body can close the
<script> element. What a site config lacks for search engines is `required.py`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup

from sitegen.core import urls
from sitegen.core.text import truncate
from sitegen.config.site_config import SiteConfig
from sitegen.model.pictures import media_route
from sitegen.model.site import Author, Entry, Liveblog
from sitegen.core.urls import Links
from sitegen.site.views import headline, plain_text, script_json

HEADLINE_LIMIT = 110  # search engines cut (or reject) longer headlines
BODY_LIMIT = 500

def _short(text: str) -> str:
    return truncate(text, HEADLINE_LIMIT)


def publisher(config: SiteConfig, links: Links) -> dict[str, Any]:
    org: dict[str, Any] = {"@type": "Organization", "name": config.publisher.name if config.publisher else config.title}
    if config.publisher and config.publisher.url:
        org["url"] = config.publisher.url
    if config.publisher and config.publisher.logo:
        org["logo"] = {"@type": "ImageObject", "url": links.absolute_static(config.publisher.logo)}
    return org


def blog_posting(entry: Entry, config: SiteConfig, links: Links, url: str, org: dict[str, Any],
                 body: bool = True) -> dict[str, Any]:
    """One update as a BlogPosting; `url` points at the entry where it is shown, `org`
    is the publisher (the author of unsigned updates). `body`: with the start of its
    text as `articleBody`, which Google's live blog guidance asks of each update of an
    indexed LiveBlogPosting (and its Article guidance does not list: see entry_posting)."""
    author: Any
    if entry.authors:
        people = [person(a, links) for a in entry.authors]
        author = people[0] if len(people) == 1 else people
    elif config.author:
        author = {"@type": "Person", "name": config.author}
    else:
        author = org
    data: dict[str, Any] = {
        "@type": "BlogPosting",
        "headline": _short(headline(entry)),
        "datePublished": entry.time.isoformat(),
        "dateModified": entry.last_modified.isoformat(),
        "author": author,
        "url": url,
    }
    text = plain_text(entry.body_html, BODY_LIMIT) if body else ""
    if text:
        data["articleBody"] = text
    if entry.picture:
        social = entry.picture.social
        data["image"] = {"@type": "ImageObject", "url": links.absolute(media_route(social)),
                         "width": social.width, "height": social.height}
    elif entry.image:
        data["image"] = links.absolute_static(entry.image)
    return data


def person(author: Author, links: Links) -> dict[str, Any]:
    """An author as a schema.org Person: their page here (when described under
    `authors:`), photo, role and own link."""
    data: dict[str, Any] = {"@type": "Person", "name": author.name}
    if author.id:
        data["url"] = links.absolute(urls.author(author.id))
    if author.role:
        data["jobTitle"] = author.role
    if author.picture is not None:
        data["image"] = links.absolute(media_route(author.picture.social))
    elif author.image:
        data["image"] = links.absolute_static(author.image)
    if author.url:
        data["sameAs" if author.id else "url"] = author.url
    return data


@dataclass(frozen=True)
class Coverage:
    """When a liveblog's coverage started, was last modified and (once ended) ended."""

    start: datetime | None
    modified: datetime | None
    end: datetime | None


def coverage(liveblog: Liveblog) -> Coverage:
    """From values the liveblog computes once (cached properties; carried across
    `serve`'s rebuilds by incremental.successor): cheap on each of many pages."""
    start, _ = liveblog.time_span
    return Coverage(start, liveblog.last_modified, liveblog.coverage_end)


def liveblog_posting(config: SiteConfig, liveblog: Liveblog, links: Links, route: str,
                     shown: list[tuple[Entry, str]]) -> Markup:
    """LiveBlogPosting JSON-LD for a liveblog's front page; `shown` is (entry, route where
    it lives). Its archive pages carry none: they are `noindex`, and search engines use
    no structured data of a page they do not index (it was 15 kB an archive page)."""
    org = publisher(config, links)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": _short(liveblog.title),
        "description": liveblog.description or liveblog.title,
        "url": links.absolute(route),
        "mainEntityOfPage": links.absolute(urls.liveblog(liveblog.slug)),
        "inLanguage": liveblog.lang.tag,
        "publisher": org,
    }
    span = coverage(liveblog)
    if span.start and span.modified:
        data["datePublished"] = data["coverageStartTime"] = span.start.isoformat()
        data["dateModified"] = span.modified.isoformat()
    if span.end:
        data["coverageEndTime"] = span.end.isoformat()
    if config.publisher and config.publisher.logo:
        data["image"] = links.absolute_static(config.publisher.logo)
    data["liveBlogUpdate"] = [
        blog_posting(e, config, links, links.absolute(where) + "#" + urls.entry_anchor(e.id), org)
        for e, where in shown
    ]
    return script_json(data)


def entry_posting(config: SiteConfig, entry: Entry, links: Links, url: str, org: dict[str, Any],
                  part_of: dict[str, Any]) -> Markup:
    """BlogPosting JSON-LD for an entry's own page at `url`; `part_of` names its liveblog,
    `org` is the publisher (the author of an unsigned update). Google's Article structured
    data recommends headline, image, datePublished, dateModified and author (all here);
    what else the page said there repeated the page: `articleBody` (the page is the text),
    `mainEntityOfPage` (= `url` = the canonical link), `inLanguage` (= `<html lang>`),
    `publisher` (= the footer's "Published by"; Google's Article guide dropped it with its
    AMP part; the liveblog's LiveBlogPosting, which the entry `isPartOf`, still names it).
    Each cost every entry page bytes (articleBody half a kilobyte, the rest ~0.3 kB)."""
    data = {"@context": "https://schema.org",
            **blog_posting(entry, config, links, url, org, body=False),
            "isPartOf": part_of}
    return script_json(data)


def part_of(liveblog: Liveblog, links: Links) -> dict[str, Any]:
    return {"@type": "LiveBlogPosting", "headline": _short(liveblog.title),
            "url": links.absolute(urls.liveblog(liveblog.slug))}
