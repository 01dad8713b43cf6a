"""The markdown-it plugin for media: embed cards and local images in entry bodies.

- A core rule finds top-level paragraphs holding only a link to a known post
  (embeds.py) and turns them into a card, taking in a blockquote right after it
  as the editor's quote of the post.
- The image render rule leaves local images (a path under static/) as pending
  markers (markup.py) for the media library, which knows their processed files;
  remote and data: images render as before, lazy and async.

Only markdown-it-py runs this plugin. `MediaMarkdown.declines` keeps every body
with a link-only line from the fast engine; of the others, `adjust` makes each local
image in the fast engine's HTML its pending marker (the rest render as the renderer's
own rule renders them), so both engines still give the same bytes for every body.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import unescape
from typing import TYPE_CHECKING, Any

from sitegen.config.media_config import EmbedsConfig
from sitegen.core.urls import is_external
from sitegen.media import embeds, markup

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore
    from markdown_it.token import Token


VERSION = "2"  # of the markup below (2: card labels as markers): part of the Markdown fingerprint


class MediaMarkdown:
    """The markdown renderer's extension (markdown.renderer.Extension) for media."""

    def __init__(self, settings: EmbedsConfig) -> None:
        self.settings = settings
        self.name = f"media/{VERSION}/{settings!r}"

    def setup(self, md: "MarkdownIt") -> None:
        media_plugin(md, self.settings)

    def declines(self, body: str) -> bool:
        return "://" in body and embeds.may_embed(body)

    def adjust(self, html: str) -> str | None:
        """The fast engine's HTML with each local image as `_render_image` leaves it;
        None when an image tag is not in the one form both engines give it."""
        if "<img " not in html:
            return html
        if html.count("<img ") != len(_FAST_IMAGE.findall(html)):
            return None
        return _FAST_IMAGE.sub(_fast_image, html)


def media_plugin(md: "MarkdownIt", settings: EmbedsConfig) -> None:
    md.core.ruler.push("sitegen_embeds", lambda state: _embeds(state, settings))
    remote = md.renderer.rules["image"]  # (the renderer's own: lazy and async)
    md.add_render_rule("image", lambda self, tokens, idx, options, env:
                       _render_image(self, tokens, idx, options, env) or remote(tokens, idx, options, env))
    md.add_render_rule("embed_open", lambda self, tokens, idx, options, env: embeds.card_open(tokens[idx].meta["embed"]))
    md.add_render_rule("embed_close", lambda self, tokens, idx, options, env: embeds.card_close(tokens[idx].meta["embed"]))


def _embeds(state: "StateCore", settings: EmbedsConfig) -> None:
    from markdown_it.token import Token
    tokens = state.tokens
    i = 0
    while i + 2 < len(tokens):
        embed = _link_paragraph(tokens, i, settings)
        if embed is None:
            i += 1
            continue
        opening = Token("embed_open", "figure", 1)
        closing = Token("embed_close", "figure", -1)
        opening.meta = closing.meta = {"embed": embed}
        opening.block = closing.block = True
        end = _quote_end(tokens, i + 3)
        tokens[i:i + 3] = [opening]  # the paragraph goes; a quote after it stays, inside the card
        end -= 2
        tokens.insert(end, closing)
        i = end + 1


def _link_paragraph(tokens: list["Token"], i: int, settings: EmbedsConfig) -> embeds.Embed | None:
    """The embed for a top-level paragraph at `i` that holds only a link on one line."""
    first, inline, last = tokens[i:i + 3]
    if first.type != "paragraph_open" or first.level != 0 or inline.type != "inline" or last.type != "paragraph_close":
        return None
    found = embeds.LINK_ONLY.fullmatch(inline.content.strip())
    if found is None:
        return None
    return embeds.match(found[1] or found[2], settings)


def _quote_end(tokens: list["Token"], at: int) -> int:
    """Where a blockquote starting at `at` ends (just after it); `at` when there is none."""
    if at >= len(tokens) or tokens[at].type != "blockquote_open" or tokens[at].level != 0:
        return at
    for j in range(at + 1, len(tokens)):
        if tokens[j].type == "blockquote_close" and tokens[j].level == 0:
            return j + 1
    return at


# An image as the renderer's own rule renders it (the fast engine's, made lazy and async
# by fastmd): its attributes escaped, so unescaping them gives the token's own values.
# The fast engine only sees bodies without a `<` (fastmd's gate): every `<img ` is a tag.
_FAST_IMAGE = re.compile(r'<img src="([^"]*)" alt="([^"]*)"(?: title="([^"]*)")? loading="lazy" decoding="async" />')


def _is_local(src: str) -> bool:
    """Whether an image's `src` names a file of the site (the media library's to process)."""
    return bool(src) and not is_external(src) and not src.startswith("#")


def _fast_image(found: re.Match[str]) -> str:
    """`_render_image`'s output for the image tag `found`."""
    src = unescape(found[1])
    if not _is_local(src):
        return found[0]
    return markup.pending(src, unescape(found[2]), None if found[3] is None else unescape(found[3]))


def _render_image(self: Any, tokens: Sequence["Token"], idx: int, options: Any, env: Any) -> str | None:
    """A local image's pending marker; None for any other (the renderer's rule renders it)."""
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    if not _is_local(src):
        return None
    title = token.attrGet("title")
    return markup.pending(src, self.renderInlineAsText(token.children or [], options, env),
                          None if title is None else str(title))
