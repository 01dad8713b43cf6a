"""schema.org structured data: LiveBlogPosting on liveblog pages, BlogPosting on entry pages.

Search engines show live coverage specially when the page says what it is.
The JSON goes through `views.script_json`, so no title or body can close the
<script> element. `missing_keys` names what a site config lacks for search
engines; the build warns about it once instead of publishing silently.
"""

from __future__ import annotations

import logging
from typing import Any, Iterable

from markupsafe import Markup

from sitegen import urls
from sitegen.config import SiteConfig
from sitegen.model import Entry, Liveblog
from sitegen.urls import Links
from sitegen.views import headline, plain_text, script_json

log = logging.getLogger("sitegen")
HEADLINE_LIMIT = 110  # search engines cut (or reject) longer headlines
BODY_LIMIT = 500

# (key, why) for every config key search engines expect of a news publisher.
REQUIRED = (
    ("publisher", "search engines need the publisher's name and logo for live coverage"),
    ("publisher.logo", "search engines need a publisher logo (a path under static/ or a URL)"),
)


def missing_keys(config: SiteConfig) -> list[tuple[str, str]]:
    """(key, why) for each key the structured data needs and the config lacks."""
    if config.publisher is None:
        return [REQUIRED[0], REQUIRED[1]]
    return [REQUIRED[1]] if not config.publisher.logo else []


def warn_missing(config: SiteConfig) -> None:
    for key, why in missing_keys(config):
        log.warning("sitegen.yaml: `%s` is not set; %s (schema.org LiveBlogPosting)", key, why)


def _short(text: str) -> str:
    return text if len(text) <= HEADLINE_LIMIT else text[: HEADLINE_LIMIT - 1].rsplit(" ", 1)[0] + "…"


def publisher(config: SiteConfig, links: Links) -> dict[str, Any]:
    org: dict[str, Any] = {"@type": "Organization", "name": config.publisher.name if config.publisher else config.title}
    if config.publisher and config.publisher.url:
        org["url"] = config.publisher.url
    if config.publisher and config.publisher.logo:
        org["logo"] = {"@type": "ImageObject", "url": links.absolute_static(config.publisher.logo)}
    return org


def author(entry: Entry, config: SiteConfig, links: Links) -> dict[str, Any]:
    if entry.author:
        return {"@type": "Person", "name": entry.author}
    if config.author:
        return {"@type": "Person", "name": config.author}
    return publisher(config, links)


def blog_posting(entry: Entry, config: SiteConfig, links: Links, url: str) -> dict[str, Any]:
    """One update as a BlogPosting; `url` points at the entry where it is shown."""
    data: dict[str, Any] = {
        "@type": "BlogPosting",
        "headline": _short(headline(entry)),
        "datePublished": entry.time.isoformat(),
        "dateModified": entry.last_modified.isoformat(),
        "author": author(entry, config, links),
        "url": url,
    }
    body = plain_text(entry.body_html, BODY_LIMIT)
    if body:
        data["articleBody"] = body
    if entry.image:
        data["image"] = links.absolute_static(entry.image)
    return data


def liveblog_posting(config: SiteConfig, liveblog: Liveblog, links: Links, route: str,
                     shown: Iterable[tuple[Entry, str]]) -> Markup:
    """LiveBlogPosting JSON-LD for one liveblog page; `shown` is (entry, route where it lives)."""
    entries = liveblog.entries
    shown = list(shown)
    # An archive page's bytes must not change as entries arrive (pagination.py): its
    # dateModified is that of the entries it shows, not of the whole liveblog.
    modified = entries if route == urls.liveblog(liveblog.slug) else [e for e, _ in shown] or entries
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": _short(liveblog.title),
        "description": liveblog.description or liveblog.title,
        "url": links.absolute(route),
        "mainEntityOfPage": links.absolute(urls.liveblog(liveblog.slug)),
        "inLanguage": config.language,
        "publisher": publisher(config, links),
    }
    if entries:
        start = min(e.time for e in entries)
        data["datePublished"] = data["coverageStartTime"] = start.isoformat()
        data["dateModified"] = max(e.last_modified for e in modified).isoformat()
        if not liveblog.is_live:
            data["coverageEndTime"] = max(e.time for e in entries).isoformat()
    if config.publisher and config.publisher.logo:
        data["image"] = links.absolute_static(config.publisher.logo)
    data["liveBlogUpdate"] = [
        blog_posting(e, config, links, links.absolute(where) + "#" + urls.entry_anchor(e.id))
        for e, where in shown
    ]
    return script_json(data)


def entry_posting(config: SiteConfig, liveblog: Liveblog, entry: Entry, links: Links) -> Markup:
    """BlogPosting JSON-LD for an entry's own page, part of its liveblog."""
    route = urls.entry_page(liveblog.slug, entry.id)
    data = {"@context": "https://schema.org",
            **blog_posting(entry, config, links, links.absolute(route)),
            "mainEntityOfPage": links.absolute(route),
            "publisher": publisher(config, links),
            "isPartOf": {"@type": "LiveBlogPosting", "headline": _short(liveblog.title),
                         "url": links.absolute(urls.liveblog(liveblog.slug))}}
    return script_json(data)
