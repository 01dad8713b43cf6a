"""Entry bodies: CommonMark + tables, strikethrough and footnotes, safe by default.

Raw HTML is escaped unless the site sets `markdown.allow_html`; markdown-it's link
validator keeps javascript:, vbscript:, file: and non-image data: URLs from ever
becoming links or images. Images lazy-load; body headings sit below the entry's.
An `Extension` from a package above (sitegen.media: processed images, embed cards)
may add rules; the bodies it declines for the fast engine get markdown-it-py, and it
adjusts the fast engine's HTML of the others as its rules would make it.

markdown-it-py is the reference. When markdown-it-pyrs is installed (`sitegen[fast]`)
the bodies that fastmd's gate proves safe are rendered by it instead, to the same
bytes, so `fingerprint` (part of every cache key) does not name the engine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import cached_property
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sitegen import __version__
from sitegen.markdown import fastmd

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

# An entry's own headline is an <h3> in the stream; its body headings start below.
HEADING_OFFSET = 3


class Extension(Protocol):
    """Rules added to markdown-it-py by a package above this one. `name` is part of the
    fingerprint. The fast engine does not run the rules: it never sees a body that
    `declines` names, and `adjust` makes its HTML of the others what the rules make
    (None: not certain), so both engines still give the same bytes for every body."""

    name: str

    def setup(self, md: "MarkdownIt") -> None: ...

    def declines(self, body: str) -> bool: ...

    def adjust(self, html: str) -> str | None: ...


class MarkdownRenderer:
    """One configured markdown-it instance; `fingerprint` names its exact behaviour."""

    def __init__(self, allow_html: bool, accelerate: bool = True, extension: Extension | None = None) -> None:
        self.allow_html = allow_html
        self.extension = extension
        self.fingerprint = hashlib.sha256(
            f"markdown-it/{__version__}/{engines()}/html={allow_html}/offset={HEADING_OFFSET}/"
            f"extension={extension.name if extension else ''}".encode()
        ).hexdigest()[:16]
        # Same bytes with or without it; the gate keeps every `<` away, so allow_html
        # (which only changes how markdown-it reads a `<`) does not matter to it.
        self.fast = fastmd.load(HEADING_OFFSET) if accelerate else None

    @cached_property
    def md(self) -> "MarkdownIt":
        """markdown-it-py, made (and imported) when a body needs it: a warm build renders none."""
        from markdown_it import MarkdownIt
        from mdit_py_plugins.footnote import footnote_plugin

        md = MarkdownIt("commonmark", {"html": self.allow_html}).enable(["table", "strikethrough"]).use(footnote_plugin)
        md.add_render_rule("image", _render_image)
        md.add_render_rule("heading_open", _render_heading)
        md.add_render_rule("heading_close", _render_heading)
        if self.extension is not None:
            self.extension.setup(md)
        return md

    def render(self, body: str, entry_id: str) -> str:
        """HTML for one entry; footnote ids are prefixed with the entry id to stay unique."""
        html = self.render_fast(body)
        return html if html is not None else self.render_reference(body, entry_id)

    def render_fast(self, body: str) -> str | None:
        """The accelerator's HTML, or None when it is missing or not certain for `body`."""
        if self.fast is None:
            return None
        if self.extension is None:
            return self.fast.render(body)
        if self.extension.declines(body):
            return None
        html = self.fast.render(body)
        return None if html is None else self.extension.adjust(html)

    def render_reference(self, body: str, entry_id: str) -> str:
        """markdown-it-py's HTML, the reference every other path must match."""
        return self.md.render(body, {"docId": entry_id})


def engines() -> str:
    """Which markdown-it-py and plugins render the reference HTML (see `_identity`)."""
    return "/".join(_identity(name) for name in ("markdown_it", "mdit_py_plugins"))


def _identity(package: str) -> str:
    """A hash of the package's __init__.py, which names its version: another markdown-it-py
    may render differently, so its version is part of the fingerprint. (Not imported for
    this, nor asked through importlib.metadata: each costs more than a warm build's rest.)"""
    spec = find_spec(package)
    try:
        text = Path(spec.origin).read_bytes() if spec and spec.origin else b""
    except OSError:
        text = b""
    return f"{package}:{hashlib.sha256(text).hexdigest()[:12]}"


def _render_image(self: Any, tokens: Sequence["Token"], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    token.attrSet("loading", "lazy")
    token.attrSet("decoding", "async")
    return self.image(tokens, idx, options, env)


def _render_heading(self: Any, tokens: Sequence["Token"], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    level = min(int(token.tag[1]) + HEADING_OFFSET, 6)
    token.tag = f"h{level}"
    return self.renderToken(tokens, idx, options, env)
