"""Cleaning untrusted text: slugs and ids, invisible characters, control characters."""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

_SPACES = re.compile(r"\s+")
_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")
# C0/C1 controls other than tab and newline are invalid in XML 1.0 and never meant.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def strip_invisible(value: str) -> str:
    """Drop format characters (zero-width, bidi overrides, BOM), which hide in ids."""
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cf")


def normalise_slug(value: str) -> str:
    """The canonical form of a slug or id: NFKC, visible, lower case, spaces as `-`."""
    if not value.isascii():  # ASCII is NFKC already and holds no format characters
        value = strip_invisible(unicodedata.normalize("NFKC", value))
    return _SPACES.sub("-", value.strip().lower())


def slug_problem(slug: str) -> str | None:
    """Why `slug` (already normalised) cannot name a URL or anchor, or None if it can."""
    if _SLUG.fullmatch(slug):
        return None
    return (f"{slug!r} is not a safe slug: use 1-100 letters a-z, digits, '-' and '_', "
            "starting with a letter or digit")


def clean_text(value: str) -> str:
    """Remove control characters that would make HTML odd and XML invalid."""
    return _CONTROL.sub("", value)


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def closest(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The choice most like `word` (what a typo likely meant), or None. difflib is
    imported here, when a message needs it: a build without a mistake never does."""
    from difflib import get_close_matches

    found = get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return found[0] if found else None
