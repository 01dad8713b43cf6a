"""The Content-Security-Policy every page carries, as a `<meta>` (any static host).

Defence in depth: entry text is escaped and allow-listed long before it reaches a
page, and the policy makes sure that if markup ever slipped through anyway (a
hostile manifest from a poisoned CDN, a raw-HTML entry by mistake), it could not
run script: only the site's own script files run (no inline script, no handler
attributes, no `javascript:` URLs, no plugins, no `<base>` redirection), and
beyond the site's own origin only the hosts that what the site configures needs:
its comment provider, and the embed providers (`third_parties` gathers both).

A page that sitegen.js never adds entries to (an entry's own page, an archive or
topic page, key events, home) allows only the frame hosts of the embed cards it
shows (`embedded_frames`), or none: ~0.4 kB less on each of thousands of pages. A
page that receives live entries (a live liveblog's front page, its embed) allows
every embed provider's, since a new entry may bring any of them. Either way the
policy depends only on what the page shows, which its inputs already name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from sitegen.config.media_config import EmbedsConfig
from sitegen.config.site_config import CommentsConfig, SiteConfig
from sitegen.media.embeds import frame_hosts


@dataclass(frozen=True)
class ThirdParty:
    """Hosts (CSP source expressions such as `https://giscus.app`) a feature loads from."""

    scripts: tuple[str, ...] = ()
    frames: tuple[str, ...] = ()
    styles: tuple[str, ...] = ()
    connects: tuple[str, ...] = ()
    inline_styles: bool = False  # its script sets style attributes on the page

    def __add__(self, other: "ThirdParty") -> "ThirdParty":
        return ThirdParty(*(_union(getattr(self, f), getattr(other, f)) for f in ("scripts", "frames", "styles",
                                                                              "connects")),
                          self.inline_styles or other.inline_styles)


def _union(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*a, *b]))


DISQUS = ThirdParty(scripts=("https://*.disqus.com", "https://*.disquscdn.com"),
                    frames=("https://disqus.com", "https://*.disqus.com"),
                    styles=("https://*.disquscdn.com",), connects=("https://*.disqus.com",), inline_styles=True)
GISCUS = ThirdParty(scripts=("https://giscus.app",), frames=("https://giscus.app",), inline_styles=True)


def comment_hosts(config: SiteConfig) -> ThirdParty:
    """What the configured comment provider loads (sitegen.js adds its script on request)."""
    return _comment_hosts(config.comments)


def _comment_hosts(comments: CommentsConfig) -> ThirdParty:
    if comments.provider == "disqus":
        return DISQUS
    if comments.provider == "giscus":
        return GISCUS
    if comments.provider == "coral" and comments.coral_url:
        origin = _origin(comments.coral_url)
        return ThirdParty((origin,), (origin,), (origin,), (origin,), inline_styles=True)
    return ThirdParty()


def embed_hosts(config: SiteConfig) -> ThirdParty:
    """What the site's embed providers load once a reader asks to see a post (or with
    the page, in `load` mode): their frames only, no script in the site's pages."""
    return _embed_hosts(config.media.embeds)


def _embed_hosts(embeds: EmbedsConfig) -> ThirdParty:
    return ThirdParty(frames=tuple(f"https://{host}" for host in frame_hosts(embeds)))


def third_parties(config: SiteConfig) -> ThirdParty:
    return comment_hosts(config) + embed_hosts(config)


# The frame address of an embed card (media/embeds.card_open writes it, escaped, on its
# provider's https host): what sitegen.js puts in an iframe when the reader asks.
_CARD_FRAME = re.compile(r'data-embed-src="(https://[^/"]+)/')


def embedded_frames(*markup: str) -> frozenset[str]:
    """The origins (`https://HOST`) of the embed cards in a page's entries' HTML. Only
    ever narrows the policy: `page_third_parties` keeps those on the allow-list."""
    return frozenset(found for html in markup if "data-embed-src" in html for found in _CARD_FRAME.findall(html))


def page_third_parties(config: SiteConfig, embedded: frozenset[str] | None = None) -> ThirdParty:
    """What a page's policy allows beyond the site; `embedded`: the embed frames the page
    shows (`embedded_frames`), None for a page that receives live entries (every
    provider's frames). Made once per page kind and set of frames (the config's parts
    are hashable; the whole config, with its `authors` mapping, is not)."""
    return _page_hosts(config.comments, config.media.embeds, embedded)


@lru_cache(maxsize=64)
def _page_hosts(comments: CommentsConfig, embeds: EmbedsConfig, embedded: frozenset[str] | None) -> ThirdParty:
    everyone = _embed_hosts(embeds)
    if embedded is not None:
        everyone = ThirdParty(frames=tuple(f for f in everyone.frames if f in embedded))
    return _comment_hosts(comments) + everyone


def content_security_policy(config: SiteConfig, embedded: frozenset[str] | None = None) -> str:
    """The policy of a page (see `page_third_parties`)."""
    return policy(page_third_parties(config, embedded))


@lru_cache(maxsize=64)
def policy(extra: ThirdParty) -> str:
    """The policy that allows the site and `extra`: made once per set of hosts (most
    pages share one)."""
    styles = ["'self'", *(["'unsafe-inline'"] if extra.inline_styles else []), *extra.styles]
    directives = [
        ("default-src", ["'self'"]),
        ("script-src", ["'self'", *extra.scripts]),
        ("style-src", styles),
        ("img-src", ["'self'", "data:", "https:"]),  # (pictures cannot run script)
        ("media-src", ["'self'", "https:"]),
        ("frame-src", list(extra.frames) or ["'none'"]),
        ("connect-src", ["'self'", *extra.connects]),
        ("object-src", ["'none'"]),
        ("base-uri", ["'self'"]),
        ("form-action", ["'self'"]),
    ]
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
