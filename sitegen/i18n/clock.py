"""Dates, times, numbers and time zones in a locale's conventions (CLDR, through Babel).

A `Clock` is made once per (language, time zone) and build: it parses the
locale's patterns once, so formatting an entry's time is a pattern applied to a
datetime (a few microseconds), not a lookup of locale data per entry. Digits
follow the locale's default numbering system (Persian writes ۲۴, not 24);
Babel formats with Latin digits, which are then mapped.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timezone
from functools import cached_property
from typing import Callable
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import DateTimePattern, get_timezone_gmt, get_timezone_location, get_timezone_name, \
    match_skeleton, parse_pattern
from babel.numbers import format_decimal

# CLDR numbering systems -> the Unicode name of their digits (unicodedata knows the rest)
_DIGIT_NAMES = {"arab": "ARABIC-INDIC", "arabext": "EXTENDED ARABIC-INDIC", "beng": "BENGALI",
                "deva": "DEVANAGARI", "mymr": "MYANMAR", "tibt": "TIBETAN", "olck": "OL CHIKI",
                "adlm": "ADLAM", "nkoo": "NKO", "mtei": "MEETEI MAYEK", "cakm": "CHAKMA"}
_LATIN = "0123456789"


def digits_of(locale: Locale) -> str:
    """The ten digits the locale writes numbers with ("0123456789" for most)."""
    name = _DIGIT_NAMES.get(locale.default_numbering_system or "latn")
    if name is None:
        return _LATIN
    try:
        zero = ord(unicodedata.lookup(f"{name} DIGIT ZERO"))
    except KeyError:  # pragma: no cover - an older Unicode database
        return _LATIN
    return "".join(chr(zero + i) for i in range(10))


def _skeleton(locale: Locale, skeleton: str) -> DateTimePattern:
    """The locale's pattern for a CLDR skeleton ("MMMEd": weekday, day, short month)."""
    best = match_skeleton(skeleton, locale.datetime_skeletons) or skeleton
    return parse_pattern(locale.datetime_skeletons.get(best, best))


class Clock:
    """One locale's way of writing moments in one time zone."""

    def __init__(self, locale: Locale, zone: ZoneInfo) -> None:
        self.locale = locale
        self.zone = zone
        self.digits = digits_of(locale)
        self._to_local = str.maketrans(_LATIN, self.digits) if self.digits != _LATIN else None
        self._time = parse_pattern(locale.time_formats["short"])
        self._date = parse_pattern(locale.date_formats["full"])
        self._day = _skeleton(locale, "MMMEd")
        self._short_date = _skeleton(locale, "yMMMd")
        self._day_year = _skeleton(locale, "yMMMEd")
        self._glue = str(locale.datetime_formats["medium"]).replace("'", "")  # "{1}, {0}": date, time
        self._zone_labels: dict[tuple[int, int], str] = {}
        self._page_labels: dict[datetime, str] = {}
        self._labels: dict[tuple[str, tuple[object, ...]], str] = {}
        self._numbers: dict[int, str] = {}

    def _local(self, text: str) -> str:
        return text.translate(self._to_local) if self._to_local else text

    def _in_zone(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def _memo(self, kind: str, key: tuple[object, ...], make: Callable[[], str]) -> str:
        """A label made once per build for each distinct value it depends on (the day, or
        the time of day): thousands of entries fall on a few days and minutes."""
        found = self._labels.get((kind, key))
        if found is None:
            found = self._labels[(kind, key)] = self._local(make())
        return found

    def time(self, moment: datetime) -> str:
        """The time of day: "09:05", "9:05 AM", "٩:٠٥ م" as the locale writes it (a short
        time shows hours, minutes and the day's period: nothing else of the moment)."""
        local = self._in_zone(moment)
        return self._memo("time", (local.hour, local.minute), lambda: self._time.apply(local, self.locale))

    def date(self, moment: datetime) -> str:
        """The full date: "понеділок, 24 березня 2025 р."."""
        local = self._in_zone(moment)
        return self._memo("date", (local.year, local.month, local.day), lambda: self._date.apply(local, self.locale))

    def day(self, moment: datetime) -> str:
        """A short day for lists of recent moments: "Mon, Mar 24", "пн, 24 бер."."""
        local = self._in_zone(moment)
        return self._memo("day", (local.year, local.month, local.day), lambda: self._day.apply(local, self.locale))

    def day_year(self, moment: datetime) -> str:
        """A short day with its year, for lists that span years: "Mon, Mar 24, 2025"."""
        local = self._in_zone(moment)
        return self._memo("day_year", (local.year, local.month, local.day),
                          lambda: self._day_year.apply(local, self.locale))

    def stamp(self, moment: datetime) -> str:
        """Date, time and zone, for "Last updated" and corrections."""
        local = self._in_zone(moment)
        time = f"{self.time(local)} {self.zone_label(local)}"
        return self._glue.replace("{0}", time).replace("{1}", self.date(local))

    def page_label(self, moment: datetime) -> str:
        """A short date and time naming an archive page (its oldest entry's moment)."""
        label = self._page_labels.get(moment)
        if label is None:
            local = self._in_zone(moment)
            date = self._local(self._short_date.apply(local, self.locale))
            label = self._page_labels[moment] = self._glue.replace("{0}", self.time(local)).replace("{1}", date)
        return label

    def zone_label(self, moment: datetime) -> str:
        """The zone's short name at `moment` where the locale has one ("EET", "OEZ"),
        else its offset ("GMT+02:00"): made once per offset, not per entry."""
        local = self._in_zone(moment)
        offset = local.utcoffset()
        key = (int(offset.total_seconds()) if offset else 0, int(bool(local.dst())))
        label = self._zone_labels.get(key)
        if label is None:
            short = get_timezone_name(local, "short", locale=self.locale)
            label = short if short[:1].isalpha() else self.offset(local)
            self._zone_labels[key] = label = self._local(label)
        return label

    def offset(self, moment: datetime) -> str:
        """The zone's offset from UTC at `moment`, in the locale's words ("GMT+02:00")."""
        return self._local(get_timezone_gmt(self._in_zone(moment), "long", locale=self.locale))

    def zone_name(self, moment: datetime) -> str:
        """The zone's name at `moment`: "Eastern European Summer Time", "за київським..."."""
        return get_timezone_name(self._in_zone(moment), "long", locale=self.locale)

    @cached_property
    def place(self) -> str:
        """The zone's city ("Kyiv", "Київ"), or its id for UTC and its kin."""
        if self.zone.key in ("UTC", "Etc/UTC", "GMT", "Etc/GMT", "Universal", "Zulu") or self.zone.key.startswith("Etc/"):
            return "UTC"
        return get_timezone_location(self.zone, locale=self.locale, return_city=True)

    def number(self, value: int) -> str:
        """A whole number with the locale's grouping and digits: "1 234", "۱٬۲۳۴" (each
        made once: counts repeat from page to page)."""
        found = self._numbers.get(value)
        if found is None:
            found = self._numbers[value] = self._local(format_decimal(value, locale=self.locale,
                                                                      numbering_system="default"))
        return found


EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)  # the moment a page without entries states its zone at
