"""Entry bodies rendered once per content change: the cached `RenderBodies` that
`build` hands the loader. Cached bodies are fetched in one go; the misses are
rendered together (sitegen.markdown.bodies), so a cold build still uses every core."""

from __future__ import annotations

from sitegen.incremental.cache import Cache, cache_key
from sitegen.markdown.bodies import render_bodies
from sitegen.markdown.renderer import MarkdownRenderer


class CachedBodies:
    """Renders (entry id, Markdown) pairs to HTML through the cache."""

    def __init__(self, markdown: MarkdownRenderer, cache: Cache) -> None:
        self.markdown = markdown
        self.cache = cache

    def render_many(self, pairs: list[tuple[str, str]]) -> list[str]:
        keys = [cache_key("markdown", self.markdown.fingerprint, entry_id, body) for entry_id, body in pairs]
        found = self.cache.get_many(keys)
        misses = {key: pair for key, pair in zip(keys, pairs) if key not in found}
        for key, html in zip(misses, render_bodies(self.markdown, list(misses.values()))):
            self.cache.put(key, html)
            found[key] = html
        return [found[key] for key in keys]
