"""Deciding what a build need not write: the files the last build left that still stand.

A file stands when the last build's record (record.py) says it has the same bytes, or
was made from the same inputs, and it is still on disk as that build left it (same size
and mtime; `serve`'s record, kept in memory for a private output, is trusted as it is).
A group of pages (thousands of entry pages) stands as a whole when its inputs are as
last time. The decisions are read-only: the writer records and writes (writer.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterator

from sitegen.output.record import FileRecord, OutputRecord, digest


def verify_inputs() -> bool:
    """SITEGEN_VERIFY_INPUTS=1 (the test suite sets it) produces every lazily written
    file anyway, and fails loudly when its inputs claim it unchanged but its bytes differ."""
    return os.environ.get("SITEGEN_VERIFY_INPUTS") == "1"


class StaleInputs(AssertionError):
    """A file's declared inputs missed something that changes its bytes: a bug in sitegen."""


class SkipDecider:
    """What of the last build's output this build may keep, so that an unchanged page
    is neither written nor (when its inputs say so) even rendered."""

    def __init__(self, output: Path, previous: OutputRecord | None, verify: bool,
                 changed: frozenset[str] | None = None) -> None:
        """`previous`: the last build's record of `output` (None: every file is written);
        `verify`: produce each file anyway and check the claim (`verify_inputs`);
        `changed`: what a look at every file of `previous` found changed since
        (record.OutputLook), None to look at each file when it is asked about."""
        self.output = output
        self._changed = changed
        self.previous = previous
        self.verify = verify
        self._files = previous.files if previous else {}
        self._groups = previous.groups if previous else {}
        self._trusted = previous is not None and previous.trusted
        self._root = os.path.join(output, "")  # (joined to each path: `intact` runs for thousands)

    @property
    def incremental(self) -> bool:
        """Whether there is a record to go by (else every file is new, and the first
        publication swaps the whole staged folder in)."""
        return self.previous is not None

    def unchanged(self, rel: str, data_digest: str, inputs: str | None = None) -> FileRecord | None:
        """The record to keep for a file whose bytes are as the last build left them."""
        old = self._files.get(rel)
        if old is None or old.digest != data_digest or not self.intact(rel, old):
            return None
        return old if old.inputs == inputs else FileRecord(data_digest, old.size, old.mtime_ns, inputs)

    def same_inputs(self, rel: str, inputs: str, produce: Callable[[], bytes]) -> FileRecord | None:
        """The last build's record of a file made from the same `inputs` and still intact:
        it need not be produced (under `verify` it is, and must have the same bytes)."""
        old = self._files.get(rel)
        if old is None or old.inputs != inputs or not self.intact(rel, old):
            return None
        if self.verify and digest(produce()) != old.digest:
            raise StaleInputs(f"{rel}: same inputs, different bytes")
        return old

    def kept_whole(self, name: str, inputs: str) -> dict[str, FileRecord] | None:
        """In `serve` (whose private output is trusted), a group kept or written last time
        with the same inputs: its files' records from then, which stand as they are (what
        `group_current` would find looking at each file)."""
        previous = self.previous
        if previous is None or not self._trusted or self.verify:
            return None
        kept = previous.group_records.get(name)
        claims = previous.group_claims.get(name)
        if kept is None or claims is None or not claims[0] == inputs == self._groups.get(name):
            return None
        return kept

    def group_current(self, name: str, inputs: str, listed: list[tuple[str, str]]) -> bool:
        """Whether a group's inputs are as last time and each of its files is intact."""
        if self._groups.get(name) != inputs:
            return False
        files = self._files
        for rel, _ in listed:
            old = files.get(rel)
            if old is None or not self.intact(rel, old):
                return False
        return True

    def records_of(self, listed: list[tuple[str, str]]) -> Iterator[tuple[str, FileRecord]]:
        """The last build's records of a current group's files (`group_current`)."""
        old = self._files
        return ((rel, old[rel]) for rel, _ in listed)

    def check_group(self, name: str, listed: list[tuple[str, str]], records: dict[str, FileRecord]) -> None:
        """A current group made again (under `verify`) must have made the same bytes."""
        old = self._files
        changed = [rel for rel, _ in listed if records[rel].digest != old[rel].digest]
        if changed:
            raise StaleInputs(f"{changed[0]}: the group {name!r} has the same inputs, but not this file")

    def intact(self, rel: str, old: FileRecord) -> bool:
        """The file on disk is still the one last built (same size and mtime)."""
        if self._trusted:
            return True
        if self._changed is not None:
            return rel not in self._changed
        try:
            stat = os.stat(self._root + rel)
        except OSError:
            return False
        return (stat.st_size, stat.st_mtime_ns) == (old.size, old.mtime_ns)
