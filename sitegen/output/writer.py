"""Writing the output folder: all or nothing, and only what changed.

Files are first written to a staging folder beside the output. Nothing touches
the output until `commit()`: a build that fails anywhere leaves the previous
output byte for byte. The first build (or one without a trustworthy record of
the last) swaps the whole staged folder in; later builds stage only files whose
bytes changed, move them into place, and delete files that are no longer built.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from sitegen.output.claims import GroupClaims, claim_into
from sitegen.output.publish import (MARKER, Journal, PartlyPublished, journal_path, ordered, publish_changes,
                                    publish_swap, staging_path)
from sitegen.core.errors import Problem, SitegenError
from sitegen.core.memo import Partition

O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
MARKER_TEXT = "Written by sitegen: this folder is replaced by every build.\n"


@dataclass(frozen=True)
class Record:
    """What a built file was: a digest of its bytes, its size and mtime on disk, and
    (for files written with `write_lazy`) a digest of everything that shaped it."""

    digest: str
    size: int
    mtime_ns: int
    inputs: str | None = None


def verify_inputs() -> bool:
    """SITEGEN_VERIFY_INPUTS=1 (the test suite sets it) produces every lazily written
    file anyway, and fails loudly when its inputs claim it unchanged but its bytes differ."""
    return os.environ.get("SITEGEN_VERIFY_INPUTS") == "1"


class StaleInputs(AssertionError):
    """A file's declared inputs missed something that changes its bytes: a bug in sitegen."""


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def intact_files(output: Path, manifest: Path) -> bool:
    """Whether the output holds exactly what the manifest's build wrote there: each
    file with the size and mtime it had (a file deleted or edited since means no)."""
    return intact_records(output, manifest) is not None


def intact_records(output: Path, manifest: Path) -> dict[str, list[Any]] | None:
    """The manifest's records (path -> [digest, size, mtime_ns, ...]) when the output
    is intact (`intact_files`), else None: the manifest read once."""
    if not (output / MARKER).is_file():
        return None
    try:
        files = json.loads(manifest.read_text("utf-8"))["files"]
        for rel, (_, size, mtime_ns, *_) in files.items():
            stat = os.stat(os.path.join(output, rel))
            if (stat.st_size, stat.st_mtime_ns) != (size, mtime_ns):
                return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    return files  # type: ignore[no-any-return]


OUTPUT_RECORDS = "output records"  # the session memo's partition for `remembered`
# An output folder's records as a build left them: files, groups' inputs, claims, records.
Remembered = tuple[dict[str, Record], dict[str, str], dict[str, GroupClaims], dict[str, dict[str, Record]]]


def remembered_records(memory: Partition[str, Remembered], output: Path) -> dict[str, Record] | None:
    """The records of `output`'s files that a build of this session kept, if any."""
    known = memory.get(f"output:{output}")
    return None if known is None else known[0]


