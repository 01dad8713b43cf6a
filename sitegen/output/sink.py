"""Where the writer's files go: the staged build, or a forked renderer's parent.

The writer (writer.py) decides what must be made and hands each made file to a sink.
In the building process that is the staged build (staged.py), which writes it beside
the output. A forked renderer (build/parallel.py) writes nothing: its `ForkedSink`
keeps what it made, and the parent, the one process that writes, stages it.
"""

from __future__ import annotations

from typing import Iterable, Protocol

from sitegen.output.record import FileRecord

# A file made and known to have changed: (path, bytes, digest of the bytes, inputs or None).
Made = tuple[str, bytes, str, str | None]


class Sink(Protocol):
    """What the writer needs of the place its files go."""

    records: dict[str, FileRecord]  # this build's records of the files it kept or staged

    def put(self, rel: str, data: bytes, digest: str, inputs: str | None) -> None:
        """A file known to have changed."""

    def keep(self, rel: str, record: FileRecord) -> None:
        """A file that stands as the last build left it (skip.py), with its record."""

    def keep_all(self, records: Iterable[tuple[str, FileRecord]] | dict[str, FileRecord]) -> None:
        """Many such files at once (a group kept whole)."""


class ForkedSink:
    """In a forked renderer: what it made, kept to be sent to its parent, which writes
    every file (one writing process is faster: see build/parallel.py)."""

    def __init__(self) -> None:
        self.records: dict[str, FileRecord] = {}  # the files it kept: sent last
        self._made: list[Made] = []

    def put(self, rel: str, data: bytes, digest: str, inputs: str | None) -> None:
        self._made.append((rel, data, digest, inputs))  # (recorded by the parent as it stages it)

    def keep(self, rel: str, record: FileRecord) -> None:
        self.records[rel] = record

    def keep_all(self, records: Iterable[tuple[str, FileRecord]] | dict[str, FileRecord]) -> None:
        self.records.update(records)

    def take(self) -> list[Made]:
        """The files made since the last call, to send to the parent."""
        made, self._made = self._made, []
        return made
