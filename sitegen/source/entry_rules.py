"""The rules across one liveblog's entries: no id twice, only declared topics, local
images that exist.

A long liveblog has thousands of entries: the usual case (all well) is found from
each file's facts, kept per file version by `serve`, without a loop per entry;
`check_entries` then says what is wrong, and where.
"""

from __future__ import annotations

from itertools import chain
from pathlib import Path
from typing import Iterable

from sitegen.config.site_config import missing_from_static, not_in_static
from sitegen.core.errors import Problem
from sitegen.model.site import SourceRef, Topic
from sitegen.core.text import closest, normalise_slug
from sitegen.source.fields import Draft

LIVEBLOG_FILE = "liveblog.yaml"
SCAFFOLD_BODY = "Write the update here."  # what `sitegen new` writes: never published (see loader)


def placeholder_line(body: str, first_line: int) -> int | None:
    """The line of `sitegen new`'s placeholder sentence if the body still holds it."""
    for at, text in enumerate(body.split("\n")):
        if text.strip() == SCAFFOLD_BODY:
            return first_line + at
    return None


def check_entries(drafts: list[Draft], topics: tuple[Topic, ...], source: Path,
                  problems: list[Problem]) -> None:
    """Cross-entry rules: unique ids, declared topics, local images that exist."""
    known = [t.slug for t in topics]
    declared = set(known)
    first_use: dict[str, SourceRef] = {}
    for d in drafts:
        where = d.origin
        if d.id in first_use:
            other = first_use[d.id]
            problems.append(Problem(where.path, where.line, f"duplicate entry id {d.id!r} (also "
                                                            f"{other.path}:{other.line}; ids ignore letter case)"))
        first_use.setdefault(d.id, where)
        for raw in d.fields.topics:
            if raw in declared:
                continue  # already a declared slug: nothing to normalise
            slug = normalise_slug(raw)
            if slug not in declared:
                close = closest(slug.lstrip("-"), known)
                hint = f"; did you mean {close!r}?" if close else f"; declared: {', '.join(known) or 'none'}"
                hint += _topic_hint(raw)
                problems.append(Problem(where.path, d.line_of("topics"), f"unknown topic {raw!r} (declare it under "
                                                                f"`topics:` in {LIVEBLOG_FILE}){hint}"))
        image = d.fields.image
        if image and (why := not_in_static(source / "static", image)):
            problems.append(Problem(where.path, d.line_of("image"), why))


def _topic_hint(raw: str) -> str:
    """The two ways a list of topics is commonly mistyped."""
    if "," in raw:
        return f" (several topics are written in brackets: topics: [{', '.join(t.strip() for t in raw.split(','))}])"
    if raw.startswith("-"):
        return " (put a space after '-' in a list item: '- energy')"
    return ""


Facts = tuple[tuple[str, ...], frozenset[str], frozenset[str]]  # one file's ids, topics, images


def file_facts(drafts: list[Draft]) -> Facts:
    """What the cross-entry rules look at in one file."""
    return (tuple(d.id for d in drafts), frozenset(t for d in drafts for t in d.fields.topics),
            frozenset(d.fields.image for d in drafts if d.fields.image))


def all_well(found: list[Facts], topics: tuple[Topic, ...], source: Path) -> bool:
    """The usual case, found from each file's facts without a loop per entry (a long
    liveblog has thousands): no id twice, no undeclared topic, every local image (each
    looked up once) there. Otherwise `check_entries` says what is wrong, and where."""
    ids = list(chain.from_iterable(f[0] for f in found))
    used = frozenset().union(*(f[1] for f in found))
    images = frozenset().union(*(f[2] for f in found))
    return len(set(ids)) == len(ids) and used <= {t.slug for t in topics} and images_found(images, source)


def images_found(images: Iterable[str], source: Path) -> bool:
    """Every local image named (each once) is there; see `check_entries` for the message."""
    return not any(missing_from_static(source / "static", i) for i in images)


