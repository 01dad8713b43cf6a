"""Which files a source folder holds, as `serve` keeps knowing it between rebuilds.

Listing a folder of 10,000 entries (and making a Path for each) costs more than
the rest of a rebuild after one saved entry. `serve` keeps each folder's listing
while nothing says the folder changed, and puts in or takes out the plain files
its watcher saw appear or vanish. `sitegen build` lists every folder.
"""

from __future__ import annotations

import os
import time
from bisect import bisect_left, insort
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG
from typing import Callable

from sitegen.incremental.filestamps import RACY_NS, Signature, stat_signature
from sitegen.core.memo import Partition
from sitegen.source.files import is_editor_litter



def _name(path: Path) -> str:
    return path.name


def _plain_file(path: Path) -> bool:
    """A file, not a symlink (a listing that holds a symlink is not kept)."""
    try:
        return S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


@dataclass(frozen=True)
class _Listing:
    """A folder's files as `Listings.listing` last listed them."""

    signature: Signature | None  # of the folder then (None: not to be trusted)
    paths: list[Path]  # in the order listed (by name)
    members: frozenset[Path]


class Listings:
    """Folders' listings, kept in `memory` by `serve` (`keep`), which may be told the
    paths that `changed` since the last successful build (None: unknown)."""

    def __init__(self, memory: Partition[str, _Listing], changed: frozenset[Path] | None, keep: bool) -> None:
        self.memory = memory
        self.changed = changed
        self.keep = keep
        self.watched: set[Path] = set()  # folders whose files' changes `changed` names

    def listing(self, folder: Path, list_files: Callable[[], tuple[list[Path], bool]],
                wanted: Callable[[str], bool] | None = None) -> list[Path]:
        """The paths of `list_files()` (which also says whether any is a symlink). In
        `serve`, the last listing while nothing says the folder changed: the watcher saw
        no file in it appear or vanish, or (without the watcher's word) the folder's
        inode, mtime and ctime are as they were (adding, removing or renaming a file
        changes them; the racy rule applies). With the watcher's word and `wanted`
        (which of the folder's files `list_files` lists, by name), plain files it saw appear or
        vanish are put in or taken out (see `_patched`). A listing that holds symlinks
        (whose targets could change unseen) is never kept."""
        if not self.keep:
            return list_files()[0]
        if self.changed is not None and folder.resolve() == folder:
            self.watched.add(folder)  # the watcher reports changes in it by these paths
        key = f"list:{folder}"
        known = self.memory.get(key)
        if isinstance(known, _Listing):
            if self._listing_current(folder, known):
                return known.paths
            patched = self._patched(folder, known, wanted)
            if patched is not None:
                self.memory[key] = patched
                return patched.paths
        started = time.time_ns()
        try:
            paths, symlinks = list_files()
            signature = stat_signature(folder)
        except OSError:
            self.memory.pop(key, None)
            return list_files()[0]
        if symlinks:
            self.memory.pop(key, None)
        else:
            self.memory[key] = _Listing(signature if signature[3] < started - RACY_NS else None, paths,
                                        frozenset(paths))
        return paths

    def _listing_current(self, folder: Path, known: _Listing) -> bool:
        if folder in self.watched:
            assert self.changed is not None
            inside = [p for p in self.changed if p.parent == folder]
            return all(_plain_file(p) if p in known.members else not p.is_file() for p in inside)
        try:
            return known.signature is not None and stat_signature(folder) == known.signature
        except OSError:
            return False

    def _patched(self, folder: Path, known: _Listing, wanted: Callable[[str], bool] | None) -> _Listing | None:
        """With the watcher's word, the last listing with the plain files it saw appear
        put in (in order) and those it saw vanish taken out: listing a folder of 10,000
        entries again costs more than the rest of a rebuild. None (list it again) for
        anything else: a folder, a symlink, a name `list_files` would skip."""
        if wanted is None or folder not in self.watched:
            return None
        assert self.changed is not None
        added, gone = [], []
        for path in (p for p in self.changed if p.parent == folder):
            try:
                mode: int | None = os.lstat(path).st_mode
            except FileNotFoundError:
                mode = None
            except OSError:
                return None
            if mode is None:
                if path in known.members:
                    gone.append(path)
            elif not S_ISREG(mode) or is_editor_litter(path.name):
                return None
            elif path not in known.members and wanted(path.name):
                added.append(path)
        paths = list(known.paths)
        for path in gone:
            at = bisect_left(paths, path.name, key=_name)
            if at == len(paths) or paths[at] != path:
                return None
            del paths[at]
        for path in added:
            insort(paths, path, key=_name)
        # (no signature: a build without the watcher's word lists the folder again)
        return _Listing(None, paths, known.members.difference(gone).union(added))

    def listed(self, folder: Path, paths: list[Path]) -> frozenset[Path] | None:
        """`paths` (as `listing` returned them) as a set, made once per listing; None
        when the listing is not kept (it holds symlinks, whose targets change unseen)."""
        known = self.memory.get(f"list:{folder}")
        return known.members if isinstance(known, _Listing) and known.paths is paths else None
