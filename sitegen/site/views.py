"""Typed, precomputed template contexts: templates format nothing and compute nothing.

Every URL, label and flag a template shows is decided here, from the model and
the `Links` of the page being rendered.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

from markupsafe import Markup

from sitegen.core import urls
from sitegen.config.media_config import MediaConfig
from sitegen.core.text import truncate
from sitegen.site.csp import ThirdParty, page_third_parties, policy
from sitegen.config.site_config import SiteConfig
from sitegen.media.markup import picture_html
from sitegen.model.pictures import media_route
from sitegen.model.site import Author, Entry, Liveblog
from sitegen.i18n import Lang
from sitegen.i18n.messages import Messages
from sitegen.core.urls import Links


# One encoder for every page's JSON: `json.dumps` with options builds a new one per call,
# which cost more than encoding an entry page's JSON-LD itself (60 of ~95 us).
_COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def script_json(data: Any) -> Markup:
    """JSON that is safe inside <script>: no `</script>`, `<!--` or `]]>` can form."""
    text = _COMPACT_JSON.encode(data)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                          ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return Markup(text)


@lru_cache(maxsize=32)
def _script_texts(t: Messages) -> Markup:
    """The #sitegen-texts block of a language's pages: encoded once, not once per page."""
    return script_json(t.script_texts)


@lru_cache(maxsize=32)
def texts_file(t: Messages) -> tuple[str, bytes]:
    """(route, bytes) of the script that gives sitegen.js the texts of `t`'s language.
    Every page of a language used to carry them inline (1.3 kB, 14 MB over a
    10,000-entry site); as a file with a content-hashed name it is fetched once and
    kept (deploy/headers.py: immutable). Written by the build for each language a
    page is made in (`texts_files`)."""
    data = f"window.SITEGEN_TEXTS = {_script_texts(t)};\n".encode()
    return urls.texts_script(t.script_texts["lang"], data), data


def texts_files(languages: Iterable[Lang]) -> dict[str, bytes]:
    """route -> bytes of `texts_file` for each language (the site's and its liveblogs')."""
    return dict(texts_file(lang.t) for lang in languages)


_TAG = re.compile(r"<[^>]*>")
# Inline tags join their text to what follows ("*x*." is "x."); other tags separate words.
_INLINE_TAG = re.compile(r"</?(?:a|abbr|b|bdi|bdo|cite|code|data|del|dfn|em|i|ins|kbd|mark|q|s|samp|small|"
                         r"span|strong|sub|sup|time|u|var)(?:\s[^>]*)?>", re.IGNORECASE)


# A run of HTML whose every `<` opens a tag that closes before the next `<`.
_WHOLE_TAGS = re.compile(r"[^<>]*(?:<[^<>]*>[^<>]*)*")


def plain_text(body_html: str, limit: int | None = None) -> str:
    """Readable text of rendered HTML, for descriptions and title-less headlines; at
    most `limit` characters (`truncate`), then read from a start of the HTML when that
    holds enough of its text (a page's description is the first 200 characters of a
    body that may hold thousands, and 10,000 entry pages each ask for one)."""
    if limit is not None:
        start = _leading_part(body_html, limit)
        if start is not None:
            text = _text_of(start)
            if len(text) > limit:  # (its first `limit` characters are the whole text's)
                return truncate(text, limit)
    text = _text_of(body_html)
    return text if limit is None else truncate(text, limit)


