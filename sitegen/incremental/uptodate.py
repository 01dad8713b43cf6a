"""Skipping a build that would change nothing, as make skips an up-to-date target.

A build's output follows from its sources (every file under content/, static/,
templates/, themes/ and i18n/, the bundled themes and sitegen.yaml), its options and
sitegen's own code. Before anything is read, each source file's inode, size,
mtime and ctime are taken (as git's index does) and hashed with the rest into
one digest. A successful build records that digest. The next build with the
same digest, whose output is still exactly what the last one wrote (every
file's size and mtime as recorded), has nothing to do and does nothing.

Conservative by design: a symlink or an editor's temporary file anywhere in the
sources (which a build reports or resolves), or any file changed within two
seconds of the moment it was stamped (a second write in the same clock tick
could leave all four values the same), means no record is trusted or kept,
and the build runs as usual.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from sitegen.config.site_config import CONFIG_FILE, SOURCE_FOLDERS
from sitegen.incremental.cache import Cache, cache_key
from sitegen.incremental.filestamps import CTIME, MTIME, RACY_NS, Signature, Stamped, signature
from sitegen.markdown.renderer import engines
from sitegen.model.site import Due
from sitegen.output.record import OutputLook, intact_files
from sitegen.source.files import is_litter, is_utf8_name

AUTHORS_FILE = "authors.yaml"  # (config.site_config.AUTHORS_FILE)


@dataclass(frozen=True)
class Summary:
    """What the CLI reports about a build: the same whether it ran or was skipped."""

    liveblogs: int
    entries: int
    files: int
    due: Due | None = None  # the next moment the clock alone changes the output (schedule.py)


@dataclass(frozen=True)
class SourceState:
    key: str  # where the record lives in the cache (one per output folder and options)
    digest: str  # every source file's stamp, the options and sitegen's code
    settled: bool  # no file changed near the moment it was stamped: the digest may be kept
    stamped: Stamped | None = field(default=None, compare=False, repr=False)  # each file's, for the build


def source_state(source: Path, themes: Path, options: str) -> SourceState | None:
    """The sources' state now, or None when it cannot be trusted (see the module doc)."""
    taken = time.time_ns()
    signatures: dict[str, Signature] = {}
    names: dict[str, list[str]] = {}
    for folder in [*(source / name for name in SOURCE_FOLDERS), themes]:
        if not _stamps(folder, signatures, names):
            return None
    rows: list[str] = []
    try:
        config = os.stat(source / CONFIG_FILE)
    except OSError:
        return None
    rows.append(f"{CONFIG_FILE}\0{_stamp(config)}")
    newest = max(config.st_mtime_ns, config.st_ctime_ns)
    try:
        authors = os.stat(source / AUTHORS_FILE)  # (optional: its absence is stamped too)
        rows.append(f"{AUTHORS_FILE}\0{_stamp(authors)}")
        newest = max(newest, authors.st_mtime_ns, authors.st_ctime_ns)
    except FileNotFoundError:
        rows.append(f"{AUTHORS_FILE}\0-")
    except OSError:
        return None
    if signatures:
        newest = max(newest, max(map(MTIME, signatures.values())), max(map(CTIME, signatures.values())))
    digest = cache_key("sources", options, engines(), *rows, _digest(signatures))
    return SourceState(cache_key("up-to-date", options), digest, newest < taken - RACY_NS,
                       Stamped(taken, signatures, names))


def _stamps(folder: Path | str, signatures: dict[str, Signature], names: dict[str, list[str]]) -> bool:
    """Put the signature of each file and folder below `folder` in `signatures` and each
    folder's names in `names` (the build lists the folders of entries from them:
    `Stamped.listed`); False for what the build itself would warn about or resolve
    (symlinks, litter). As little as can be is done per file (10,000 in a long
    liveblog): the names are checked together, each file is looked at relative to its
    open folder (the system then walks one name, not the whole path), and the digest and
    the newest time are taken from `signatures` at the end."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    try:
        return _stamped_folder(os.fspath(folder), fd, signatures, names)
    finally:
        os.close(fd)


def _stamped_folder(folder: str, fd: int, signatures: dict[str, Signature], names: dict[str, list[str]]) -> bool:
    """`_stamps` of the folder open as `fd`."""
    try:
        items = list(os.scandir(fd))
    except OSError:
        return False
    listed = names[folder] = [item.name for item in items]
    if not "".join(listed).isascii() and not all(map(is_utf8_name, listed)):
        return False  # (a name that is not UTF-8: the build reports it)
    if any(map(is_litter, listed)):
        return False
    inside = os.path.join(folder, "")
    for item in items:
        if item.is_symlink():
            return False
        name = item.name
        if name == "__pycache__":
            continue  # (compiled Python beside the bundled themes' package file)
        try:
            stat = item.stat()
        except OSError:
            return False  # (gone since it was listed: an editor saving, say)
        path = inside + name
        signatures[path] = signature(stat)
        if item.is_dir() and not _stamps(path, signatures, names):
            return False
    return True


def _digest(signatures: dict[str, Signature]) -> str:
    """Every path and signature, in the order the walk met them, hashed as marshal writes
    them without references (the same bytes for the same values; as text, turning 40,000
    integers into digits would cost more than the walk's Python). Not sorted first (then
    6 of the digest's 8 ms at 10,000 files): a folder lists the same names in the same
    order until a name comes or goes, which changes the signatures anyway, so the order
    can only make a same state look changed (a build then does what it would have done),
    never the reverse. A change of a file's mode or kind changes its ctime or inode, so
    neither is stamped apart."""
    return hashlib.blake2b(marshal.dumps(signatures, 2)).hexdigest()


def _stamp(stat: os.stat_result) -> str:
    return f"{stat.st_mode:o} {stat.st_ino} {stat.st_size} {stat.st_mtime_ns} {stat.st_ctime_ns}"


def unchanged(cache: Cache, state: SourceState, output: Path, manifest: Path | None,
              now: datetime, look: Callable[[], OutputLook | None] = lambda: None) -> Summary | None:
    """The last build's summary when it had the same sources, its output is intact and
    nothing has come due since (a scheduled entry, a liveblog's end: see schedule.py);
    `look` gives a look at the output's files taken meanwhile, if any."""
    stored = cache.get(state.key)
    if stored is None or manifest is None:
        return None
    try:
        record = json.loads(stored)
        if record["digest"] != state.digest or record["manifest"] != _file_digest(manifest):
            return None
        liveblogs, entries, files, due = record["summary"]
        summary = Summary(liveblogs, entries, files,
                          Due(datetime.fromisoformat(due[0]), due[1]) if due is not None else None)
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if summary.due is not None and summary.due.time <= now:
        return None  # the clock has passed something the last build held back
    return summary if intact_files(output, manifest, look()) else None


def remember(cache: Cache, state: SourceState | None, manifest: Path | None, summary: Summary) -> None:
    """After a successful build: its sources' state, when settled, for the next build."""
    if state is None or manifest is None:
        return
    if not state.settled:
        cache.put(state.key, "{}")  # an older record must not outlive this build
        return
    try:
        text = json.dumps({"digest": state.digest, "manifest": _file_digest(manifest),
                           "summary": [summary.liveblogs, summary.entries, summary.files,
                                       [summary.due.time.isoformat(), summary.due.what] if summary.due else None]})
    except OSError:
        return
    cache.put(state.key, text)


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
