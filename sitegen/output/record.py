"""The output record: what each file of a build is, kept for the next build.

A build records every file it leaves in the output (a digest of its bytes, its size
and mtime on disk, and for a lazily written file a digest of what shaped it), and the
inputs of each group of pages. The record is written beside the cache (the manifest,
installed by the publication's last step: publish.py) and read by the next build, by
the up-to-date check and by `sitegen deploy`. `serve` keeps it in the session memo
instead, where its files are trusted without a look at each.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from sitegen.core.memo import Partition
from sitegen.output.claims import GroupClaims
from sitegen.output.publish import MARKER

OUTPUT_RECORDS = "output records"  # the session memo's partition of `OutputRecord`s, by output folder


class FileRecord(NamedTuple):
    """What a built file was: a digest of its bytes, its size and mtime on disk, and
    (for files written with `write_lazy`) a digest of everything that shaped it.
    A named tuple, not a dataclass: a fresh build reads and writes one per output file
    (10,000 and more), and a tuple is made from the manifest's row and written back as
    one without a call per field."""

    digest: str
    size: int
    mtime_ns: int
    inputs: str | None = None


@dataclass(frozen=True)
class OutputRecord:
    """An output folder as a build left it: its files and its groups' inputs (both in the
    manifest), and for `serve`'s next build, kept in memory, each group's claims and its
    files' records, so that a group kept whole is kept again without a look at each file."""

    files: dict[str, FileRecord]
    groups: dict[str, str]
    group_claims: dict[str, GroupClaims] = field(default_factory=dict)
    group_records: dict[str, dict[str, FileRecord]] = field(default_factory=dict)
    trusted: bool = False  # kept in memory by this session (whose output is private): no file is looked at


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass(frozen=True)
class OutputLook:
    """What a look at every file a manifest records found (`look_at_output`): a fresh
    build has another core look at 10,000 files while it reads its sources
    (build/start.py), and then asks no file again."""

    manifest: tuple[int, int, int]  # the manifest read: its inode, size and mtime then
    changed: frozenset[str]  # its files not as recorded: gone, or of another size or mtime


def manifest_signature(manifest: Path) -> tuple[int, int, int] | None:
    try:
        stat = os.stat(manifest)
    except OSError:
        return None
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


def look_at_output(output: Path, manifest: Path) -> OutputLook | None:
    """Each file of the manifest's build still in `output` as it left it, or not; None
    for a folder sitegen did not write or a manifest that cannot be read."""
    try:
        signature = manifest_signature(manifest)
        files = _recorded(output, manifest)
        if files is None or signature is None:
            return None
        root = os.path.join(output, "")
        changed = frozenset([rel for rel, (_, size, mtime_ns, *_) in files.items()
                             if not _as_recorded(root + rel, size, mtime_ns)])
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    return OutputLook(signature, changed)


def _recorded(output: Path, manifest: Path) -> dict[str, list[Any]] | None:
    """The manifest's records (path -> [digest, size, mtime_ns, ...]) of `output`, None
    when it is not a folder sitegen wrote; raises what reading and parsing raise."""
    if not (output / MARKER).is_file():
        return None
    return orjson.loads(manifest.read_bytes())["files"]  # type: ignore[no-any-return]


def _as_recorded(path: str, size: int, mtime_ns: int) -> bool:
    try:
        stat = os.stat(path)
    except OSError:
        return False
    return (stat.st_size, stat.st_mtime_ns) == (size, mtime_ns)


def looked(look: OutputLook | None, manifest: Path) -> frozenset[str] | None:
    """What `look` found changed, when it went by the manifest as it is now (else None:
    look again). Sound while the output's lock is held: no other build writes either."""
    return look.changed if look is not None and look.manifest == manifest_signature(manifest) else None


def intact_files(output: Path, manifest: Path, look: OutputLook | None = None) -> bool:
    """Whether the output holds exactly what the manifest's build wrote there: each
    file with the size and mtime it had (a file deleted or edited since means no)."""
    changed = looked(look, manifest)
    if changed is not None:
        return not changed
    return intact_records(output, manifest) is not None


def intact_records(output: Path, manifest: Path) -> dict[str, list[Any]] | None:
    """The manifest's records (path -> [digest, size, mtime_ns, ...]) when the output
    is intact (`intact_files`), else None: the manifest read once."""
    try:
        files = _recorded(output, manifest)
        if files is None:
            return None
        root = os.path.join(output, "")
        for rel, (_, size, mtime_ns, *_) in files.items():
            if not _as_recorded(root + rel, size, mtime_ns):
                return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    return files


def last_record(output: Path, manifest: Path | None, memory: Partition[str, OutputRecord] | None) -> OutputRecord | None:
    """The record of the build that left `output` (a folder sitegen wrote): the one this
    session kept in `memory`, else the manifest's; None when there is neither."""
    known = None if memory is None else remembered(memory, output)
    if known is not None:
        return known
    if manifest is None:
        return None
    try:
        raw = orjson.loads(manifest.read_bytes())
        make = FileRecord._make  # (a row of any other length is refused: TypeError)
        files = {path: make(values) for path, values in raw["files"].items()}
        return OutputRecord(files, {str(k): str(v) for k, v in raw.get("groups", {}).items()})
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def remembered(memory: Partition[str, OutputRecord], output: Path) -> OutputRecord | None:
    """The record a build of this session kept of `output`, if any."""
    return memory.get(_key(output))


def remember(memory: Partition[str, OutputRecord], output: Path, record: OutputRecord | None) -> None:
    """Keep `record` as `output`'s for the session's next build; None forgets it (a
    publication stopped midway: the records describe neither build)."""
    if record is None:
        memory.pop(_key(output), None)
    else:
        memory[_key(output)] = record


def _key(output: Path) -> str:
    return f"output:{output}"


def stage_manifest(path: Path, records: dict[str, FileRecord], groups: dict[str, str]) -> Path | None:
    """The record of what a build wrote, beside `path` (the publication installs it last:
    see publish.py); None when it cannot be written: the next build then writes everything."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(f".tmp-{os.getpid()}")
        temp.write_bytes(orjson.dumps({"files": records, "groups": groups}, default=_row))  # (each record as its row)
    except (OSError, orjson.JSONEncodeError):  # (the latter: a path that is not UTF-8, say)
        return None
    return temp


def _row(value: object) -> list[Any]:
    """A `FileRecord` as the manifest's row (orjson writes named tuples only so)."""
    if isinstance(value, FileRecord):
        return list(value)
    raise TypeError(f"not a file's record: {value!r:.80}")


def save_manifest(path: Path, record: OutputRecord) -> None:
    """The record of what a build wrote, in place at once (written by `deploy --watch` as
    it stops, from the record its in-memory builds kept)."""
    temp = stage_manifest(path, record.files, record.groups)
    try:
        if temp is not None:
            os.replace(temp, path)
    except OSError:
        pass  # without a manifest the next build simply writes everything
