"""Writing the output folder: all or nothing, and only what changed.

The pipeline writes every file through an `OutputWriter`, which composes the parts
that each answer one question:

- `claims.Claims`: may this path be written (no two sources write one file)?
- `skip.SkipDecider`: does the last build's file still stand (not written, perhaps
  not even rendered)?
- `staged.StagedBuild` takes what must be written: staged beside the output, published
  whole by `commit`; in a forked renderer, its `share` of the parent's staged build,
  whose records go to the parent (build/parallel.py).

The writer's modes are separate writers over the same parts, made once: one that
defers pages to make them later on every core (`deferring`), one that makes deferred
pages whose paths were claimed already (`preclaimed`), one that stages them into a
forked renderer's share of the staged build (`into`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from sitegen.core.errors import Problem, SitegenError
from sitegen.core.forking import Progress
from sitegen.core.memo import Partition
from sitegen.output.claims import Claims
from sitegen.output.publish import MARKER
from sitegen.output.record import OutputLook, OutputRecord, digest, last_record, looked
from sitegen.output.skip import SkipDecider, verify_inputs
from sitegen.output.staged import StagedBuild

Task = Callable[["OutputWriter"], None]  # makes some pages, writing them with the writer it is given


@dataclass
class Deferred:
    """Pages to make later, so that they can be rendered on every core (build/parallel.py)."""

    tasks: list[Task] = field(default_factory=list)
    pages: int = 0  # how many pages the tasks make

    def add(self, task: Task, pages: int) -> None:
        self.tasks.append(task)
        self.pages += pages


@dataclass(frozen=True)
class OutputWriter:
    """What the build writes its files through: each path claimed, each file the last
    build left kept when it stands, the rest staged (see the module doc)."""

    skip: SkipDecider
    claims: Claims
    staged: StagedBuild
    deferred: Deferred | None = None  # pages that must be made are added here, not made
    preclaimed: bool = False  # deferred pages: their paths were claimed when they were deferred

    @classmethod
    def open(cls, output: Path, manifest: Path | None,
             memory: Partition[str, OutputRecord] | None = None, look: OutputLook | None = None) -> OutputWriter:
        """A writer for a new build of `output`, the last build known from its record
        (`manifest`, or `memory` for `serve`, whose output folder is private: there the
        records of the last build are trusted without a look at each file); `look`: a
        look at each of the manifest's files taken already (build/start.py)."""
        marked = (output / MARKER).is_file()  # (a record describes only a folder sitegen wrote)
        _check_output_folder(output, marked)
        previous = last_record(output, manifest, memory) if marked else None
        changed = looked(look, manifest) if manifest is not None and previous is not None else None
        staged = StagedBuild(output, manifest, previous, memory)
        return cls(SkipDecider(output, previous, verify_inputs(), changed),
                   Claims(previous.group_claims if previous else {}), staged)

    def deferring(self, deferred: Deferred) -> OutputWriter:
        """This writer, but pages that must be made are added to `deferred` (claimed now)."""
        return replace(self, deferred=deferred)

    def making_deferred(self) -> OutputWriter:
        """The writer for deferred work: its files were claimed when it was deferred."""
        return replace(self, deferred=None, preclaimed=True)

    def into(self, part: StagedBuild) -> OutputWriter:
        """This writer, staging into `part` (a forked renderer's `StagedBuild.share`)."""
        return replace(self, staged=part)

    @property
    def output(self) -> Path:
        return self.staged.output

    @property
    def incremental(self) -> bool:
        return self.skip.incremental

    @property
    def written(self) -> int:
        return len(self.staged.files)

    @property
    def staged_files(self) -> list[str]:
        return list(self.staged.files)

    def claim(self, rel: str, origin: str) -> None:
        """Reserve an output path (claims.py); deferred work's paths are reserved already."""
        if self.preclaimed and self.claims.known(rel):
            return
        self.claims.claim(rel, origin)

    def write(self, rel: str, data: bytes, origin: str) -> None:
        """Write bytes made already, unless the last build left the same bytes there."""
        self.claim(rel, origin)
        self._write_claimed(rel, data, None)

    def write_lazy(self, rel: str, inputs: str, produce: Callable[[], bytes], origin: str) -> None:
        """Write `produce()`, unless the file built from the same `inputs` (a digest of
        everything that shapes its bytes) is still intact: then it is not even produced."""
        self.claim(rel, origin)
        kept = self.skip.same_inputs(rel, inputs, produce)
        if kept is not None:
            self.staged.keep(rel, kept)
        elif self.deferred is not None:  # made later, on every core (parallel.py)
            self.deferred.add(lambda into: into._write_claimed(rel, produce(), inputs), 1)
        else:
            self._write_claimed(rel, produce(), inputs)

    def write_group(self, name: str, inputs: str, rels: Callable[[], list[tuple[str, str]]],
                    write_all: Task, whole: bool = True) -> None:
        """Files (`rels()`: (path, origin) pairs) whose bytes follow from the group's
        `inputs`: when those are as last time and the files intact, the files are kept
        without each being looked at (thousands of entry pages). Otherwise `write_all`
        writes them: later (on every core, parallel.py) when `whole`, else now, so that
        each file's own inputs decide (see write_lazy). `serve` keeps a group's records
        whole (`SkipDecider.kept_whole`)."""
        kept = self.skip.kept_whole(name, inputs)
        if kept is not None:
            self.claims.claim_group(name, inputs, rels)
            self.staged.keep_all(kept)
            self.staged.record_group(name, inputs, kept_whole=True)
            return
        listed = rels()
        current = self.skip.group_current(name, inputs, listed)
        if current and not self.skip.verify:
            self.claims.claim_group(name, inputs, lambda: listed)
            self.staged.keep_all(self.skip.records_of(listed))
        elif self.deferred is not None and not current and whole:
            self.claims.claim_group(name, inputs, lambda: listed)
            self.deferred.add(write_all, len(listed))
        else:
            write_all(self)
            if current:
                self.skip.check_group(name, listed, self.staged.records)
        self.staged.record_group(name, inputs)

    def copy(self, rel: str, source: Path, origin: str) -> None:
        """Copy a static file; its identity is its source's size and mtime."""
        self.claim(rel, origin)
        stat = source.stat()
        data_digest = f"file:{stat.st_size}:{stat.st_mtime_ns}"
        kept = self.skip.unchanged(rel, data_digest)
        if kept is not None:
            self.staged.keep(rel, kept)
        else:
            self.staged.copy(rel, source, data_digest)

    def _write_claimed(self, rel: str, data: bytes, inputs: str | None) -> None:
        data_digest = digest(data)
        kept = self.skip.unchanged(rel, data_digest, inputs)
        if kept is not None:
            self.staged.keep(rel, kept)
        else:
            self.staged.put(rel, data, data_digest, inputs)

    def abort(self) -> None:
        self.staged.abort()

    def commit(self, progress: Progress | None = None) -> None:
        """Publish the staged build (staged.py, publish.py), telling `progress` how far."""
        self.staged.commit(self.claims.groups, progress)


def _check_output_folder(out: Path, marked: bool) -> None:
    if out.exists() and not out.is_dir():
        raise SitegenError(Problem(out, None, "output path exists and is not a folder: choose another --output"))
    if not marked and out.is_dir() and any(out.iterdir()):
        raise SitegenError(Problem(out, None, "this folder was not written by sitegen and is not empty; "
                                              "refusing to replace it (choose another --output)"))

