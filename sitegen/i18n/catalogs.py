"""Catalog files: `<language>.yaml`, interface key -> text, in three layers.

sitegen ships one per language (sitegen/i18n/catalogs/); a theme may ship its
own (`themes/<name>/i18n/`), which may also add keys in its `en.yaml` for its
templates; a site overrides any of them in `i18n/<language>.yaml`, as Hugo users
know it. A text that depends on a number is a mapping of CLDR plural categories
(`one`, `few`, `many`, `other`, ...) to texts. Placeholders are `{name}`; a file
may use only those the English text has.

Every file is checked before anything is rendered: a file name that is not a
language tag, an unknown key (with a did-you-mean), a placeholder the text
cannot have or a plural category the language lacks is `PATH:LINE: message`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Union

from babel import Locale

from sitegen.config.site_config import read_text
from sitegen.core import yamlsafe
from sitegen.core.errors import ConfigError, ContentError, Problem, raise_all
from sitegen.core.language import parse_language, tag_of
from sitegen.core.schema import Invalid
from sitegen.core.text import closest
from sitegen.core.yamlsafe import YamlMap

BUNDLED = Path(__file__).parent / "catalogs"
SITE_FOLDER = "i18n"
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
CATEGORIES = ("zero", "one", "two", "few", "many", "other")
# What `t` (messages.Messages) has besides texts: no key a theme adds may take these names.
RESERVED = frozenset({"text", "fill", "form", "form_of", "count", "script_texts"})

Text = Union[str, dict[str, str]]  # a plain text, or CLDR plural category -> text


@dataclass(frozen=True)
class Catalog:
    """One file's texts for one language."""

    tag: str
    locale: Locale
    texts: dict[str, Text]
    path: Path


@dataclass(frozen=True)
class Layers:
    """Every catalog file that applies, by layer: bundled, theme, site (later wins).
    sitegen's own catalogs are read when a language asks for them (a build speaks a
    language or two of sixteen); the theme's and the site's are read and checked at once."""

    english: dict[str, Text]  # every known key: bundled English, then the theme's additions
    catalogs: tuple[Catalog, ...]  # the theme's and the site's, in layer order
    digest: str  # of every file's bytes: what shapes the pages besides templates and config
    _bundled: dict[str, Catalog | None] = field(default_factory=dict, compare=False, repr=False)

    def for_language(self, language: str) -> list[Catalog]:
        """The catalogs of one language (`pt`, `pt-BR`...), bundled first, in layer order."""
        own = [self._bundled_catalog(path) for path in sorted(BUNDLED.glob("*.yaml"))
               if path.stem.split("-")[0] == language and path.stem != "en"]
        return [c for c in own if c is not None] + [c for c in self.catalogs if c.locale.language == language]

    def _bundled_catalog(self, path: Path) -> Catalog | None:
        if path.stem not in self._bundled:
            problems: list[Problem] = []
            self._bundled[path.stem] = _check(path, _read(path, problems), self.english, False, problems)
            raise_all(problems, ConfigError)  # (a sitegen bug: tests check every bundled catalog)
        return self._bundled[path.stem]


def load_layers(site: Path | None, theme: Path | None) -> Layers:
    """Read and check the theme's and the site's catalogs (the folders that exist), and
    sitegen's English, which names every key."""
    problems: list[Problem] = []
    english = _read(BUNDLED / "en.yaml", problems)
    assert isinstance(english, YamlMap), "sitegen's en.yaml"
    keys: dict[str, Text] = dict(english)
    folders = [f for f in (theme, site) if f is not None and f.is_dir()]
    files = [(folder, path) for folder in folders for path in sorted(folder.glob("*.y*ml"))]
    raw = [(folder, path, _read(path, problems)) for folder, path in files]
    for folder, path, data in raw:  # a theme may add keys, for its own templates
        if folder == theme and path.stem == "en" and isinstance(data, YamlMap):
            keys.update({k: v for k, v in data.items() if _usable(v)})
    catalogs = [_check(BUNDLED / "en.yaml", english, keys, True, problems)]
    for folder, path, data in raw:
        catalogs.append(_check(path, data, keys, adds_keys=folder == theme and path.stem == "en", problems=problems))
    raise_all(problems, ConfigError)
    digest = hashlib.sha256()
    for path in [*sorted(BUNDLED.glob("*.yaml")), *(p for _, p, _ in raw)]:
        digest.update(f"{path.parent.name}/{path.name}".encode() + b"\x00" + path.read_bytes())
    return Layers(keys, tuple(c for c in catalogs if c is not None), digest.hexdigest())


