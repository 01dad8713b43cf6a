"""BCP 47 language tags (`uk`, `ar`, `pt-BR`, `zh-Hant`), checked against CLDR's locales.

A tag names a locale Babel knows, or it is the user's mistake: a typo, an
underscore where BCP 47 has a hyphen, a language's English name. The message
then proposes the nearest known tag, so that `language: ukranian` says what to
write instead. Everything that formats dates or picks texts (sitegen.i18n)
starts from the `babel.Locale` these functions return.

Babel is imported when a locale is needed, not with this module: loading
sitegen.yaml checks `language:`, and a build with nothing to do (build/start.py)
loads it without formatting anything. A tag that names one of CLDR's locale
files is checked by that file's name, as Babel itself would find it.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from importlib.util import find_spec
from typing import TYPE_CHECKING

from sitegen.core.schema import Invalid
from sitegen.core.text import closest

if TYPE_CHECKING:
    from babel import Locale

# language[-Script][-REGION][-variant...]: the shape of a tag before Babel looks it up
_SHAPE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?")


def check_language(value: str) -> str:
    """A schema check: the tag in its canonical spelling (`pt-br` -> `pt-BR`)."""
    return _named_by_a_file(value.strip()) or tag_of(parse_language(value))


def _named_by_a_file(text: str) -> str | None:
    """The canonical tag when CLDR has a locale file of exactly that name (`pt-br` ->
    pt_BR.dat -> `pt-BR`): Babel's first guess, which it then loads as it is, so
    `parse_language` would give the same tag. None for everything else (aliases,
    likely subtags, mistakes), which `parse_language` decides."""
    if not _SHAPE.fullmatch(text) or text.lower() == "und":
        return None
    first, *rest = text.split("-")  # BCP 47 case: language lower, Script title, REGION upper
    parts = [first.lower(), *(part.title() if len(part) == 4 else part.upper() for part in rest)]
    folder = _locale_data()
    if folder is None or not os.path.isfile(os.path.join(folder, "_".join(parts) + ".dat")):
        return None
    return "-".join(parts)


@lru_cache(maxsize=1)
def _locale_data() -> str | None:
    """Babel's folder of CLDR locale files, found without importing Babel."""
    spec = find_spec("babel")
    if spec is None or spec.origin is None:  # pragma: no cover - Babel is a dependency
        return None
    return os.path.join(os.path.dirname(spec.origin), "locale-data")


def parse_language(value: str) -> Locale:
    """The CLDR locale a BCP 47 tag names; `Invalid` with a did-you-mean otherwise."""
    from babel import UnknownLocaleError

    text = value.strip()
    if not _SHAPE.fullmatch(text) or text.lower() == "und":
        raise Invalid(f"{value!r} is not a language tag{_suggestion(text)}")
    try:
        return _parse(text.lower())
    except (UnknownLocaleError, ValueError):
        raise Invalid(f"{value!r} is not a language CLDR knows{_suggestion(text)}") from None


@lru_cache(maxsize=256)
def _parse(tag: str) -> Locale:
    from babel import Locale, UnknownLocaleError

    locale = Locale.parse(tag, sep="-")
    if tag_of(locale).lower() != tag:  # Babel completes or drops parts (`und` -> en-US)
        raise UnknownLocaleError(tag)
    return locale


def tag_of(locale: Locale) -> str:
    """The BCP 47 spelling of a Babel locale: `Locale('pt', territory='BR')` -> `pt-BR`."""
    return "-".join(p for p in (locale.language, locale.script, locale.territory, locale.variant) if p)


def is_rtl(locale: Locale) -> bool:
    """Whether the locale's script runs right to left (CLDR's character order)."""
    return locale.character_order == "right-to-left"


def _suggestion(text: str) -> str:
    """'; did you mean 'pt-BR'?' for the nearest known tag or language name, or an example."""
    guess = nearest_tag(text)
    return f"; did you mean {guess!r}?" if guess else "; write a BCP 47 tag such as en, uk, ar or pt-BR"


def nearest_tag(text: str) -> str | None:
    from babel.core import get_global

    wanted = text.strip().replace("_", "-").lower()
    tags = _known_tags()
    if wanted in tags:
        return tags[wanted]
    alias = get_global("language_aliases").get(wanted)  # retired codes: iw -> he
    if alias and alias.replace("_", "-").lower() in tags:
        return tags[alias.replace("_", "-").lower()]
    names = _language_names()
    if wanted in names:
        return names[wanted]
    if "-" in wanted and wanted.split("-")[0] in tags:  # a known language, an unknown region
        return tags[wanted.split("-")[0]]
    spoken = get_global("territory_languages").get(wanted.upper())  # a country code: ua -> uk
    if spoken:
        main = max(spoken, key=lambda code: spoken[code].get("population_percent", 0))
        if main.lower() in tags:
            return tags[main.lower()]
    close = closest(wanted, [*tags, *names], cutoff=0.7)
    if close is None:
        return None
    return tags.get(close) or names[close]


@lru_cache(maxsize=1)
def _known_tags() -> dict[str, str]:
    """Every locale CLDR (through Babel) has data for: lower-case tag -> tag."""
    from babel.localedata import locale_identifiers

    return {ident.replace("_", "-").lower(): ident.replace("_", "-") for ident in locale_identifiers()}


@lru_cache(maxsize=1)
def _language_names() -> dict[str, str]:
    """English and native language names (`ukrainian`, `українська`) -> tag, for those
    who write a language's name instead of its tag."""
    from babel import Locale

    tags = _known_tags()
    found: dict[str, str] = {}
    for code, name in Locale("en").languages.items():
        if code.lower() in tags:
            found.setdefault(name.lower(), tags[code.lower()])
    return found