class OutputWriter:
    def __init__(self, output: Path, manifest_path: Path | None,
                 remembered: Partition[str, Remembered] | None = None) -> None:
        """`remembered` (for `serve`, whose output folder is private) keeps the records of
        the last build in memory, where they are trusted without a look at each file."""
        self.output = output
        self.manifest_path = manifest_path
        self.remembered = remembered
        self.claimed: dict[str, tuple[str, str]] = {}
        self.folders: dict[str, str] = {}  # casefolded folder -> first claimed file inside it
        self.records: dict[str, Record] = {}
        self.staged: dict[str, None] = {}  # files written this build, in order (each once)
        self.capture: list[tuple[str, bytes, str, str | None]] | None = None  # set in a forked child
        self.made: set[Path] = set()  # staging folders known to exist
        self.verify = verify_inputs()
        self.deferred: list[Callable[[], None]] | None = None  # set: groups to write later (parallel.py)
        self.deferred_pages = 0  # how many pages those make
        self.preclaimed = False  # while writing deferred groups, whose files were claimed already
        self.trusted = False
        self.groups: dict[str, str] = {}  # group name -> inputs (see write_group)
        self.previous_groups: dict[str, str] = {}
        self.group_claims: dict[str, GroupClaims] = {}  # kept for the next build by `serve`
        self.previous_group_claims: dict[str, GroupClaims] = {}
        self.previous_group_records: dict[str, dict[str, Record]] = {}  # (see write_group)
        self.kept_groups: set[str] = set()  # groups kept whole from the last build
        marked = (output / MARKER).is_file()  # (a record describes only a folder sitegen wrote)
        self._check_output_folder(marked)
        self.previous = (self._remembered() or self._previous_manifest()) if marked else None
        self.incremental = self.previous is not None
        self.staging = staging_path(output)
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir(parents=True)

    def _check_output_folder(self, marked: bool) -> None:
        out = self.output
        if out.exists() and not out.is_dir():
            raise SitegenError(Problem(out, None, "output path exists and is not a folder"))
        if not marked and out.is_dir() and any(out.iterdir()):
            raise SitegenError(Problem(out, None, "this folder was not written by sitegen and is not empty; "
                                                  "refusing to replace it (choose another --output)"))

    def _remembered(self) -> dict[str, Record] | None:
        if self.remembered is None:
            return None
        known = self.remembered.get(f"output:{self.output}")
        if known is None:
            return None
        self.trusted = True
        records, self.previous_groups, self.previous_group_claims, self.previous_group_records = known  # type: ignore[misc]
        return records  # type: ignore[no-any-return]

    def _previous_manifest(self) -> dict[str, Record] | None:
        if self.manifest_path is None:
            return None
        try:
            raw = json.loads(self.manifest_path.read_text("utf-8"))
            records = {path: Record(*values) for path, values in raw["files"].items()}
            self.previous_groups = {str(k): str(v) for k, v in raw.get("groups", {}).items()}
            return records
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None

    def claim(self, rel: str, origin: str) -> None:
        """Reserve an output path; two sources for one path (in any case) is an error,
        and so is a file where another source needs a folder (`x` and `x/index.html`)."""
        if self.preclaimed and rel.casefold() in self.claimed:
            return
        claim_into(self.claimed, self.folders, rel, origin)

    def _claim_group(self, name: str, inputs: str, rels: Callable[[], list[tuple[str, str]]]) -> None:
        """Claim a group's paths. In `serve`, a group claimed last time with the same
        inputs (so the same paths) is checked against this build's other claims with a
        few set operations instead of path by path; a clash is then reported as usual."""
        known = self.previous_group_claims.get(name)
        if known is None or known[0] != inputs:
            keys: dict[str, tuple[str, str]] = {}
            folders: dict[str, str] = {}
            for rel, origin in rels():
                claim_into(keys, folders, rel, origin)
            known = (inputs, keys, folders)
        self.group_claims[name] = known
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

    def write(self, rel: str, data: bytes, origin: str) -> None:
        self.claim(rel, origin)
        self._write_claimed(rel, data, None)

    def write_lazy(self, rel: str, inputs: str, produce: Callable[[], bytes], origin: str) -> None:
        """Write `produce()`, unless the file built from the same `inputs` (a digest of
        everything that shapes its bytes) is still intact: then it is not even produced."""
        self.claim(rel, origin)
        old = self.previous.get(rel) if self.previous else None
        if old is not None and old.inputs == inputs and self._intact(rel, old):
            if self.verify and _digest(produce()) != old.digest:
                raise StaleInputs(f"{rel}: same inputs, different bytes")
            self.records[rel] = old
            return
        if self.deferred is not None and not self.preclaimed:  # made later, on both cores (parallel.py)
            self.deferred.append(lambda: self._write_claimed(rel, produce(), inputs))
            self.deferred_pages += 1
            return
        self._write_claimed(rel, produce(), inputs)

    def defer_pages(self) -> None:
        """From now on, pages that must be made are kept for later (`deferred_work`),
        so that they can be rendered on every core (build/parallel.py)."""
        self.deferred, self.deferred_pages = [], 0

    def deferred_work(self) -> tuple[list[Callable[[], None]], int]:
        """The work kept since `defer_pages` and how many pages it makes; deferring ends."""
        work, count = self.deferred or [], self.deferred_pages
        self.deferred, self.deferred_pages = None, 0
        return work, count

    @contextmanager
    def writing_deferred(self) -> Iterator[None]:
        """While deferred work runs, its files were claimed when it was deferred."""
        self.preclaimed = True
        try:
            yield
        finally:
            self.preclaimed = False

    def become_forked_sink(self) -> None:
        """In a forked renderer: keep records and files for the parent, which writes."""
        self.records, self.capture = {}, []

    def take_captured(self) -> list[tuple[str, bytes, str, str | None]]:
        """The files a forked renderer made since the last call (see become_forked_sink)."""
        captured, self.capture = self.capture or [], []
        return captured

    def write_group(self, name: str, inputs: str, rels: Callable[[], list[tuple[str, str]]],
                    write_all: Callable[[], None], whole: bool = True) -> None:
        """Files (`rels()`: (path, origin) pairs) whose bytes follow from the group's
        `inputs`: when those are as last time and the files intact, the files are kept
        without each being looked at (thousands of entry pages). Otherwise `write_all()`
        writes them: later (on both cores, parallel.py) when `whole`, else now, so that
        each file's own inputs decide (see write_lazy). `serve` keeps a group's records
        whole (see `_group_records`)."""
        if self._kept_whole(name, inputs, rels):
            self.groups[name] = inputs
            return
        listed = rels()
        old = self.previous or {}
        current = self.previous_groups.get(name) == inputs and all(
            rel in old and self._intact(rel, old[rel]) for rel, _ in listed)
        if current and not self.verify:
            self._claim_group(name, inputs, lambda: listed)
            self.records.update((rel, old[rel]) for rel, _ in listed)
        elif self.deferred is not None and not current and whole:
            self._claim_group(name, inputs, lambda: listed)
            self.deferred.append(write_all)
            self.deferred_pages += len(listed)
        else:
            write_all()
            changed = [rel for rel, _ in listed if current and self.records[rel].digest != old[rel].digest]
            if changed:
                raise StaleInputs(f"{changed[0]}: the group {name!r} has the same inputs, but not this file")
        self.groups[name] = inputs

    def _kept_whole(self, name: str, inputs: str, rels: Callable[[], list[tuple[str, str]]]) -> bool:
        """In `serve` (whose private output is trusted), a group kept or written last time
        with the same inputs: its files' records from then stand, with one dict update
        (what `write_group` would find looking at each file; see `_group_records`)."""
        kept = self.previous_group_records.get(name)
        claims = self.previous_group_claims.get(name)
        if kept is None or claims is None or not self.trusted or self.verify \
                or not claims[0] == inputs == self.previous_groups.get(name):
            return False
        self._claim_group(name, inputs, rels)
        self.records.update(kept)
        self.kept_groups.add(name)
        return True

    def _write_claimed(self, rel: str, data: bytes, inputs: str | None) -> None:
        digest = _digest(data)
        if self._unchanged(rel, digest, inputs):
            return
        if self.capture is not None:  # a forked child's page: its parent writes it (parallel.py)
            self.capture.append((rel, data, digest, inputs))
            return
        self.put(rel, data, digest, inputs)

    def put(self, rel: str, data: bytes, digest: str, inputs: str | None) -> None:
        """Stage a file known to have changed: a few system calls, as a cold build of a
        long liveblog stages thousands."""
        folder, _, _ = rel.rpartition("/")
        self._folder(self.staging / folder if folder else self.staging)
        fd = os.open(os.path.join(self.staging, rel), os.O_WRONLY | os.O_CREAT | os.O_TRUNC | O_CLOEXEC, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            stat = os.fstat(fd)
        finally:
            os.close(fd)
        self._record_staged(rel, Record(digest, stat.st_size, stat.st_mtime_ns, inputs))

    def _folder(self, folder: Path) -> None:
        if folder not in self.made:
            try:
                os.mkdir(folder)  # its parent is usually there already (entries/ for an entry page)
            except FileNotFoundError:
                folder.mkdir(parents=True, exist_ok=True)
            except FileExistsError:
                pass
            self.made.add(folder)

    def copy(self, rel: str, source: Path, origin: str) -> None:
        """Copy a static file; its identity is its source's size and mtime."""
        self.claim(rel, origin)
        stat = source.stat()
        digest = f"file:{stat.st_size}:{stat.st_mtime_ns}"
        if self._unchanged(rel, digest):
            return
        target = self.staging / rel
        self._folder(target.parent)
        shutil.copyfile(source, target)
        self._staged(rel, digest, target)

    def _unchanged(self, rel: str, digest: str, inputs: str | None = None) -> bool:
        old = self.previous.get(rel) if self.previous else None
        if old is None or old.digest != digest or not self._intact(rel, old):
            return False
        self.records[rel] = old if old.inputs == inputs else Record(digest, old.size, old.mtime_ns, inputs)
        return True

    def _intact(self, rel: str, old: Record) -> bool:
        """The file on disk is still the one last built (same size and mtime)."""
        if self.trusted:
            return True
        try:
            stat = os.stat(os.path.join(self.output, rel))
        except OSError:
            return False
        return (stat.st_size, stat.st_mtime_ns) == (old.size, old.mtime_ns)

    def _staged(self, rel: str, digest: str, target: Path, inputs: str | None = None) -> None:
        stat = target.stat()
        self._record_staged(rel, Record(digest, stat.st_size, stat.st_mtime_ns, inputs))

    def _record_staged(self, rel: str, record: Record) -> None:
        self.records[rel] = record
        self.staged[rel] = None  # (a file written again when a forked child failed midway counts once)

    @property
    def written(self) -> int:
        return len(self.staged)

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    def commit(self) -> None:
        """Make the staged build the output; afterwards nothing stale remains. What a
        reader of the output sees meanwhile, and what a kill leaves: see publish.py."""
        staged_manifest = None
        try:
            (self.staging / MARKER).write_text(MARKER_TEXT, "utf-8")
            manifest, staged_manifest = self._stage_manifest()
            if self.incremental:
                assert self.previous is not None
                stale = sorted(self.previous.keys() - self.records.keys())
                journal = Journal(str(self.staging), ordered(self.staged, self.output), stale, manifest,
                                  staged_manifest)
                publish_changes(self.output, journal)
            else:
                publish_swap(self.output, Journal(str(self.staging), [], [], manifest, staged_manifest))
        except PartlyPublished:
            if self.remembered is not None:  # some files are new now: the records kept describe neither build
                self.remembered.pop(f"output:{self.output}", None)
            raise  # (the journal needs the staged files and record: the next build completes it)
        except BaseException:
            if not journal_path(self.output).exists():  # nothing was published: leave nothing behind
                self.abort()
                if staged_manifest is not None:
                    Path(staged_manifest).unlink(missing_ok=True)
            raise
        if self.remembered is not None:
            self.remembered[f"output:{self.output}"] = (self.records, self.groups, self.group_claims,
                                                        self._group_records())

    def _group_records(self) -> dict[str, dict[str, Record]]:
        """Each claimed group's files' records, for `serve`'s next build: a group kept
        whole can then be kept again with one dict update, not a look at each file."""
        found: dict[str, dict[str, Record]] = {}
        for name, (_, keys, _) in self.group_claims.items():
            known = self.previous_group_records.get(name) if name in self.kept_groups else None
            if known is None:
                known = {rel: self.records[rel] for rel, _ in keys.values() if rel in self.records}
                if len(known) != len(keys):
                    continue
            found[name] = known
        return found

    def _stage_manifest(self) -> tuple[str | None, str | None]:
        """The record of this build's files, written beside its final place and installed
        by the publication's last step: (final path, staged path), (path, None) to remove
        the old record, or (None, None) to leave it."""
        if self.manifest_path is None:
            return None, None
        if self.remembered is not None:  # the records live in memory: a file would go stale
            return str(self.manifest_path), None
        if self.records == self.previous and self.groups == self.previous_groups and self.manifest_path.is_file():
            return None, None  # nothing changed (a warm build): the record on disk is this build's
        staged = stage_manifest(self.manifest_path, self.records, self.groups)
        return str(self.manifest_path), None if staged is None else str(staged)


def stage_manifest(path: Path, records: dict[str, Record], groups: dict[str, str]) -> Path | None:
    """The record of what a build wrote, beside `path` (the publication installs it last:
    see publish.py); None when it cannot be written: the next build then writes everything."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(f".tmp-{os.getpid()}")
        files = {k: [r.digest, r.size, r.mtime_ns, r.inputs] for k, r in records.items()}
        temp.write_text(json.dumps({"files": files, "groups": groups}), "utf-8")
    except OSError:
        return None
    return temp


def save_manifest(path: Path, records: dict[str, Record], groups: dict[str, str]) -> None:
    """The record of what a build wrote, in place at once (written by `deploy --watch` as
    it stops, from the records its in-memory builds kept)."""
    temp = stage_manifest(path, records, groups)
    try:
        if temp is not None:
            os.replace(temp, path)
    except OSError:
        pass  # without a manifest the next build simply writes everything