def _usable(value: object) -> bool:
    """Whether a theme's English text can be what other languages' texts are checked
    against (a text, or plural forms that are texts); its own check reports the rest."""
    return isinstance(value, str) or isinstance(value, dict) and all(isinstance(f, str) for f in value.values())


def _read(path: Path, problems: list[Problem]) -> object:
    try:
        return yamlsafe.load(read_text(path), path)
    except ContentError as exc:
        problems += exc.problems
        return None


def _check(path: Path, data: object, english: dict[str, Text], adds_keys: bool,
           problems: list[Problem]) -> Catalog | None:
    before = len(problems)
    try:
        locale = parse_language(path.stem)
    except Invalid as exc:
        problems.append(Problem(path, None, f"the file name must be a language tag: {exc}"))
        return None
    if data is None:
        return Catalog(tag_of(locale), locale, {}, path)
    if not isinstance(data, YamlMap):
        problems.append(Problem(path, getattr(data, "line", 1), "a catalog is a mapping of keys to texts, "
                                                                "e.g. `key_events: Key events`"))
        return None
    texts: dict[str, Text] = {}
    for key, value in data.items():
        line = data.line_of(key)
        if key not in english and not adds_keys:
            problems.append(Problem(path, line, f"unknown key {key!r}{_did_you_mean(key, english)}"))
            continue
        if key in RESERVED or key.startswith("_"):  # (a theme's en.yaml adds keys)
            problems.append(Problem(path, line, f"{key!r} cannot be a key: templates' `t.{key}` is sitegen's "
                                                "(keys are names such as my_label); choose another name"))
            continue
        text = _text(value, english.get(key), locale, path, line, key, problems)
        if text is not None:
            texts[key] = text
    if len(problems) > before:
        return None
    return Catalog(tag_of(locale), locale, texts, path)


def _did_you_mean(key: str, english: Iterable[str]) -> str:
    close = closest(key, english)
    return f"; did you mean {close!r}?" if close else "; see sitegen's en.yaml for the keys"


def _text(value: object, reference: Text | None, locale: Locale, path: Path, line: int, key: str,
          problems: list[Problem]) -> Text | None:
    """The checked text of one key; None (with a problem) when it cannot be used."""
    allowed = placeholders(reference) if reference is not None else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if isinstance(reference, dict) and isinstance(value, str):
        value = {"other": value}  # a language without plural forms may write one text
    if isinstance(value, str):
        return _placeholders_ok(value, allowed, path, line, key, problems)
    if isinstance(value, YamlMap) and (reference is None or isinstance(reference, dict)):
        return _plural(value, allowed, locale, path, line, key, problems)
    kind = "a text or a mapping of plural forms" if reference is None else (
        "a mapping of plural forms (one, other, ...)" if isinstance(reference, dict) else "a text")
    problems.append(Problem(path, line, f"{key}: expected {kind}"))
    return None


def _plural(value: YamlMap, allowed: set[str] | None, locale: Locale, path: Path, line: int, key: str,
            problems: list[Problem]) -> dict[str, str] | None:
    forms: dict[str, str] = {}
    needed = set(locale.plural_form.tags) | {"other"}
    for category, text in value.items():
        where = value.line_of(category)
        if category not in needed:
            problems.append(Problem(path, where, f"{key}: {locale.english_name} has no plural form {category!r}; "
                                                 f"its forms are {', '.join(_ordered(needed))}"))
        elif not isinstance(text, str):
            problems.append(Problem(path, where, f"{key}.{category}: expected a text"))
        elif _placeholders_ok(text, allowed, path, where, key, problems) is not None:
            forms[category] = text
    if "other" not in value:
        problems.append(Problem(path, line, f"{key}: the `other` form is required "
                                            f"({locale.english_name} uses {', '.join(_ordered(needed))})"))
        return None
    return forms


def _ordered(categories: set[str]) -> list[str]:
    return [c for c in CATEGORIES if c in categories]


def _placeholders_ok(text: str, allowed: set[str] | None, path: Path, line: int, key: str,
                     problems: list[Problem]) -> str | None:
    unknown = sorted(set(PLACEHOLDER.findall(text)) - allowed) if allowed is not None else []
    if unknown:
        known = ", ".join("{" + a + "}" for a in sorted(allowed or ())) or "none"
        problems.append(Problem(path, line, f"{key}: unknown placeholder {{{unknown[0]}}}; this text may use {known}"))
        return None
    return text


def placeholders(text: Text) -> set[str]:
    """The `{names}` a text (any of its plural forms) uses."""
    forms = text.values() if isinstance(text, dict) else (text,)
    return {name for form in forms for name in PLACEHOLDER.findall(form)}
