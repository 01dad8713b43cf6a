"""Entry bodies: CommonMark + tables, strikethrough and footnotes, safe by default.

Raw HTML is escaped unless the site sets `markdown.allow_html`; markdown-it's link
validator keeps javascript:, vbscript:, file: and non-image data: URLs from ever
becoming links or images. Images lazy-load; body headings sit below the entry's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from sitegen import __version__

# An entry's own headline is an <h3> in the stream; its body headings start below.
HEADING_OFFSET = 3


class MarkdownRenderer:
    """One configured markdown-it instance; `fingerprint` names its exact behaviour."""

    def __init__(self, allow_html: bool) -> None:
        self.allow_html = allow_html
        self.md = (
            MarkdownIt("commonmark", {"html": allow_html})
            .enable(["table", "strikethrough"])
            .use(footnote_plugin)
        )
        self.md.add_render_rule("image", _render_image)
        self.md.add_render_rule("heading_open", _render_heading)
        self.md.add_render_rule("heading_close", _render_heading)
        self.fingerprint = hashlib.sha256(
            f"markdown-it/{__version__}/html={allow_html}/offset={HEADING_OFFSET}".encode()
        ).hexdigest()[:16]

    def render(self, body: str, entry_id: str) -> str:
        """HTML for one entry; footnote ids are prefixed with the entry id to stay unique."""
        return self.md.render(body, {"docId": entry_id})


def _render_image(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    token.attrSet("loading", "lazy")
    token.attrSet("decoding", "async")
    return self.image(tokens, idx, options, env)


def _render_heading(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    level = min(int(token.tag[1]) + HEADING_OFFSET, 6)
    token.tag = f"h{level}"
    return self.renderToken(tokens, idx, options, env)
