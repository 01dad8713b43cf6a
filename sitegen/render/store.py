"""What the renderer may remember between pages and builds, as a protocol.

Rendering an entry's <article> is most of a page's cost, and the same article appears on
many pages: the renderer asks a store for fragments it made before. The render stage
knows only this protocol; `build` hands it the persistent, content-keyed cache
(sitegen/incremental/fragments.py). `NoStore` is the full path: every fragment rendered,
nothing kept, the same bytes.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from jinja2 import BytecodeCache

# (liveblog digest, entry digest, base URL) -> the <article>'s UTF-8 bytes
ArticleMemo = dict[tuple[str, str, str], bytes]


class FragmentStore(Protocol):
    def key(self, *parts: str) -> str:
        """A key naming a value by all of its inputs."""

    def get(self, key: str) -> str | None: ...

    def get_many(self, keys: list[str]) -> dict[str, str]: ...

    def put(self, key: str, value: str | bytes) -> None:
        """Keep `value` (text, or its UTF-8 bytes: `get` gives it back as text)."""

    def articles(self, fingerprint: str) -> ArticleMemo:
        """Finished articles kept for the next build while `fingerprint` (templates and
        config) is the same; a fresh dict when nothing is kept between builds."""

    def compiled_templates(self) -> "BytecodeCache | None":
        """Where compiled templates outlive the process (Jinja checks each against its
        template's source), or None."""


class NoStore:
    """Remembers nothing: every fragment is rendered."""

    def key(self, *parts: str) -> str:
        return hashlib.sha256("\x00".join(parts).encode()).hexdigest()

    def get(self, key: str) -> str | None:
        return None

    def get_many(self, keys: list[str]) -> dict[str, str]:
        return {}

    def put(self, key: str, value: str | bytes) -> None:
        pass

    def articles(self, fingerprint: str) -> ArticleMemo:
        return {}

    def compiled_templates(self) -> "BytecodeCache | None":
        return None
