"""A build's languages: for each (language, time zone) a `Lang` made once.

`Translations` holds the checked catalog layers (catalogs.py); `lang(tag, zone)`
merges, for one language, English, then each catalog that applies to it (`pt`
then `pt-BR`; `zh-Hans` for `zh` but never for `zh-Hant`), bundled then theme
then site, and pairs the texts with a `Clock`. Both are made once per build and
language, never per page or entry. Keys the language lacks show in English; the
build warns once per language, naming them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.core import get_global

from sitegen.core.language import is_rtl, parse_language, tag_of
from sitegen.i18n.catalogs import Catalog, Layers, Text, load_layers
from sitegen.i18n.clock import Clock
from sitegen.i18n.messages import Messages

log = logging.getLogger("sitegen")
UTC = ZoneInfo("UTC")


@dataclass(frozen=True, eq=False)
class Lang:
    """Everything a page needs to speak one language in one time zone."""

    tag: str  # BCP 47, as <html lang> and feeds write it
    dir: str  # "rtl" for right-to-left scripts (Arabic, Hebrew, Persian, Urdu...), else "ltr"
    t: Messages
    clock: Clock

    @property
    def key(self) -> str:
        """What distinguishes one Lang from another: the language, zone and texts."""
        return f"{self.tag} {self.clock.zone.key} {self.t!r}"

    def __repr__(self) -> str:  # in a liveblog's digest: stable across processes
        return f"Lang({self.key})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Lang) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)


class Translations:
    """The site's catalogs, and each language's `Lang`, made on first use."""

    def __init__(self, layers: Layers) -> None:
        self.layers = layers
        self._texts: dict[str, tuple[dict[str, Text], list[str]]] = {}
        self._langs: dict[tuple[str, str], Lang] = {}
        self._clocks: dict[tuple[str, str], Clock] = {}
        self._warned: set[str] = set()

    @property
    def digest(self) -> str:
        return self.layers.digest

    def lang(self, tag: str, zone: ZoneInfo = UTC) -> Lang:
        """The Lang of a (checked) language tag in `zone`."""
        made = self._langs.get((tag, zone.key))
        if made is None:
            locale = parse_language(tag)
            texts, _ = self._merged(tag, locale)
            clock = self._clocks.get((tag, zone.key))
            if clock is None:
                clock = self._clocks[(tag, zone.key)] = Clock(locale, zone)
            messages = Messages(tag, locale, texts, self.layers.digest, clock.number, clock.digits)
            made = self._langs[(tag, zone.key)] = Lang(tag, "rtl" if is_rtl(locale) else "ltr", messages, clock)
        return made

    def missing(self, tag: str) -> list[str]:
        """The keys `tag` has no text for (English is shown for them)."""
        return self._merged(tag, parse_language(tag))[1]

    def warn_missing(self, tags: set[str]) -> None:
        """One warning per language (per Translations, that is per build) naming the keys
        shown in English."""
        for tag in sorted(tags - self._warned):
            self._warned.add(tag)
            missing = self.missing(tag)
            if missing:
                log.warning("i18n: %d interface text(s) have no %s translation and are shown in English: %s "
                            "(add them to i18n/%s.yaml)", len(missing), tag, ", ".join(missing), tag)

    def _merged(self, tag: str, locale: Locale) -> tuple[dict[str, Text], list[str]]:
        known = self._texts.get(tag)
        if known is None:
            english = self.layers.english
            texts: dict[str, Text] = dict(english)
            for catalog in self.layers.catalogs:
                if catalog.tag == "en":
                    texts.update(catalog.texts)
            covered: set[str] = set()
            for catalog in sorted(self._applying(locale), key=_specificity):
                texts.update(catalog.texts)
                covered.update(catalog.texts)
            missing = [] if locale.language == "en" else [k for k in english if k not in covered]
            known = self._texts[tag] = (texts, missing)
        return known

    def _applying(self, locale: Locale) -> list[Catalog]:
        """The catalogs (in layer order) whose language, script and region fit `locale`
        (English ones are in every language's texts already)."""
        return [c for c in self.layers.for_language(locale.language) if c.tag != "en" and _fits(c.locale, locale)]


def _specificity(catalog: Catalog) -> int:
    """Broader catalogs first (`pt` before `pt-BR`); the sort is stable, so layers keep order."""
    return sum(1 for part in (catalog.locale.script, catalog.locale.territory, catalog.locale.variant) if part)


def _fits(catalog: Locale, wanted: Locale) -> bool:
    if catalog.language != wanted.language or _script(catalog) != _script(wanted):
        return False
    return all(getattr(catalog, part) in (None, getattr(wanted, part)) for part in ("territory", "variant"))


def _script(locale: Locale) -> str | None:
    """The locale's script, or the one CLDR's likely subtags give it (zh -> Hans, zh-TW -> Hant)."""
    if locale.script:
        return locale.script
    likely = get_global("likely_subtags")
    for key in (f"{locale.language}_{locale.territory}" if locale.territory else None, locale.language):
        full = likely.get(key) if key else None
        if full:
            parts = full.split("_")
            return parts[1] if len(parts) > 2 else None
    return None


def load_translations(source: Path | None, theme_i18n: Path | None) -> Translations:
    """The bundled catalogs, the theme's (`theme_i18n`) and the site's (`source/i18n`)."""
    site = source / "i18n" if source is not None else None
    return Translations(load_layers(site, theme_i18n))


def bundled() -> Translations:
    """sitegen's own catalogs only (tests, and tools that have no site)."""
    return Translations(load_layers(None, None))


__all__ = ["Lang", "Translations", "load_translations", "bundled", "tag_of"]
