"""Which source files are unchanged since the last build, without reading them.

Reading 10,000 entry files costs more than the rest of a warm build. Like git's
index, each folder's files are remembered with their inode, size, mtime and
ctime, and the key (a hash of path and text) their text had. A file whose four
values are the same is taken to hold the same text: its key is used without
reading it, and it is read only if what was derived from it is not in the cache.

Git's rule against "racy" files applies: a file whose ctime is within two seconds
of the moment its values were taken (or later) is read again, since a second
write in the same clock tick would leave them the same. ctime cannot be set back
by a program. The records live in the persistent cache, as JSON.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Callable

from sitegen.incremental.cache import Cache
from sitegen.source.files import child_path_maker, is_editor_litter

RACY_NS = 2_000_000_000
STALE_SHARE = 64  # the records are stored again once more than one in this many (or MIN_STALE) are stale
MIN_STALE = 16

Signature = tuple[int, int, int, int]
MTIME, CTIME = itemgetter(2), itemgetter(3)  # a Signature's times


def signature(stat: os.stat_result) -> Signature:
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def stat_signature(path: Path) -> Signature:
    """The signature of what `path` leads to (a symlink's target)."""
    return signature(os.stat(path))


@dataclass(frozen=True)
class Stamped:
    """Source files' signatures as the up-to-date check took them (uptodate.py), before
    the build read any file: handed on, so that the build does not stat each file again."""

    taken_ns: int  # when the check began taking them
    signatures: dict[str, Signature]  # path -> signature
    names: dict[str, list[str]] = field(default_factory=dict)  # folder -> the names in it (of every kind)

    def listed(self, folder: Path, wanted: Callable[[str], bool]) -> list[Path] | None:
        """The paths in `folder` whose names `wanted` picks, sorted by name, as the check saw the
        folder; None when it did not look there. What `scan_folder` lists, without a second
        look at the folder: a check that found a symlink, an editor's file or a name that
        is not UTF-8 anywhere in the sources gave no stamps at all, so only hidden names
        (skipped silently) remain to be left out."""
        found = self.names.get(str(folder))
        if found is None:
            return None
        child = child_path_maker(folder)  # (as scan_folder makes them)
        return [child(name) for name in sorted(found) if not is_editor_litter(name) and wanted(name)]


class FileStamps:
    """One folder's remembered files: path -> (signature, key of the text)."""

    def __init__(self, cache: Cache, key: str, stamped: Stamped | None = None) -> None:
        self.cache = cache
        self.key = key
        self.taken_ns = stamped.taken_ns if stamped is not None else time.time_ns()
        self.signatures = stamped.signatures if stamped is not None else {}
        self.old: dict[str, list[object]] = {}
        self.new: dict[str, list[object]] = {}
        self.hits = 0  # files whose record stood
        stored = cache.get(key, keep=False)  # (not kept: 10,000 records are read once)
        try:
            data = json.loads(stored) if stored else {}
            trusted_before = int(data.get("taken", 0)) - RACY_NS
            self.old = {name: row for name, row in data.get("files", {}).items()
                        if isinstance(row, list) and len(row) == 5 and isinstance(row[3], int)
                        and row[3] < trusted_before}
        except (ValueError, TypeError, AttributeError):
            self.old = {}  # written by other code: every file is read

    def known(self, path: Path) -> tuple[str | None, Signature | None]:
        """(the key of the file's text if it is as remembered, its signature now: as the
        up-to-date check took it, when it did)."""
        name = str(path)
        now = self.signatures.get(name)
        if now is None:
            try:
                now = signature(os.stat(name))
            except OSError:
                return None, None
        return self.key_if_same(name, now), now

    def key_if_same(self, name: str, now: Signature) -> str | None:
        """The key of the text of the file at `name` when `now` (its signature) is as
        remembered: its record then stands for this build too."""
        row = self.old.get(name)
        if row is not None and tuple(row[:4]) == now and isinstance(row[4], str):
            self.new[name] = row
            self.hits += 1
            return row[4]
        return None

    def remember(self, path: Path, taken: Signature | None, key: str) -> None:
        """`taken` is the signature from before the file was read: a write after it
        changes the values, so the file is read again next time."""
        if taken is not None:
            self.new[str(path)] = [*taken, key]

    def save(self) -> None:
        """Store the records of this build's files, when enough of them changed: after
        one edit, the 10,000 records of a long liveblog are not encoded and written again
        for the one file that is then read again by the next build (a file just edited
        is "racy" for the next build anyway); a missing record costs a read, never a
        wrong text. A file's record stands as long as the file is as it was."""
        stale = len(self.old) - self.hits + len(self.new) - self.hits  # (gone or changed; new or changed)
        if stale > max(MIN_STALE, len(self.new) // STALE_SHARE) or not self.old and self.new:
            self.cache.put(self.key, json.dumps({"taken": self.taken_ns, "files": self.new}, separators=(",", ":")))
