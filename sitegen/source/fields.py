"""What sources may say: the fields of an entry and of a liveblog, as declarative
schemas (sitegen.core.schema reads them: every bad key reported at once, unknown keys
with a did-you-mean), and `Draft`, an entry validated but not yet rendered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sitegen.config.site_config import check_image_path, check_timezone, check_url
from sitegen.core.language import check_language
from sitegen.core.schema import Invalid, choice, spec
from sitegen.model.site import SourceRef


def check_time(value: str) -> str:
    """ISO 8601 with a time of day; the offset may be left out (liveblog time)."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{value!r} is not an ISO 8601 time such as 2025-03-23T09:15 or "
                      "2025-03-23T09:15:00+02:00") from None
    if len(value.strip()) <= 10 and parsed.hour == parsed.minute == 0:
        raise Invalid(f"{value!r} has no time of day; write e.g. {value}T09:15")
    if not 2 <= parsed.year <= 9998:  # beyond, moving between timezones overflows
        raise Invalid(f"{value!r} is out of range (years 2 to 9998)")
    return value


@dataclass(frozen=True)
class SourceFields:
    name: str = spec(doc="the outlet or person cited (e.g. `name: Reuters`)")
    url: str | None = spec(None, check=check_url)


@dataclass(frozen=True)
class EntryFields:
    """What an entry's front matter (or list item) may say."""

    time: str = spec(check=check_time, doc="when the entry was published (e.g. `time: 2025-03-22T09:30`)")
    id: str | None = spec(None)
    title: str | None = spec(None)
    topics: tuple[str, ...] = spec(())
    author: tuple[str, ...] | None = spec(None)  # one name or id, or a list of them
    pinned: bool = spec(False)
    key_event: bool = spec(False)
    draft: bool = spec(False)
    image: str | None = spec(None, check=check_image_path)
    alt: str | None = spec(None)  # the image's alternative text; "" marks a decorative image
    caption: str | None = spec(None)
    credit: str | None = spec(None)
    source: SourceFields | None = spec(None, doc="who the entry cites, by name and, if you like, link "
                                                 "(e.g. `source: {name: Reuters, url: https://www.reuters.com/}`)")
    updated: str | None = spec(None, check=check_time)
    correction: str | None = spec(None)  # Markdown: what was wrong and what changed (with `updated`)


@dataclass(frozen=True)
class ListedEntryFields(EntryFields):
    """An entry in a `.yaml` list: the same fields, an `id` and the `body`."""

    body: str = spec("")


@dataclass(frozen=True)
class LiveblogFields:
    title: str = spec(doc="the liveblog's headline (e.g. `title: Election night, live`)")
    description: str = spec("")
    status: str = spec("live", check=choice("live", "ended"))
    timezone: str | None = spec(None, check=check_timezone)
    language: str | None = spec(None, check=check_language)
    topics: dict[str, Any] | None = spec(None)
    summary: str | None = spec(None)  # Markdown: the key points above the stream
    summary_updated: str | None = spec(None, check=check_time)
    ends: str | None = spec(None, check=check_time)  # after it the liveblog counts as ended


@dataclass(frozen=True)
class Draft:
    """An entry validated but not yet rendered."""

    fields: EntryFields
    id: str
    body: str
    origin: SourceRef
    key_lines: dict[str, int]  # where each field was written, for messages about it

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.origin.line)
