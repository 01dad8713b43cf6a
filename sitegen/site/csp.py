"""The Content-Security-Policy every page carries, as a `<meta>` (any static host).

Defence in depth: entry text is escaped and allow-listed long before it reaches a
page, and the policy makes sure that if markup ever slipped through anyway (a
hostile manifest from a poisoned CDN, a raw-HTML entry by mistake), it could not
run script: only the site's own script files run (no inline script, no handler
attributes, no `javascript:` URLs, no plugins, no `<base>` redirection), and
beyond the site's own origin only the hosts that what the site configures needs:
its comment provider, and the embed providers (`third_parties` gathers both).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sitegen.config.site_config import SiteConfig
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
    comments = config.comments
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
    return ThirdParty(frames=tuple(f"https://{host}" for host in frame_hosts(config.media.embeds)))


def third_parties(config: SiteConfig) -> ThirdParty:
    return comment_hosts(config) + embed_hosts(config)


def content_security_policy(config: SiteConfig) -> str:
    """The policy for every page of the site."""
    extra = third_parties(config)
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
