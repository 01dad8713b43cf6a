"""Which of a folder's entry groups a fresh build may take by its files' stamps alone.

A fresh build after one edit would otherwise find every file's text key first: 10,000
stamp records decoded and compared (filestamps.py), a `SourceText` made for each, only
to learn that 63 of the 64 groups (entrygroups.py) are as they were. So each group gets
a stamp (`group_stamp`): a key naming its files' paths and signatures (inode, size,
mtime, ctime) as the up-to-date check took them, before any file was read, with the
zone, the salt and sitegen's code. One small cache value per folder, the `StampRecord`,
keeps for each group the stamp it had at the last fresh build and the key line its
value had then (which names every file's text). When a group's stamp now is the one
recorded, its value is taken if it still begins with that key line, each file's text
key read from the value; no file of the group is read or looked up. The other groups'
files are found as before, and the record is replaced when a stamp or a key line
changed (a few kilobytes, whatever the groups weigh).

Git's rule against "racy" files applies as in filestamps.py: a group holding a file
whose ctime is within two seconds of the check (or later) gets `NO_STAMP` and is not
recorded, since a second write in the same clock tick could leave its signature the
same. `serve` keeps its own records and neither reads nor writes this one.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
from functools import partial
from pathlib import Path
from typing import Callable

from sitegen.incremental.cache import Cache
from sitegen.incremental.filecache import ParsedFiles
from sitegen.incremental.filestamps import CTIME, RACY_NS, Stamped
from sitegen.source.entries import FolderPlan

NO_STAMP = "-"  # the stamp of a group no build may take by its files' signatures alone


def group_stamp(folder: Path, names: list[str], stamped: Stamped, key: Callable[..., str]) -> str:
    """The stamp of a group of `folder`'s files of these names (in this order) as
    `stamped` (the up-to-date check) found them, `key` naming everything else that shapes
    the group (sitegen's code, the salt, the zone); `NO_STAMP` when the check did not see
    one of them or one changed in the two seconds before it looked."""
    inside = os.path.join(folder, "")  # (each path as the check's walk spelled it: folder and name)
    paths = [inside + name for name in names]
    signatures = list(map(stamped.signatures.get, paths))
    if None in signatures or max(map(CTIME, signatures)) >= stamped.taken_ns - RACY_NS:  # (ctime: never set back)
        return NO_STAMP
    # (the signatures' integers hashed as marshal writes them, without references: ten
    # times faster than as text, and the same bytes for the same values)
    return key("entry group stamped", "\0".join(paths), hashlib.blake2b(marshal.dumps(signatures, 2)).hexdigest())


class StampRecord:
    """One folder's groups: their stamps now, and the stamp and key line each had at the
    last fresh build (see the module docstring)."""

    def __init__(self, cache: Cache, name: str | None, now: dict[int, str], last: dict[int, list[str]]) -> None:
        self.cache = cache
        self.name = name  # None: no record (`serve`, or no stamps taken)
        self.now = now
        self.last = last

    @classmethod
    def taken(cls, files: ParsedFiles, plan: FolderPlan, in_bucket: dict[int, list[str]]) -> "StampRecord":
        """The groups' stamps (each group's files by name) by the signatures a fresh
        build's up-to-date check took, and the record the last fresh build left; neither
        in `serve`."""
        if files.stamped is None:
            return cls(files.cache, None, {}, {})
        key = partial(files.key, plan.zone.key)
        now = {b: group_stamp(plan.folder, names, files.stamped, key) for b, names in in_bucket.items()}
        name = files.key("entry group stamps", str(plan.folder), str(plan.drafts))
        return cls(files.cache, name, now, _read(files.cache.get(name, keep=False)))

    def standing(self) -> dict[int, str]:
        """The key line (with its newline) of each group whose stamp is as recorded."""
        return {b: line for b, (stamp, line) in self.last.items() if stamp != NO_STAMP and self.now.get(b) == stamp}

    def keep(self, lines: dict[int, str]) -> None:
        """Record each group's stamp now with the key line its value has now (`lines`),
        when that is not what the record already says."""
        if self.name is None:
            return
        record = {b: [stamp, lines[b]] for b, stamp in self.now.items() if stamp != NO_STAMP and b in lines}
        if record != self.last:
            self.cache.put(self.name, json.dumps({str(b): entry for b, entry in record.items()}))


def _read(stored: str | None) -> dict[int, list[str]]:
    """The record as stored; empty when there is none or it was written by other code."""
    try:
        data = json.loads(stored) if stored else {}
        return {int(b): [stamp, line] for b, (stamp, line) in data.items()
                if isinstance(stamp, str) and isinstance(line, str)}
    except (ValueError, TypeError, AttributeError):
        return {}
