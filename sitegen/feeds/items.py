"""A feed and its items, as every feed format (RSS, Atom, JSON Feed) reads them."""

from __future__ import annotations

from dataclasses import dataclass

from sitegen.core.urls import Links
from sitegen.media.images import IMAGE_TYPES, extension
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


def image_type(path: str) -> str:
    return IMAGE_TYPES.get(extension(path), "image/*")


def entry_image(entry: Entry, links: Links) -> tuple[str, str]:
    """(type, absolute URL) of an entry's image, for every feed format: a processed one
    at its social-card size."""
    if entry.picture:
        social = entry.picture.social
        return social.mime, links.absolute(media_route(social))
    assert entry.image
    return image_type(entry.image), links.absolute_static(entry.image)
