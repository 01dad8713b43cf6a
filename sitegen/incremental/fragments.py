"""The renderer's store (sitegen.render.store.FragmentStore) backed by the persistent
cache: articles and page keys named by content hash and sitegen's code; in `serve`,
finished articles also kept in memory while templates and config are the same."""

from __future__ import annotations

from sitegen.core.memo import Partition
from sitegen.incremental.cache import Cache, cache_key
from sitegen.render.store import ArticleMemo


class CachedFragments:
    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    def key(self, *parts: str) -> str:
        return cache_key(*parts)

    def get(self, key: str) -> str | None:
        return self.cache.get(key)

    def get_many(self, keys: list[str]) -> dict[str, str]:
        return self.cache.get_many(keys)

    def put(self, key: str, value: str | bytes) -> None:
        self.cache.put(key, value)

    def articles(self, fingerprint: str) -> ArticleMemo:
        if not self.cache.keep_in_memory:
            return {}
        kept: Partition[str, ArticleMemo] = self.cache.memo.partition("articles", limit=1)
        known = kept.get(fingerprint)  # (a new fingerprint replaces the old one's articles)
        if known is None:
            known = kept[fingerprint] = {}
        return known
