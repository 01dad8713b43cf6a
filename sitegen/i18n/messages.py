"""One language's interface texts, as templates and views ask for them.

In a template, `t` is the page's `Messages`:

    {{ t.key_events }}                              a plain text (escaped as usual)
    {{ t.fill("by_author", author=entry.author) }}  placeholders filled; user text in <bdi>
    {{ t.count("updates_count", n) }}               CLDR plural form, number localised

Views use `text` (placeholders filled, no markup: titles, attributes). Plural
forms are chosen by the language's CLDR rules through Babel, never `n == 1`.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Callable

from babel import Locale
from markupsafe import Markup, escape

from sitegen.core.text import closest
from sitegen.i18n.catalogs import PLACEHOLDER, Text

# Texts sitegen.js shows: they travel to the page in a JSON block (see `script_texts`).
SCRIPT_KEYS = ("jump_to_latest", "reading_options", "topic_filter", "all_topics", "no_topic_updates",
               "oldest_first", "update_moved", "ended", "comments_unavailable", "key_events_only",
               "no_matching_updates", "where_you_left_off", "updated_at")
SCRIPT_PLURALS = ("new_updates", "new_since_visit")
PLURAL_TABLE_SIZE = 200  # the script picks forms for counts below this from the build's CLDR table


class Messages:
    """Texts by key for one language (English where it has none), with CLDR plurals."""

    def __init__(self, tag: str, locale: Locale, texts: dict[str, Text], digest: str,
                 number: Callable[[int], str], digits: str) -> None:
        self._tag = tag
        self._locale = locale
        self._texts = texts
        self._digest = digest
        self._number = number
        self._digits = digits
        self._html: dict[str, list[str]] = {}  # key -> its escaped text split at placeholders
        # Plain texts as attributes: `t.key_events` is then a plain lookup, not a call.
        reserved = [k for k in texts if hasattr(type(self), k)]
        assert not reserved, f"catalog keys that name Messages methods: {reserved}"
        self.__dict__.update({k: v for k, v in texts.items() if isinstance(v, str)})

    def __repr__(self) -> str:
        return f"Messages({self._tag!r}, {self._digest[:16]})"

    def __getattr__(self, key: str) -> str:
        if key.startswith("_"):
            raise AttributeError(key)
        return self.text(key)

    def __getitem__(self, key: str) -> str:
        return self.text(key)

    def _raw(self, key: str) -> Text:
        try:
            return self._texts[key]
        except KeyError:
            close = closest(key, self._texts)
            hint = f"; did you mean {close!r}?" if close else ""
            raise AttributeError(f"no interface text {key!r}{hint}") from None

    def text(self, key: str, **values: object) -> str:
        """The text of `key` with its placeholders filled, as plain text."""
        raw = self._raw(key)
        if isinstance(raw, dict):
            raise AttributeError(f"the text {key!r} depends on a number: use t.count({key!r}, n)")
        return _fill(raw, values, str) if values else raw

    def fill(self, key: str, **values: object) -> Markup:
        """The text of `key` as HTML: escaped, with each value escaped too and text from
        the sources isolated in <bdi> (a Latin name in an Arabic sentence keeps its
        order); values that are Markup already (a <time>) go in as they are."""
        parts = self._html.get(key)
        if parts is None:
            raw = self._raw(key)
            if isinstance(raw, dict):
                raise AttributeError(f"the text {key!r} depends on a number: use t.count({key!r}, n)")
            parts = self._html[key] = PLACEHOLDER.split(str(escape(raw)))
        return Markup("".join([part if i % 2 == 0 else _html_value(values[part]) if part in values
                               else "{" + part + "}" for i, part in enumerate(parts)]))

    def form(self, key: str, count: int) -> str:
        """The plural form of `key` for `count`, placeholders left as they are."""
        raw = self._raw(key)
        if not isinstance(raw, dict):
            return raw
        return raw.get(self._locale.plural_form(count)) or raw["other"]

    def count(self, key: str, count: int, **values: object) -> str:
        """The plural form for `count`, with `{count}` written the locale's way."""
        return _fill(self.form(key, count), {"count": self._number(count), **values}, str)

    @cached_property
    def script_texts(self) -> dict[str, Any]:
        """What sitegen.js shows, for the page's JSON block: plain texts, and for each
        plural text its forms with a table of CLDR categories for counts 0..199 (the
        same rules Babel applies here), so the script never guesses plurals itself."""
        plural = self._locale.plural_form
        categories = sorted(set(plural.tags) | {"other"})
        table = "".join(str(categories.index(plural(n))) for n in range(PLURAL_TABLE_SIZE))
        return {
            "lang": self._tag,
            "digits": self._digits,
            "texts": {key: self.text(key) for key in SCRIPT_KEYS},
            "plurals": {key: {"categories": categories, "table": table,
                              "forms": {c: self.form_of(key, c) for c in categories}}
                        for key in SCRIPT_PLURALS},
        }

    def form_of(self, key: str, category: str) -> str:
        raw = self._raw(key)
        return raw.get(category) or raw["other"] if isinstance(raw, dict) else raw


def _html_value(value: object) -> str:
    if isinstance(value, Markup):
        return str(value)
    return f"<bdi>{escape(value)}</bdi>"


def _fill(text: str, values: dict[str, object], show: Callable[[Any], str]) -> str:
    """`{name}` replaced by `show(values[name])`; a placeholder without a value stays."""
    def one(match: Any) -> str:
        name = match.group(1)
        return show(values[name]) if name in values else match.group(0)
    return PLACEHOLDER.sub(one, text)
