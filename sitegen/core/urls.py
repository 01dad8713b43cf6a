"""The one place that knows URLs: routes inside the site, links between pages.

A *route* is a path relative to the site root (`""`, `"L/"`, `"L/feed.xml"`).
Pages link to each other relatively, so the output works on any host, under any
sub-path and straight from disk; absolute URLs (canonical, feeds, structured
data, share links) come from `base_url`. Templates never build a URL themselves.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, urlsplit


# Stands for "the site root" in HTML made before the page that shows it is known (a
# processed image's URLs in an entry body); `Links.site_html` replaces it.
SITE_ROOT = "\x02"


def home() -> str:
    return ""


def liveblog(slug: str) -> str:
    return f"{slug}/"


def liveblog_page(slug: str, number: int) -> str:
    return f"{slug}/page/{number}/"


def topic(slug: str, topic_slug: str) -> str:
    return f"{slug}/topics/{topic_slug}/"


def topic_page(slug: str, topic_slug: str, number: int) -> str:
    return f"{slug}/topics/{topic_slug}/page/{number}/"


def entry_page(slug: str, entry_id: str) -> str:
    return f"{slug}/entries/{entry_id}/"


def entries_folder(slug: str) -> str:
    """Where entry pages live: `entries_folder(L) + E + "/"` is entry E's page."""
    return f"{slug}/entries/"


def updates_manifest(slug: str) -> str:
    """The small JSON file open liveblog pages poll for new, changed and removed entries."""
    return f"{slug}/updates.json"


RSS_NAME = "feed.xml"  # every RSS feed's file name (Atom and JSON Feed sit beside it)


def site_feed() -> str:
    return RSS_NAME


def liveblog_feed(slug: str) -> str:
    return liveblog(slug) + RSS_NAME


def topic_feed(slug: str, topic_slug: str) -> str:
    return topic(slug, topic_slug) + RSS_NAME


def key_events_feed(slug: str) -> str:
    return key_events(slug) + RSS_NAME


def key_events(slug: str) -> str:
    """The liveblog's key events only, for readers without JavaScript (and to share)."""
    return f"{slug}/key-events/"


def embed(slug: str) -> str:
    """The compact liveblog other sites put in an iframe."""
    return f"{slug}/embed/"


def author(author_id: str) -> str:
    """An author's page: every entry they wrote, in every liveblog."""
    return f"authors/{author_id}/"


def corrections_anchor() -> str:
    return "corrections"


def _beside(route: str, name: str) -> str:
    """A file in the same folder as `route`."""
    folder, slash, _ = route.rpartition("/")
    return folder + slash + name


def atom_beside(rss_route: str) -> str:
    """The Atom feed published next to an RSS feed (`X/feed.xml` -> `X/atom.xml`)."""
    return _beside(rss_route, "atom.xml")


def json_feed_beside(rss_route: str) -> str:
    """The JSON Feed published next to an RSS feed (`X/feed.xml` -> `X/feed.json`)."""
    return _beside(rss_route, "feed.json")


def entry_anchor(entry_id: str) -> str:
    return f"entry-{entry_id}"


def topic_anchor(topic_slug: str) -> str:
    return f"topic-{topic_slug}"


def asset(name: str, published: tuple[tuple[str, str], ...] = ()) -> str:
    """Theme files are published under `assets/`; a stylesheet or script under the
    content-hashed name `published` gives it (see `hashed_name`)."""
    for plain, hashed in published:
        if plain == name:
            return f"assets/{hashed}"
    return f"assets/{name}"


def texts_script(language: str, data: bytes) -> str:
    """The script that hands sitegen.js its texts in one language (`data`, its bytes):
    one cached file for every page of that language, not a copy in each page."""
    return "assets/" + hashed_name(f"texts-{language}.js", data)


def hashed_name(name: str, data: bytes) -> str:
    """`css/site.css` -> `css/site.0123456789.css`: a name that changes when the bytes
    do, so a CDN and browsers may keep the file for a year (`immutable`)."""
    folder, slash, file = name.rpartition("/")
    stem, dot, suffix = file.rpartition(".")
    digest = hashlib.sha256(data).hexdigest()[:10]
    return f"{folder}{slash}{stem}.{digest}.{suffix}" if dot and stem else f"{name}.{digest}"


def output_file(route: str) -> str:
    """The file a route is written to: directory routes get an index.html."""
    return route + "index.html" if route == "" or route.endswith("/") else route


def is_external(url: str) -> bool:
    return bool(urlsplit(url).scheme) or url.startswith("//")


# The same routes are quoted on every page and in every rebuild.
_quote = lru_cache(maxsize=1 << 16)(quote)


@dataclass(frozen=True)
class Links:
    """Links as seen from one page: `root` is the prefix that leads to the site root."""

    base_url: str
    root: str

    @classmethod
    def from_page(cls, base_url: str, route: str) -> "Links":
        """Relative links for a page at `route` (depth = number of folders below root)."""
        return cls(base_url, "../" * route.count("/"))

    @classmethod
    def rooted(cls, base_url: str) -> "Links":
        """Links from the base URL's path, for pages served at any depth (404.html)."""
        return cls(base_url, urlsplit(base_url).path)

    def to(self, route: str) -> str:
        return _quote(self.root + route) or "./"

    def static(self, path_or_url: str) -> str:
        """A user's `image:` or `logo:`: a path under static/ or an absolute URL."""
        return path_or_url if is_external(path_or_url) else self.to(path_or_url)

    def site_html(self, html: str) -> str:
        """HTML with SITE_ROOT made this page's way to the site root."""
        return html.replace(SITE_ROOT, self.to("")) if SITE_ROOT in html else html

    def absolute_html(self, html: str) -> str:
        """HTML with SITE_ROOT made the base URL (feeds, which readers show anywhere)."""
        return html.replace(SITE_ROOT, self.base_url) if SITE_ROOT in html else html

    def absolute(self, route: str) -> str:
        return self.base_url + _quote(route)

    def absolute_static(self, path_or_url: str) -> str:
        return path_or_url if is_external(path_or_url) else self.absolute(path_or_url)
