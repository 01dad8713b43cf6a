"""Static SVGs found clean (core.svgsafe), remembered by their bytes: a site's logo or
icons are checked once, not parsed (with lxml imported for them) by every build."""

from __future__ import annotations

import hashlib

from sitegen.core.svgsafe import svg_dangers
from sitegen.incremental.cache import Cache, cache_key
from sitegen.output.skip import StaleInputs, verify_inputs

CLEAN = "clean"


class CheckedSvgs:
    """core.svgsafe.CleanSvgs in the cache. The key names the file's bytes and, as every
    key does, sitegen's code: a check that learns a new danger checks every file again.
    Under SITEGEN_VERIFY_INPUTS a file known clean is checked anyway."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    def known(self, data: bytes) -> bool:
        found = self.cache.get(_key(data)) == CLEAN
        if found and verify_inputs() and svg_dangers(data):
            raise StaleInputs("an SVG known clean is not")
        return found

    def remember(self, data: bytes) -> None:
        self.cache.put(_key(data), CLEAN)


def _key(data: bytes) -> str:
    return cache_key("clean svg", hashlib.sha256(data).hexdigest())
