"""Output paths and who claimed them: two things mapping to one path is an error.

Paths are compared case-folded (a case-insensitive host would serve one for the
other), and a file where another source needs a folder (`x` and `x/index.html`)
clashes too. The message names both sources, at a source file when there is one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

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


class Claims:
    """Every output path this build claimed, so that no two sources write one file; and
    each group's claims, which `serve`'s next build checks in one go (`claim_group`)."""

    def __init__(self, previous_groups: dict[str, GroupClaims]) -> None:
        """`previous_groups`: the groups' claims the session's last build kept."""
        self.previous_groups = previous_groups
        self.claimed: dict[str, tuple[str, str]] = {}
        self.folders: dict[str, str] = {}  # casefolded folder -> first claimed file inside it
        self.groups: dict[str, GroupClaims] = {}  # kept for the next build by `serve`

    def claim(self, rel: str, origin: str) -> None:
        """Reserve an output path; two sources for one path (in any case) is an error,
        and so is a file where another source needs a folder (`x` and `x/index.html`)."""
        claim_into(self.claimed, self.folders, rel, origin)

    def known(self, rel: str) -> bool:
        return rel.casefold() in self.claimed

    def claim_group(self, name: str, inputs: str, rels: Callable[[], list[tuple[str, str]]]) -> None:
        """Claim a group's paths. In `serve`, a group claimed last time with the same
        inputs (so the same paths) is checked against this build's other claims with a
        few set operations instead of path by path; a clash is then reported as usual."""
        known = self.previous_groups.get(name)
        if known is None or known[0] != inputs:
            keys: dict[str, tuple[str, str]] = {}
            folders: dict[str, str] = {}
            for rel, origin in rels():
                claim_into(keys, folders, rel, origin)
            known = (inputs, keys, folders)
        self.groups[name] = known
        _, keys, folders = known
        # (`view.isdisjoint(d)` walks `d`: the group's few keys, not the thousands claimed)
        claimed = self.claimed.keys()
        if claimed.isdisjoint(keys) and claimed.isdisjoint(folders) and self.folders.keys().isdisjoint(keys):
            self.claimed.update(keys)
            first = {f: self.folders[f] for f in folders.keys() & self.folders.keys()}  # (parents: few)
            self.folders.update(folders)
            self.folders.update(first)  # a folder keeps the first file claimed in it
        else:
            for rel, origin in rels():
                self.claim(rel, origin)


def _clash_problem(rel: str, origin: str, other_rel: str, other: str) -> Problem:
    """Two sources want one output path; locate the message at a source file if any."""
    how = "the same output file" if rel.casefold() == other_rel.casefold() else "clashing output paths"
    case = "" if rel == other_rel or rel.casefold() != other_rel.casefold() else "; paths ignore letter case"
    message = f"{how}: {rel!r} from {origin} and {other_rel!r} from {other}{case}"
    located = next((Path(o) for o in (origin, other) if Path(o).is_absolute()), None)
    return Problem(located, None, message)
