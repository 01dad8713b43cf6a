"""What a deploy does: which files to send, in which order, and which to delete.

The build records every output file's digest (output/record.py); the deploy keeps
its own record beside it of what it sent (digest and headers per key). A file is
sent when its digest or headers differ from that record; a key in the record that
the build no longer has is deleted. Without a record (a first deploy), or with
`--check-remote`, the bucket's listing stands in for it: a file is sent unless an
object with its MD5 (the ETag of a single-part upload) is there already.

Files go in dependency order, so that readers never follow a link (or a live
update) to something not there yet: media and hashed assets, entry pages, older
pages, topic pages, front pages and feeds, and each `updates.json` last.
Deletions come after everything else.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from sitegen.deploy.headers import CachePolicy, Headers, immutable
from sitegen.output.publish import rank

log = logging.getLogger("sitegen")
STAGES = ("media and assets", "entry pages", "older pages", "topic pages", "front pages and feeds",
          "live updates")
STAGE_OF_RANK = (0, 1, 2, 3, 4, 4, 5)  # output.publish.rank -> STAGES
# A content-hashed file no longer built (last version's stylesheet, a replaced photo) stays
# this long: a page still cached at a CDN or in a browser (60 s + 60 s stale by default)
# may still ask for it. The record marks it RETIRED with the time; a later deploy deletes it.
KEEP_RETIRED_SECONDS = 600
RETIRED = "retired:"


def stage(key: str) -> int:
    """The upload stage of an output path (an index into STAGES): the build's order of
    publication (output/publish.py), front pages and feeds sent together."""
    return STAGE_OF_RANK[rank(key)]


@dataclass(frozen=True)
class Upload:
    key: str  # the output path (the object's key below the target's prefix)
    digest: str  # the build's digest of the file
    headers: Headers


@dataclass(frozen=True)
class Plan:
    uploads: tuple[Upload, ...]  # in stage order
    deletes: tuple[str, ...]
    unchanged: int
    compared_with: str  # "the last deploy" or "the bucket"
    retired: tuple[str, ...] = ()  # superseded hashed files, kept a while (KEEP_RETIRED_SECONDS)

    @property
    def empty(self) -> bool:
        return not self.uploads and not self.deletes

    def stages(self) -> list[tuple[str, list[Upload]]]:
        grouped: list[tuple[str, list[Upload]]] = [(name, []) for name in STAGES]
        for upload in self.uploads:
            grouped[stage(upload.key)][1].append(upload)
        return [(name, items) for name, items in grouped if items]

    def describe(self) -> list[str]:
        """The plan in words, one line per stage (`--dry-run`)."""
        lines = [f"{len(items):>6} to upload: {name}" for name, items in self.stages()]
        if self.deletes:
            lines.append(f"{len(self.deletes):>6} to delete")
        if self.retired:
            lines.append(f"{len(self.retired):>6} superseded hashed files kept {KEEP_RETIRED_SECONDS // 60} "
                         "minutes for pages still cached")
        lines.append(f"{self.unchanged:>6} unchanged (compared with {self.compared_with})")
        return lines


@dataclass
class DeployRecord:
    """What the bucket holds, as far as sitegen sent it: key -> [digest, headers signature]."""

    path: Path
    target: str
    files: dict[str, list[str]] = field(default_factory=dict)
    known: bool = False  # read from disk (else: the bucket's listing must be consulted)

    @classmethod
    def load(cls, path: Path, target: str) -> "DeployRecord":
        try:
            raw = json.loads(path.read_text("utf-8"))
            if raw.get("target") == target and isinstance(raw.get("files"), dict):
                return cls(path, target, {str(k): list(v) for k, v in raw["files"].items()}, True)
        except (OSError, ValueError, TypeError, AttributeError):
            pass
        return cls(path, target)

    def sent(self, upload: Upload) -> None:
        self.files[upload.key] = [upload.digest, upload.headers.signature]

    def save(self) -> None:
        """Written whole to a temporary file, then renamed: a crash leaves the old record.
        One that cannot be written leaves the last one, which only knows less: the next
        deploy sends again what this one sent, and deletes again what it deleted."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temp = self.path.with_suffix(f".tmp-{os.getpid()}")
            temp.write_text(json.dumps({"target": self.target, "files": self.files}), "utf-8")
            os.replace(temp, self.path)
        except OSError as exc:
            log.warning("cannot save the deploy record %s (%s); the next deploy sends these files again",
                        self.path, exc.strerror or exc)


def record_path(cache_folder: Path, target: str, endpoint: str | None, output: Path) -> Path:
    name = hashlib.sha256(f"{target}\n{endpoint}\n{output.resolve()}".encode()).hexdigest()[:16]
    return cache_folder / f"deploy-{name}.json"


def plan_from_record(built: dict[str, str], record: DeployRecord, policy: CachePolicy, now: float) -> Plan:
    """Compare the build's files (key -> digest) with what was sent last time."""
    uploads, unchanged = [], 0
    for key, digest in built.items():
        upload = Upload(key, digest, policy.headers(key))
        if record.files.get(key) == [digest, upload.headers.signature]:
            unchanged += 1
        else:
            uploads.append(upload)
    deletes, retired = _gone(record, record.files.keys() - built.keys(), now)
    return Plan(_ordered(uploads), deletes, unchanged, "the last deploy", retired)


def plan_from_listing(built: dict[str, str], output: Path, listing: dict[str, str], policy: CachePolicy,
                      record: DeployRecord, now: float) -> Plan:
    """Compare the build's files with the bucket's objects (key -> ETag). Files found
    there with the same bytes go into the record as sent (their headers are trusted)."""
    for key in record.files.keys() - listing.keys():
        del record.files[key]  # not in the bucket (whatever the record said)
    uploads, unchanged = [], 0
    for key, digest in built.items():
        upload = Upload(key, digest, policy.headers(key))
        if listing.get(key) == _md5(output / key):
            unchanged += 1
            record.sent(upload)
        else:
            uploads.append(upload)
    for key in listing.keys() - built.keys():
        record.files.setdefault(key, ["", ""])  # present in the bucket: forgotten once deleted
    deletes, retired = _gone(record, listing.keys() - built.keys(), now)
    return Plan(_ordered(uploads), deletes, unchanged, "the bucket", retired)


def _gone(record: DeployRecord, keys: set[str], now: float) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(to delete, to keep a while) among keys in the bucket that the build no longer has.
    A content-hashed file is first marked retired in the record (the mark is true whatever
    else happens: the file is in the bucket, unreferenced), and deleted once old enough."""
    deletes, retired = [], []
    for key in sorted(keys):
        mark = record.files[key][1]
        if mark.startswith(RETIRED):
            if now - float(mark[len(RETIRED):]) >= KEEP_RETIRED_SECONDS:
                deletes.append(key)
        elif immutable(key):
            record.files[key] = ["", f"{RETIRED}{now:.0f}"]
            retired.append(key)
        else:
            deletes.append(key)
    return tuple(deletes), tuple(retired)


def _ordered(uploads: list[Upload]) -> tuple[Upload, ...]:
    return tuple(sorted(uploads, key=lambda u: (stage(u.key), u.key)))


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
