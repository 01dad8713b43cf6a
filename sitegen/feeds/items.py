"""A feed and its items, as every feed format (RSS, Atom, JSON Feed) reads them."""

from __future__ import annotations

from dataclasses import dataclass

from sitegen.core.urls import Links
from sitegen.model.pictures import media_route
from sitegen.model.site import Entry, Liveblog


@dataclass(frozen=True)
class FeedItem:
    entry: Entry
    liveblog: Liveblog


@dataclass(frozen=True)
class Feed:
    route: str
    title: str
    description: str
    page_route: str
    items: tuple[FeedItem, ...]
    language: str  # BCP 47: the liveblog's (the site's for the site's feed)


_IMAGE_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif",
                "webp": "image/webp", "avif": "image/avif", "svg": "image/svg+xml"}


def image_type(path: str) -> str:
    return _IMAGE_TYPES.get(path.rsplit(".", 1)[-1].lower(), "image/*")


def entry_image(entry: Entry, links: Links) -> tuple[str, str]:
    """(type, absolute URL) of an entry's image, for every feed format: a processed one
    at its social-card size."""
    if entry.picture:
        social = entry.picture.social
        return social.mime, links.absolute(media_route(social))
    assert entry.image
    return image_type(entry.image), links.absolute_static(entry.image)
