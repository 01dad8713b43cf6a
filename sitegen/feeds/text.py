"""Feeds written as text: the same bytes as ElementTree / `json.dumps` (tests compare).

After an edit to a recent entry, `serve` remakes every feed that lists it (about 15
files of 50 items in RSS, Atom and JSON Feed); building and serializing those trees
was a sixth of the rebuild. Here each item's text is made once per content and kept,
and a feed is its head, its items' kept text and its tail. The escaping below is
ElementTree's (Python 3.11), and the tests hold the result to the tree versions.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Iterable

from sitegen.feeds.items import FeedItem

XML_DECLARATION = "<?xml version='1.0' encoding='utf-8'?>\n"
ITEMS_KEPT = 4096  # per format: a site's feeds list ~750 distinct entries at 50 items each


def text(value: str) -> str:
    """Character data as ElementTree escapes it: only `&`, `<` and `>`."""
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    return value


def attribute(value: str) -> str:
    """An attribute value as ElementTree escapes it, including `"` and white space."""
    value = text(value)
    for raw, escaped in (('"', "&quot;"), ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#09;")):
        if raw in value:
            value = value.replace(raw, escaped)
    return value


def element(indent: str, tag: str, value: str | None, attrs: Iterable[tuple[str, str]] = ()) -> str:
    """A childless element on its own line, indented as `ET.indent` would; ElementTree
    writes one without text (None or "") in the short form `<tag />`."""
    opening = tag + "".join(f' {name}="{attribute(v)}"' for name, v in attrs)
    if not value:
        return f"\n{indent}<{opening} />"
    return f"\n{indent}<{opening}>{text(value)}</{tag}>"


def xml_bytes(parts: list[str]) -> bytes:
    """ElementTree's writer replaces what UTF-8 cannot hold (lone surrogates) by references.
    UTF-8 is stateless, so pieces encoded apart join into the bytes of the whole."""
    return "".join(parts).encode("utf-8", "xmlcharrefreplace")


class ItemTexts:
    """Each feed item's encoded text by (entry digest, liveblog digest, base URL): an item's text
    depends on nothing else. Bounded, least recently used out first, so a long `serve`
    session or a 50,000-entry site cannot grow it. Only bytes are kept (keeping the Entry
    or Liveblog objects would keep whole old sites alive), ready to join: encoding the
    joined document again took as long as the rest of a warm feed."""

    def __init__(self, size: int = ITEMS_KEPT) -> None:
        self._size = size
        self._texts: OrderedDict[tuple[str, str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()  # `serve` answers HTTP on other threads

    def get(self, item: FeedItem, base_url: str, make: Callable[[FeedItem, str], bytes]) -> bytes:
        key = (item.entry.digest, item.liveblog.digest, base_url)
        with self._lock:
            found = self._texts.get(key)
            if found is not None:
                self._texts.move_to_end(key)
                return found
        made = make(item, base_url)
        with self._lock:
            self._texts[key] = made
            while len(self._texts) > self._size:
                self._texts.popitem(last=False)
        return made

    def clear(self) -> None:
        with self._lock:
            self._texts.clear()

    def __len__(self) -> int:
        return len(self._texts)


_ALL: list[ItemTexts] = []


def item_texts(size: int = ITEMS_KEPT) -> ItemTexts:
    """A new cache of item texts, registered so `clear_all` can empty it."""
    texts = ItemTexts(size)
    _ALL.append(texts)
    return texts


def clear_all() -> None:
    """Forget every kept item text (tests and benchmarks start cold with this)."""
    for texts in _ALL:
        texts.clear()
