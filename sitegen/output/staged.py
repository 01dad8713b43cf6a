"""A build's files staged beside the output, and its record, until one commit publishes them.

Files are first written to a staging folder beside the output. Nothing touches the
output until `commit()`: a build that fails anywhere leaves the previous output byte
for byte. The first build (or one without a trustworthy record of the last) swaps the
whole staged folder in; later builds stage only files whose bytes changed, move them
into place, and delete files that are no longer built (publish.py does the moves).
"""

from __future__ import annotations

import copy
import os
import shutil
from pathlib import Path
from typing import Iterable

from sitegen.core.forking import Progress
from sitegen.core.memo import Partition
from sitegen.output.claims import GroupClaims
from sitegen.output.publish import MARKER, Journal, PartlyPublished, journal_path, ordered, publish_changes, \
    publish_swap, staged_path, staging_path
from sitegen.output.record import FileRecord, OutputRecord, remember, stage_manifest

O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
MARKER_TEXT = "Written by sitegen: this folder is replaced by every build.\n"


class StagedBuild:
    """This build's output in the making (its staged files and its record), so that one
    `commit` publishes it whole, or `abort` leaves the previous output as it was."""

    def __init__(self, output: Path, manifest: Path | None, previous: OutputRecord | None,
                 memory: Partition[str, OutputRecord] | None) -> None:
        """`previous`: the last build's record (None: the staged folder is swapped in
        whole); `memory` (for `serve`, whose output is private) keeps this build's record
        in the session memo instead of in the `manifest` file."""
        self.output = output
        self.manifest = manifest
        self.previous = previous
        self.memory = memory
        self.records: dict[str, FileRecord] = {}  # every file of this build, kept or staged
        self.groups: dict[str, str] = {}  # group name -> inputs (see OutputWriter.write_group)
        self.kept_groups: set[str] = set()  # groups kept whole from the last build
        self.files: dict[str, None] = {}  # files staged this build, in order (each once)
        self.flat = previous is not None  # changes: staged side by side (publish.staged_name), not as a tree
        self.staging = staging_path(output)
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir(parents=True)

    def share(self) -> StagedBuild:
        """A forked renderer's part of this build: it stages files into the same folder
        and records what it staged and kept apart, for the parent to `adopt`."""
        part = copy.copy(self)
        part.records, part.files = {}, {}
        return part

    def adopt(self, records: dict[str, FileRecord], files: dict[str, None]) -> None:
        """What a forked renderer's `share` recorded: the files it kept and staged."""
        self.records.update(records)
        self.files.update(files)

    def put(self, rel: str, data: bytes, digest: str, inputs: str | None) -> None:
        """Stage a file known to have changed: a few system calls, as a cold build of a
        long liveblog stages thousands."""
        path = self._staged_path(rel)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | O_CLOEXEC, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            stat = os.fstat(fd)
        finally:
            os.close(fd)
        self._record_staged(rel, FileRecord(digest, stat.st_size, stat.st_mtime_ns, inputs))

    def copy(self, rel: str, source: Path, digest: str) -> None:
        """Stage a copy of a static file known to have changed."""
        target = self._staged_path(rel)
        shutil.copyfile(source, target)
        stat = os.stat(target)
        self._record_staged(rel, FileRecord(digest, stat.st_size, stat.st_mtime_ns, None))

    def _staged_path(self, rel: str) -> str:
        """Where `rel` is staged: by its name alone for a later build's changes (see
        publish.py), else in the tree the swap makes the output (its folder made)."""
        path = staged_path(str(self.staging), rel, self.flat)
        if not self.flat and "/" in rel:
            _make_folder(os.path.dirname(path))
        return path

    def keep(self, rel: str, record: FileRecord) -> None:
        self.records[rel] = record

    def keep_all(self, records: Iterable[tuple[str, FileRecord]] | dict[str, FileRecord]) -> None:
        self.records.update(records)

    def record_group(self, name: str, inputs: str, kept_whole: bool = False) -> None:
        """A group's inputs, for the next build (`kept_whole`: its records came from the
        last build's in one piece, and go to the next one so: `_group_records`)."""
        if kept_whole:
            self.kept_groups.add(name)
        self.groups[name] = inputs

    def _record_staged(self, rel: str, record: FileRecord) -> None:
        self.records[rel] = record
        self.files[rel] = None  # (a file written again when a forked child failed midway counts once)

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    def commit(self, group_claims: dict[str, GroupClaims], progress: Progress | None = None) -> None:
        """Make the staged build the output; afterwards nothing stale remains. What a
        reader of the output sees meanwhile, and what a kill leaves: see publish.py.
        `group_claims` (claims.py) are kept with the record in `serve`'s memory;
        `progress` is told how many changed files are moved in."""
        staged_manifest = None
        try:
            (self.staging / MARKER).write_text(MARKER_TEXT, "utf-8")
            manifest, staged_manifest = self._stage_manifest()
            if self.previous is not None:
                stale = sorted(self.previous.files.keys() - self.records.keys())
                journal = Journal(str(self.staging), ordered(self.files, self.output), stale, manifest,
                                  staged_manifest, flat=self.flat)
                publish_changes(self.output, journal, progress)
            else:
                publish_swap(self.output, Journal(str(self.staging), [], [], manifest, staged_manifest))
        except PartlyPublished:
            if self.memory is not None:  # some files are new now: the records kept describe neither build
                remember(self.memory, self.output, None)
            raise  # (the journal needs the staged files and record: the next build completes it)
        except BaseException:
            if not journal_path(self.output).exists():  # nothing was published: leave nothing behind
                self.abort()
                if staged_manifest is not None:
                    Path(staged_manifest).unlink(missing_ok=True)
            raise
        if self.memory is not None:
            remember(self.memory, self.output, OutputRecord(self.records, self.groups, group_claims,
                                                            self._group_records(group_claims), trusted=True))

    def _group_records(self, group_claims: dict[str, GroupClaims]) -> dict[str, dict[str, FileRecord]]:
        """Each claimed group's files' records, for `serve`'s next build: a group kept
        whole can then be kept again with one dict update, not a look at each file."""
        previous = self.previous.group_records if self.previous else {}
        found: dict[str, dict[str, FileRecord]] = {}
        for name, (_, keys, _) in group_claims.items():
            known = previous.get(name) if name in self.kept_groups else None
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
        if self.manifest is None:
            return None, None
        if self.memory is not None:  # the records live in memory: a file would go stale
            return str(self.manifest), None
        previous = self.previous
        if previous is not None and self.records == previous.files and self.groups == previous.groups \
                and self.manifest.is_file():
            return None, None  # nothing changed (a warm build): the record on disk is this build's
        staged = stage_manifest(self.manifest, self.records, self.groups)
        return str(self.manifest), None if staged is None else str(staged)


def _make_folder(folder: str) -> None:
    """A staging folder for a file, made if missing: its parent is usually there already
    (entries/ for an entry page). Not remembered: most pages have a folder of their own,
    and a set of them was 50,000 paths held by each renderer of a long liveblog."""
    try:
        os.mkdir(folder)
    except FileExistsError:
        pass
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)
