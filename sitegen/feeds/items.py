"""A feed and its items, as every feed format (RSS, Atom, JSON Feed) reads them."""

from __future__ import annotations

from dataclasses import dataclass

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
