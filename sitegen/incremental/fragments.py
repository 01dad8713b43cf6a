"""The renderer's store (sitegen.render.store.FragmentStore) backed by the persistent
cache: articles and page keys named by content hash and sitegen's code; in `serve`,
finished articles also kept in memory (as their UTF-8 bytes: see render.renderer) while
templates and config are the same.

Compiled templates are Python code, so they are never kept in the site's cache folder
(which a CI cache or a shared disk may hand from one build machine to the next: a value
there may change output, never run code). They go where Jinja keeps them by default: a
folder of the system's temporary one that only this user may enter (Jinja creates it
mode 0700 and refuses it when another user owns it), as Python's own compiled modules
sit beside the code they come from. Their file names carry sitegen's code digest,
Jinja's version and Python's (as `__pycache__` names do): what shapes a compiled
template (the environment's options, its filters, Jinja's compiler, Python's bytecode)
changes only with them, and two Pythons on one machine (a CI matrix) do not overwrite
each other's. `serve` compiles them once for its life (and leaves nothing in the
temporary folder when it stops: its preview folder is kept in the site's cache folder).
"""

from __future__ import annotations

import logging
import sys

import jinja2

from sitegen.core.memo import Partition
from sitegen.incremental.cache import Cache, cache_key
from sitegen.render.store import ArticleMemo

log = logging.getLogger("sitegen")


class CachedFragments:
    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    def key(self, *parts: str) -> str:
        return cache_key(*parts)

    def get(self, key: str) -> str | None:
        return self.cache.get(key)

    def get_many(self, keys: list[str]) -> dict[str, str]:
        return self.cache.get_many(keys, keep=False)  # (the renderer keeps what it needs, as bytes)

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

    def compiled_templates(self) -> jinja2.BytecodeCache | None:
        if self.cache.path is None or self.cache.keep_in_memory:  # (--no-cache; `serve`, which lives long)
            return None
        try:
            named = cache_key("compiled templates", jinja2.__version__, str(sys.implementation.cache_tag))[:24]
            return jinja2.FileSystemBytecodeCache(pattern=f"sitegen-{named}-%s")
        except (OSError, RuntimeError) as exc:  # (no private temporary folder: compiled each time)
            log.debug("compiled templates are not kept: %s", exc)
            return None
