"""Social posts and videos as privacy-first cards.

A paragraph holding nothing but a link to a post of a known provider becomes a
card: the provider, the author's handle, the link, and the editor's quote (a
blockquote right after the link). The card is plain HTML, readable without
JavaScript, and makes no request anywhere. Only when the reader presses "Show
the post" (or the site chose `load` for the provider) does sitegen.js put the
provider's official embed in an iframe; its address is built here from the
parts of the link that were recognised (ids, handles), never from the link as
written, and only for hosts on the allow-list below. Anything else stays a link.

The card's words ("Show the post", "Open the post on X", the frame's title) are
catalog keys left as label markers (markup.label): the loader fills them in the
liveblog's language, which the Markdown stage does not know.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from urllib.parse import parse_qs, quote, urlsplit

from sitegen.config.media_config import EmbedsConfig
from sitegen.media.markup import label

# A paragraph that is only a URL, or only a [text](URL) link, on one line; the same
# test decides which bodies the fast Markdown engine must leave to markdown-it-py.
LINK_ONLY = re.compile(r"(?:\[[^\]\n]*\]\(\s*(https?://[^\s()<>]+)\s*\)|(https?://[^\s<>]+))", re.IGNORECASE)
LINK_LINE = re.compile(r"(?:^|\n) {0,3}" + LINK_ONLY.pattern + r"[ \t]*(?:\n|$)", re.IGNORECASE)

_ID = r"[A-Za-z0-9_-]{1,64}"
_HANDLE = r"[A-Za-z0-9_.-]{1,64}"


# A recogniser: (link host, path, query) -> (author handle, the embed's path and query on
# the provider's frame host), or None when the link is not a post.
Recognised = tuple[str | None, str]


def _x(host: str, path: str, query: dict[str, list[str]]) -> Recognised | None:
    m = re.fullmatch(rf"/({_HANDLE})/status(?:es)?/([0-9]{{1,25}})(?:/.*)?", path)
    return ("@" + m[1], f"/embed/Tweet.html?id={m[2]}&dnt=true") if m else None


def _telegram(host: str, path: str, query: dict[str, list[str]]) -> Recognised | None:
    m = re.fullmatch(rf"/(?:s/)?({_HANDLE})/([0-9]{{1,20}})", path)
    return ("@" + m[1], f"/{m[1]}/{m[2]}?embed=1") if m else None


def _bluesky(host: str, path: str, query: dict[str, list[str]]) -> Recognised | None:
    m = re.fullmatch(rf"/profile/({_HANDLE}|did:plc:[a-z0-9]{{1,64}})/post/([a-z0-9]{{1,32}})", path)
    return ("@" + m[1], f"/embed/{m[1]}/app.bsky.feed.post/{m[2]}") if m else None


def _mastodon(host: str, path: str, query: dict[str, list[str]]) -> Recognised | None:
    m = re.fullmatch(rf"/@({_HANDLE})/([0-9]{{1,25}})", path)
    return (f"@{m[1]}@{host}", f"/@{m[1]}/{m[2]}/embed") if m else None


def _instagram(host: str, path: str, query: dict[str, list[str]]) -> Recognised | None:
    m = re.fullmatch(rf"(?:/({_HANDLE}))?/(p|reel|tv)/({_ID})", path)
    return ("@" + m[1] if m[1] else None, f"/{m[2]}/{m[3]}/embed/") if m else None


def _tiktok(host: str, path: str, query: dict[str, list[str]]) -> Recognised | None:
    m = re.fullmatch(rf"/@({_HANDLE})/video/([0-9]{{1,25}})", path)
    return ("@" + m[1], f"/embed/v2/{m[2]}") if m else None


def _facebook(host: str, path: str, query: dict[str, list[str]]) -> Recognised | None:
    m = re.fullmatch(rf"/({_HANDLE})/(posts|videos)/({_ID})", path)
    if not m:
        return None
    canonical = quote(f"https://www.facebook.com/{m[1]}/{m[2]}/{m[3]}/", safe="")
    plugin = "video" if m[2] == "videos" else "post"
    return m[1], f"/plugins/{plugin}.php?href={canonical}"


def _youtube(host: str, path: str, query: dict[str, list[str]]) -> Recognised | None:
    video = r"[A-Za-z0-9_-]{11}"
    if host == "youtu.be":
        found = re.fullmatch(rf"/({video})", path)
    elif path == "/watch" and len(query.get("v", [])) == 1:
        found = re.fullmatch(rf"({video})", query["v"][0])
    else:
        found = re.fullmatch(rf"/(?:shorts|live|embed)/({video})", path)
    return (None, f"/embed/{found[1]}") if found else None


def _vimeo(host: str, path: str, query: dict[str, list[str]]) -> Recognised | None:
    m = re.fullmatch(r"(?:/video)?/([0-9]{1,15})", path)
    return (None, f"/video/{m[1]}?dnt=1") if m else None


@dataclass(frozen=True)
class Provider:
    key: str  # its setting under media.embeds
    name: str  # what readers see
    hosts: frozenset[str]  # the hosts its links are on (exactly: no look-alikes)
    action: str  # the catalog key of the link's words ("Open the post on {provider}")
    frame_host: str  # the one host its embeds load from ("": the post's own, for Mastodon)
    recognise: Callable[[str, str, dict[str, list[str]]], Recognised | None]


PROVIDERS = {p.key: p for p in (
    Provider("x", "X", frozenset({"x.com", "www.x.com", "twitter.com", "www.twitter.com", "mobile.twitter.com",
                                  "mobile.x.com"}), "embed_open_post", "platform.twitter.com", _x),
    Provider("telegram", "Telegram", frozenset({"t.me", "telegram.me"}), "embed_open_post", "t.me",
             _telegram),
    Provider("bluesky", "Bluesky", frozenset({"bsky.app"}), "embed_open_post", "embed.bsky.app",
             _bluesky),
    Provider("mastodon", "Mastodon", frozenset(), "embed_open_post", "", _mastodon),  # hosts: media.embeds
    Provider("instagram", "Instagram", frozenset({"instagram.com", "www.instagram.com"}),
             "embed_open_post", "www.instagram.com", _instagram),
    Provider("tiktok", "TikTok", frozenset({"tiktok.com", "www.tiktok.com", "m.tiktok.com"}),
             "embed_open_video", "www.tiktok.com", _tiktok),
    Provider("facebook", "Facebook", frozenset({"facebook.com", "www.facebook.com", "m.facebook.com"}),
             "embed_open_post", "www.facebook.com", _facebook),
    Provider("youtube", "YouTube", frozenset({"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be"}),
             "embed_watch", "www.youtube-nocookie.com", _youtube),
    Provider("vimeo", "Vimeo", frozenset({"vimeo.com", "www.vimeo.com", "player.vimeo.com"}), "embed_watch",
             "player.vimeo.com", _vimeo),
)}
# The allow-list: every fixed host an embed's iframe loads from (a frame's address is only
# ever built on its provider's, or on a Mastodon server the site names).
FRAME_HOSTS = tuple(p.frame_host for p in PROVIDERS.values() if p.frame_host)


@dataclass(frozen=True)
class Embed:
    provider: str  # key in PROVIDERS
    url: str  # the link as the editor gave it (https only)
    author: str | None  # a handle, when the link names one
    frame: str  # the official embed's address (https, on the provider's frame host)
    mode: str  # click, load or link


_ANY_HOSTS = frozenset().union(*(p.hosts for p in PROVIDERS.values()))
_MASTODON_LIKE = re.compile(r"/@[^/]+/[0-9]+/?")


def may_embed(body: str) -> bool:
    """Whether some line of `body` alone links to what may become a card under any
    settings (Mastodon's hosts are the site's: any host with a Mastodon-like path)."""
    for found in LINK_LINE.finditer(body):
        try:
            parts = urlsplit(found[1] or found[2])
        except ValueError:  # (a malformed IPv6 host): never a card, but decline to be sure
            return True
        if (parts.hostname or "").rstrip(".") in _ANY_HOSTS or _MASTODON_LIKE.fullmatch(parts.path):
            return True
    return False


def match(url: str, settings: EmbedsConfig) -> Embed | None:
    """The card for `url`, or None when it is not a post of a known provider."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").rstrip(".")
    if parts.scheme.lower() != "https" or parts.username or parts.password or parts.port is not None:
        return None
    for provider in PROVIDERS.values():
        if host in (settings.mastodon_hosts if provider.key == "mastodon" else provider.hosts):
            found = provider.recognise(host, parts.path.rstrip("/") or "/", parse_qs(parts.query))
            if found is None:
                return None
            author, frame = found
            return Embed(provider.key, url.strip(), author, f"https://{provider.frame_host or host}{frame}",
                         getattr(settings, provider.key))
    return None


