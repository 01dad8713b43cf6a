"""The build's side of sitegen.media: the persistent cache as the library's store, the
processed variants published, the originals of entry images kept out of the output."""

from __future__ import annotations

import tempfile
from functools import cached_property
from pathlib import Path
from typing import Iterable

from sitegen.config.site_config import SiteConfig
from sitegen.core.forking import Progress
from sitegen.incremental.cache import Cache, code_digest, narrow_key
from sitegen.media.library import MediaLibrary
from sitegen.media.records import SHAPING_MODULES
from sitegen.model.site import Site
from sitegen.output.skip import StaleInputs, verify_inputs
from sitegen.output.writer import OutputWriter


MEMO_LIMIT = 100_000  # resolved entries, pictures and their digests kept for serve's next build
# (a liveblog of 50,000 entries and 20,000 photos fits; a longer session starts afresh)


class CachedMedia:
    """The media library's store in the build's cache, its keys naming the code that shapes
    pictures (`SHAPING_MODULES`), not all of sitegen's: an upgrade that leaves those
    modules alone processes no photo again."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    @cached_property
    def code(self) -> str:
        """Read on the first look-up: a build whose entries show no image reads none of it."""
        return code_digest(only=SHAPING_MODULES)

    def get_many(self, keys: list[str]) -> dict[str, str]:
        named = {narrow_key(self.code, "media", key): key for key in keys}
        return {named[name]: value for name, value in self.cache.get_many(list(named)).items()}

    def put(self, key: str, value: str) -> None:
        self.cache.put(narrow_key(self.code, "media", key), value)


def media_library(source: Path, config: SiteConfig, cache: Cache, cache_dir: Path | None,
                  progress: Progress | None = None) -> MediaLibrary:
    """Images processed once per content change: their variants kept beside the cache
    (which describes them); without a cache, in a folder for this build only (the
    caller removes it: `temporary`). `progress` is told how many are processed."""
    folder = cache_dir / "media" if cache_dir else Path(tempfile.mkdtemp(prefix="sitegen-media-"))
    memo = cache.memo.partition("media", MEMO_LIMIT)  # (serve keeps it between builds)
    return MediaLibrary(source / "static", config.media, CachedMedia(cache), folder, memo, progress)


def without_processed(statics: Iterable[tuple[str, Path, str]], site: Site,
                      media: MediaLibrary) -> list[tuple[str, Path, str]]:
    """The static files but the images entries use: those are published processed, and
    their originals (with GPS positions and camera serials) never. A logo stays."""
    if verify_inputs():  # (the test suite: what the library resolved is what the site shows)
        _check_shown(site, media)
    used = media.sources()
    logo = site.config.publisher.logo if site.config.publisher else None
    used.discard((logo or "").lstrip("/"))
    return [item for item in statics if item[0] not in used]


def _check_shown(site: Site, media: MediaLibrary) -> None:
    """The pictures the library says its build resolved are those the site's entries show,
    looked up entry by entry (which `sources` and `published` spare a long liveblog)."""
    if set(media.shown) != {p for lb in site.liveblogs for e in lb.entries for p in e.media}:
        raise StaleInputs("the media library's record of the pictures shown is not what the entries show")


def publish_media(site: Site, media: MediaLibrary, writer: OutputWriter) -> int:
    """Copy the processed variants the entries show (unchanged ones are not touched)."""
    files = media.published()
    for rel, path in sorted(files.items()):
        writer.copy(rel, path, f"processed image {rel}")
    return len(files)
