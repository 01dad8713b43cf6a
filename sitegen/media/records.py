"""What the media library knows of the pictures it processed before.

A picture is named by the hash of its file and the settings that shape it. Both are
kept in a store (the build's cache; `MemoryStore` without one): a file's hash by its
stat signature, so that a build reads no photo it knows; a picture's record (its
variants) by its name. A build asks for all of its pictures at once: two queries, not
two a picture (a liveblog with 500 photos asked 1,000 times).

A record is used only while every file it names is in the folder. Looking costs ~9
`stat`s a picture, so the pictures found there are remembered with the folder's
inode and mtime, which change whenever a name comes or goes: while they are the same,
no file is looked for again (in `serve`'s memory, and in the store for the next
build). Git's rule against racy stamps applies: a folder changed within two seconds of
being stamped is not trusted next time, since a deletion in the same clock tick would
leave its mtime the same.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from dataclasses import asdict
from pathlib import Path
from typing import Protocol

from sitegen.core.memo import Partition
from sitegen.model.pictures import Picture, Variant

# The modules whose code shapes a processed picture's files and its record here: only a
# change to one of them makes the pictures again (build/media.py keys the store by them);
# any other change to sitegen, such as an upgrade, keeps every photo processed before.
SHAPING_MODULES = ("media/images.py", "media/records.py", "model/pictures.py")
RACY_NS = 2_000_000_000  # (as incremental.filestamps: a folder changed this recently is not trusted)
VERIFIED = "media:verified"  # where the pictures found in the folder are remembered, with its stamp
_HEX64 = re.compile(r"[0-9a-f]{64}")

Stamp = tuple[int, int]  # a folder's inode and mtime


class MediaStore(Protocol):
    """Where processed images are described between builds (the build's cache fits)."""

    def get_many(self, keys: list[str]) -> dict[str, str]: ...

    def put(self, key: str, value: str) -> None: ...


class MemoryStore:
    """A store for one build (no persistent cache)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get_many(self, keys: list[str]) -> dict[str, str]:
        return {key: self.values[key] for key in keys if key in self.values}

    def put(self, key: str, value: str) -> None:
        self.values[key] = value


class PictureRecords:
    """The store's and the session memo's records of processed pictures, for one build."""

    def __init__(self, store: MediaStore, memo: Partition[object, object], folder: Path) -> None:
        self.store = store
        self.memo = memo
        self.folder = folder
        self._verified: set[str] | None = None  # (made on first use: see `verified`)
        self._loaded: tuple[Stamp | None, frozenset[str]] | None = None

    def digests(self, paths: dict[str, Path]) -> tuple[dict[str, str], dict[str, str]]:
        """Each file's content hash, by its stat signature: no file is read that is known;
        and the files that cannot be read (not this user's to read, gone meanwhile), with
        the system's reason: the editor's to fix, not a crash."""
        stats: dict[str, str] = {}
        unreadable: dict[str, str] = {}
        for rel, path in paths.items():
            try:
                stats[rel] = _stat_key(path)
            except OSError as exc:
                unreadable[rel] = _why(exc)
        found = {rel: d for rel, key in stats.items() if isinstance(d := self.memo.get(key), str)}
        stored = self.store.get_many([key for rel, key in stats.items() if rel not in found])
        for rel, key in stats.items():
            if rel in found:
                continue
            digest = stored.get(key)
            if digest is None or not _HEX64.fullmatch(digest):
                try:
                    with paths[rel].open("rb") as handle:
                        digest = hashlib.file_digest(handle, "sha256").hexdigest()
                except OSError as exc:
                    unreadable[rel] = _why(exc)
                    continue
                self.store.put(key, digest)
            self.memo[key] = found[rel] = digest
        return found, unreadable

    def known(self, keys: dict[str, str]) -> dict[str, Picture]:
        """The pictures (by source path; `keys` names each) processed before whose files
        are all still in the folder; `serve` keeps them in its memo, the same objects."""
        if not keys:
            return {}
        pictures = {rel: p for rel, key in keys.items() if isinstance(p := self.memo.get(key), Picture)}
        stored = self.store.get_many([key for rel, key in keys.items() if rel not in pictures])
        for rel, key in keys.items():
            if rel not in pictures and key in stored:
                try:
                    pictures[rel] = _decode(json.loads(stored[key]))
                except (ValueError, TypeError, KeyError):  # not what this code stored: made again
                    continue
        verified, folder = self.verified(), os.path.join(self.folder, "")
        found = {}
        for rel, picture in pictures.items():
            key = keys[rel]
            if key in verified or all(os.path.isfile(folder + v.name) for v in picture.files):
                self.memo[key] = found[rel] = picture
                verified.add(key)
        return found

    def made(self, key: str, picture: Picture) -> None:
        """A picture just processed, its files just written."""
        self.store.put(key, json.dumps(asdict(picture)))
        self.memo[key] = picture
        self.verified().add(key)

    def verified(self) -> set[str]:
        """The keys of the pictures whose files were found in the folder (or made) while
        it is as it was then: kept in `serve`'s memo, else in the store."""
        if self._verified is None:
            stamp = _folder_stamp(self.folder)
            last = self.memo.get(VERIFIED)
            if not isinstance(last, tuple):
                last = self._stored()
            self._loaded = last if isinstance(last, tuple) else None
            self._verified = set(last[1]) if stamp is not None and self._loaded and last[0] == stamp else set()
        return self._verified

    def settle(self) -> None:
        """Remember the pictures found or made, with the folder's stamp as it is now (none
        when it changed within two seconds: the next build looks at their files again)."""
        if self._verified is None:
            return
        stamp = _folder_stamp(self.folder)
        if stamp is not None and time.time_ns() - stamp[1] < RACY_NS:
            stamp = None
        kept = (stamp, frozenset(self._verified))
        self.memo[VERIFIED] = kept
        if kept != self._loaded:
            self.store.put(VERIFIED, json.dumps({"stamp": stamp, "keys": sorted(kept[1])}))

    def _stored(self) -> tuple[Stamp | None, frozenset[str]] | None:
        found = self.store.get_many([VERIFIED]).get(VERIFIED)
        try:
            data = json.loads(found) if found else None
            stamp = data["stamp"]
            return (None if stamp is None else (int(stamp[0]), int(stamp[1])),
                    frozenset(str(key) for key in data["keys"]))
        except (ValueError, TypeError, KeyError, IndexError):
            return None


def picture_key(shaped_by: str, digest: str, rel: str) -> str:
    """Where a picture's record is kept: what shaped it (images.settings_shaping), its
    source's bytes and its path."""
    return f"media:picture:{shaped_by}:{digest}:{rel}"


def _why(exc: OSError) -> str:
    """The system's reason, in its words ("Permission denied"), without the path."""
    return exc.strerror or type(exc).__name__


def _stat_key(path: Path) -> str:
    stat = path.stat()
    return f"media:stat:{path}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ino}:{stat.st_ctime_ns}"


def _folder_stamp(folder: Path) -> Stamp | None:
    """What changes when a name comes or goes in `folder` (None: it cannot be looked at)."""
    try:
        stat = os.stat(folder)
    except OSError:
        return None
    return (stat.st_ino, stat.st_mtime_ns)


def _decode(data: dict[str, object]) -> Picture:
    fallback = tuple(Variant(**v) for v in data["fallback"])  # type: ignore[arg-type, union-attr]
    modern = tuple((mime, tuple(Variant(**v) for v in variants))
                   for mime, variants in data["modern"])  # type: ignore[union-attr, misc]
    return Picture(str(data["source"]), str(data["kind"]), fallback, modern)
