"""`author:` on an entry, resolved against the site's `authors:`.

An entry names its authors by id (described once, in `sitegen.yaml` or
`authors.yaml`) or simply by name; ids are matched as slugs ("Olena-K" is
`olena-k`), and anything that is not a known id is a name, shown as written.
"""

from __future__ import annotations

from typing import Iterable

from sitegen.config.site_config import AuthorConfig
from sitegen.core.text import clean_text, normalise_slug
from sitegen.model.site import Author


def resolve_authors(written: Iterable[str], people: dict[str, AuthorConfig]) -> tuple[Author, ...]:
    """Each author once, in the order written."""
    found: dict[str, Author] = {}
    for raw in written:
        text = clean_text(str(raw)).strip()
        if not text:
            continue
        key = normalise_slug(text)
        profile = people.get(key)
        if profile is not None:
            found.setdefault(key, Author(key, profile.name, profile.role, profile.image, profile.url))
        else:
            found.setdefault(f"name:{text}", Author(None, text))
    return tuple(found.values())
