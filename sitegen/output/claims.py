"""Output paths and who claimed them: two things mapping to one path is an error.

Paths are compared case-folded (a case-insensitive host would serve one for the
other), and a file where another source needs a folder (`x` and `x/index.html`)
clashes too. The message names both sources, at a source file when there is one.
"""

from __future__ import annotations

from pathlib import Path

from sitegen.core.errors import Problem, SitegenError

# A group's inputs, and the paths it claimed: casefolded path -> (path, origin), folder -> first path.
GroupClaims = tuple[str, dict[str, tuple[str, str]], dict[str, str]]


def claim_into(claimed: dict[str, tuple[str, str]], folders: dict[str, str], rel: str, origin: str) -> None:
    """Record `rel` in `claimed` (casefolded path -> (path, origin)) and its parent folders
    in `folders` (casefolded folder -> the first path claimed inside it), or raise."""
    key = rel.casefold()
    clash = key if key in claimed else folders.get(key)
    new_folders = []
    end = key.rfind("/")
    while clash is None and end > 0:  # the parent folders, innermost first
        folder = key[:end]
        if folder in claimed:
            clash = folder
        elif folder in folders:
            break  # it and its parents were checked when it was first recorded
        new_folders.append(folder)
        end = key.rfind("/", 0, end)
    if clash is not None:
        other_rel, other = claimed[clash]
        raise SitegenError(_clash_problem(rel, origin, other_rel, other))
    claimed[key] = (rel, origin)
    for folder in new_folders:
        folders[folder] = key


def _clash_problem(rel: str, origin: str, other_rel: str, other: str) -> Problem:
    """Two sources want one output path; locate the message at a source file if any."""
    how = "the same output file" if rel.casefold() == other_rel.casefold() else "clashing output paths"
    case = "" if rel == other_rel or rel.casefold() != other_rel.casefold() else "; paths ignore letter case"
    message = f"{how}: {rel!r} from {origin} and {other_rel!r} from {other}{case}"
    located = next((Path(o) for o in (origin, other) if Path(o).is_absolute()), None)
    return Problem(located, None, message)