def frame_hosts(settings: EmbedsConfig) -> tuple[str, ...]:
    """Every host an embed's iframe may load from (a Content-Security-Policy's frame-src)."""
    return FRAME_HOSTS + tuple(settings.mastodon_hosts)


def card_open(embed: Embed) -> str:
    """The start of a card: the editor's quote (a blockquote) follows, then `card_close`."""
    provider = PROVIDERS[embed.provider]
    attrs = f' data-embed="{embed.mode}"'
    if embed.mode != "link":
        title = (label("embed_title_by", provider=provider.name, author=embed.author) if embed.author
                 else label("embed_title", provider=provider.name))
        attrs += f' data-embed-src="{escape(embed.frame)}" data-embed-title="{title}"'
    return f'<figure class="embed embed--{embed.provider}"{attrs}>\n'


def card_close(embed: Embed) -> str:
    """The card's caption: provider, author, the link, and the (hidden until JS) button."""
    provider = PROVIDERS[embed.provider]
    author = f' <span class="embed__author">{escape(embed.author)}</span>' if embed.author else ""
    button = (f'<button type="button" class="embed__show" hidden>{label("embed_show")}</button>'
              if embed.mode != "link" else "")
    action = label(provider.action, provider=provider.name)
    return (f'<figcaption class="embed__caption"><span class="embed__provider">{provider.name}</span>{author} '
            f'<a class="embed__link" href="{escape(embed.url)}" rel="noopener nofollow">{action}</a>'
            f'{button}</figcaption>\n</figure>\n')