def _text_of(body_html: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", _INLINE_TAG.sub("", body_html))).split())


def _leading_part(body_html: str, limit: int) -> str | None:
    """A start of `body_html` whose text (`_text_of`) is a start of the whole's text: cut
    just before a tag some way past `limit` characters, every tag in it whole, and no
    character reference near its end (`&no` + `<em>tin;</em>` reads `&notin;`). None when
    there is none, or when it would be most of the body (reading it twice costs more)."""
    cut = body_html.find("<", limit + limit // 4)
    if cut < 0 or cut * 3 > len(body_html) * 2:
        return None
    start = body_html[:cut]
    if "&" in start[-40:] or _WHOLE_TAGS.fullmatch(start) is None:
        return None
    return start


def headline(entry: Entry) -> str:
    """The title, or the start of the body for title-less entries (feeds, links)."""
    return entry.title or plain_text(entry.body_html, 80) or entry.id


@dataclass(frozen=True)
class TopicLink:
    title: str
    url: str


@dataclass(frozen=True)
class AuthorView:
    name: str
    role: str | None
    url: str | None  # their page on this site (an id from `authors:`), else their own link
    image_url: str | None


def author_views(entry: Entry, links: Links) -> tuple[AuthorView, ...]:
    return tuple(AuthorView(a.name, a.role, links.to(urls.author(a.id)) if a.id else a.url, portrait_url(a, links))
                 for a in entry.authors)


def portrait_url(author: Author, links: Links) -> str | None:
    """An author's photo: its smallest processed version (shown small), or an outside URL."""
    if author.picture is not None:
        return links.to(media_route(author.picture.fallback[0]))
    return links.static(author.image) if author.image else None


@dataclass(frozen=True)
class EntryView:
    id: str
    anchor: str
    title: str | None
    time_iso: str
    time_label: str
    date_label: str
    stamp_label: str  # date, time and zone: the <time>'s title
    updated_iso: str | None
    updated_label: str | None
    topics: tuple[TopicLink, ...]
    author: str | None
    pinned: bool
    key_event: bool
    image_url: str | None  # a remote image (left as it is)
    image_alt: str
    picture_html: Markup | None  # a local image, processed: <picture> with srcset, width, height
    caption: str | None
    credit: str | None
    source_name: str | None
    source_url: str | None
    body_html: Markup
    share_url: str  # the entry's own page (L/entries/E/), which never moves
    share_label: str
    version: str  # changes with any edit: lets an open page replace the entry in place
    topic_slugs: str  # space-separated (themes may still write data-topics; sitegen.js reads the topic links)
    scheduled: bool  # a preview of an entry whose time lies ahead
    draft: bool  # in a preview (`--drafts`, `serve`): badged, never mistaken for a published one
    correction_html: Markup | None
    authors: tuple[AuthorView, ...]


def entry_view(entry: Entry, liveblog: Liveblog, links: Links, sizes: str = MediaConfig().sizes) -> EntryView:
    clock, t = liveblog.lang.clock, liveblog.lang.t  # (in the liveblog's zone and language)
    topic_titles = {topic.slug: topic.title for topic in liveblog.topics}
    return EntryView(
        id=entry.id,
        anchor=urls.entry_anchor(entry.id),
        title=entry.title,
        time_iso=entry.time.isoformat(),
        time_label=clock.time(entry.time),
        date_label=clock.date(entry.time),
        stamp_label=clock.stamp(entry.time),
        updated_iso=entry.updated.isoformat() if entry.updated else None,
        updated_label=clock.stamp(entry.updated) if entry.updated else None,
        topics=tuple(TopicLink(topic_titles[t], links.to(urls.topic(liveblog.slug, t)))
                     for t in entry.topics),
        author=entry.author,
        pinned=entry.pinned,
        key_event=entry.key_event,
        image_url=links.static(entry.image) if entry.image and not entry.picture else None,
        image_alt=entry.alt or "",
        picture_html=Markup(links.site_html(picture_html(entry.picture, entry.alt or "", sizes))) if entry.picture
        else None,
        caption=entry.caption,
        credit=entry.credit,
        source_name=entry.source.name if entry.source else None,
        source_url=entry.source.url if entry.source else None,
        body_html=Markup(links.site_html(entry.body_html)),
        share_url=links.to(urls.entry_page(liveblog.slug, entry.id)),
        share_label=t.text("link_to_update_named", headline=headline(entry)),
        version=entry.digest[:16],
        topic_slugs=" ".join(entry.topics),
        scheduled=entry.scheduled,
        draft=entry.draft,
        correction_html=Markup(links.site_html(entry.correction_html)) if entry.correction_html else None,
        authors=author_views(entry, links),
    )


@dataclass(frozen=True)
class SummaryView:
    """The liveblog's key points above the stream (empty: a hidden box live updates fill)."""

    html: Markup | None
    updated_iso: str | None
    updated_label: str | None
    version: str  # as in updates.json: sitegen.js replaces the box when it changes


def summary_view(liveblog: Liveblog) -> SummaryView:
    updated = liveblog.summary_updated
    html = Links.from_page("", urls.liveblog(liveblog.slug)).site_html(liveblog.summary_html or "")  # (front only)
    return SummaryView(Markup(html) if liveblog.summary_html else None,
                       updated.isoformat() if updated else None,
                       liveblog.lang.clock.stamp(updated) if updated else None,
                       liveblog.summary_digest[:16] if liveblog.summary_html else "")


def permalink(entry: Entry, liveblog: Liveblog, links: Links) -> str:
    """The absolute, never-changing URL of an entry: its anchor on the liveblog."""
    return links.absolute(urls.liveblog(liveblog.slug)) + "#" + urls.entry_anchor(entry.id)


@dataclass(frozen=True)
class Alternate:
    type: str
    title: str
    url: str


def feed_alternates(links: Links, rss_route: str, title: str) -> tuple[Alternate, ...]:
    """The RSS, Atom and JSON Feed versions of one feed, for `<link rel="alternate">`."""
    return (Alternate("application/rss+xml", title, links.to(rss_route)),
            Alternate("application/atom+xml", title, links.to(urls.atom_beside(rss_route))),
            Alternate("application/feed+json", title, links.to(urls.json_feed_beside(rss_route))))


@dataclass(frozen=True)
class Head:
    """Everything <head> shows, identical in shape on every page, and the page's language:
    `t` is what templates call `t` (renderer.py)."""

    lang: str
    dir: str  # "rtl" or "ltr", on <html>
    t: Messages
    script_texts: Markup  # JSON of what sitegen.js shows, in the page's language (for themes that inline it)
    texts_script: str  # the same, as a script file (`texts_file`) that the default theme loads
    title: str
    description: str
    canonical: str
    stylesheet: str
    script: str
    assets: dict[str, str]  # each theme stylesheet and script by its name, for other themes' templates
    alternates: tuple[Alternate, ...]
    og_type: str
    image: str | None
    json_ld: Markup | None
    robots: str | None
    csp: Markup  # the Content-Security-Policy (site/csp.py), as attribute text (`policy_attribute`)
    image_width: int | None = None  # known for a processed photo (og:image:width)
    image_height: int | None = None
    image_alt: str | None = None


def page_policy(config: SiteConfig, embedded: frozenset[str] | None = None) -> Markup:
    """The page's Content-Security-Policy as attribute text (see csp.page_third_parties)."""
    return _policy_attribute(page_third_parties(config, embedded))


@lru_cache(maxsize=64)
def _policy_attribute(extra: ThirdParty) -> Markup:
    return policy_attribute(policy(extra))


def policy_attribute(policy: str) -> Markup:
    """The policy escaped for a double-quoted attribute, its single quotes (`'self'`) left
    as they are: autoescaping would write each as `&#39;`, 14 times on every page."""
    return Markup(policy.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;"))


@dataclass(frozen=True)
class SiteView:
    title: str
    description: str
    home_url: str
    logo_url: str | None
    publisher: str


def site_view(config: SiteConfig, links: Links) -> SiteView:
    publisher = config.publisher
    return SiteView(
        title=config.title,
        description=config.description,
        home_url=links.to(urls.home()),
        logo_url=links.static(publisher.logo) if publisher and publisher.logo else None,
        publisher=publisher.name if publisher else config.title,
    )


def site_alternates(config: SiteConfig, links: Links) -> tuple[Alternate, ...]:
    """The site's own feeds: announced by the site's pages (home, authors, 404); a
    liveblog's pages announce only their liveblog's (a reader there subscribes to it)."""
    return feed_alternates(links, urls.site_feed(), config.title)


def head(config: SiteConfig, links: Links, route: str, title: str, description: str,
         alternates: tuple[Alternate, ...] = (), og_type: str = "website",
         json_ld: Markup | None = None, robots: str | None = None, *, lang: Lang,
         embedded: frozenset[str] | None = None) -> Head:
    """`lang`: the page's language (its liveblog's, or the site's); `embedded`: the embed
    frames its entries show (csp.embedded_frames), None on a page that receives live
    entries; `alternates`: the feeds it announces."""
    logo = config.publisher.logo if config.publisher else None
    return Head(
        lang=lang.tag,
        dir=lang.dir,
        t=lang.t,
        script_texts=_script_texts(lang.t),
        texts_script=links.to(texts_file(lang.t)[0]),
        title=title,
        description=description or title,  # social cards and search snippets need one
        canonical=links.absolute(route),
        stylesheet=links.to(urls.asset("sitegen.css", config.assets)),
        script=links.to(urls.asset("sitegen.js", config.assets)),
        assets={name: links.to(urls.asset(name, config.assets)) for name, _ in config.assets},
        alternates=alternates,
        og_type=og_type,
        image=links.absolute_static(logo) if logo else None,
        json_ld=json_ld,
        robots=robots,
        csp=page_policy(config, embedded),
    )
