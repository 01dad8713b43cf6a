"""`author:` on an entry, resolved against the site's `authors:`.

An entry names its authors by id (described once, in `sitegen.yaml` or
`authors.yaml`) or simply by name; ids are matched as slugs ("Olena-K" is
`olena-k`), and anything that is not a known id is a name, shown as written.
Each described author's photo is processed like entries' photos (sitegen.media):
upright, without metadata, published under media/ (never the original).
"""

from __future__ import annotations

from typing import Iterable

from sitegen.config.site_config import AuthorConfig
from sitegen.core.errors import ContentError, Problem, raise_all
from sitegen.core.text import clean_text, normalise_slug
from sitegen.media.library import MediaLibrary
from sitegen.model.site import Author


def profiles(people: dict[str, AuthorConfig], media: MediaLibrary) -> dict[str, Author]:
    """Every described author, with their processed photo (a local `image`); a photo that
    cannot be published is reported where its `image:` is written, with the reason."""
    local = {key: p.image.lstrip("/") for key, p in people.items() if p.image and _local(p.image)}
    pictures, unusable = media.pictures(local.values())
    problems = [_at(key, people[key], unusable[rel]) for key, rel in local.items() if rel in unusable]
    raise_all(problems, ContentError)
    media.extra += [pictures[rel] for rel in dict.fromkeys(local.values())]
    return {key: Author(key, p.name, p.role, p.image, p.url, pictures.get(local.get(key, "")))
            for key, p in people.items()}


def _at(key: str, person: AuthorConfig, why: str) -> Problem:
    """`why` at the author's `image:` (in sitegen.yaml, under `authors:`, or in authors.yaml)."""
    path, line, label = person.image_at or (None, None, f"authors.{key}.image")
    return Problem(path, line, f"{label}: {why}")


def _local(image: str) -> bool:
    return not image.startswith(("http://", "https://", "//"))


def resolve_authors(written: Iterable[str], people: dict[str, Author]) -> tuple[Author, ...]:
    """Each author once, in the order written."""
    found: dict[str, Author] = {}
    for raw in written:
        text = clean_text(str(raw)).strip()
        if not text:
            continue
        key = normalise_slug(text)
        profile = people.get(key)
        if profile is not None:
            found.setdefault(key, profile)
        else:
            found.setdefault(f"name:{text}", Author(None, text))
    return tuple(found.values())
