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
from dataclasses import dataclass
from pathlib import Path

from sitegen.errors import Problem, SitegenError

MARKER = ".sitegen-output"
MARKER_TEXT = "Written by sitegen: this folder is replaced by every build.\n"


@dataclass(frozen=True)
class Record:
    """What a built file was: a digest of its bytes and its size and mtime on disk."""

    digest: str
    size: int
    mtime_ns: int


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _clash_problem(rel: str, origin: str, other_rel: str, other: str) -> Problem:
    """Two sources want one output path; locate the message at a source file if any."""
    how = "the same output file" if rel.casefold() == other_rel.casefold() else "clashing output paths"
    case = "" if rel == other_rel or rel.casefold() != other_rel.casefold() else "; paths ignore letter case"
    message = f"{how}: {rel!r} from {origin} and {other_rel!r} from {other}{case}"
    located = next((Path(o) for o in (origin, other) if Path(o).is_absolute()), None)
    return Problem(located, None, message)


class OutputWriter:
    def __init__(self, output: Path, manifest_path: Path | None) -> None:
        self.output = output
        self.manifest_path = manifest_path
        self.claimed: dict[str, tuple[str, str]] = {}
        self.folders: dict[str, str] = {}  # casefolded folder -> first claimed file inside it
        self.records: dict[str, Record] = {}
        self.staged: list[str] = []
        self.previous = self._previous_manifest()
        self.incremental = self.previous is not None
        self.staging = output.parent / f".{output.name}.staging-{os.getpid()}"
        self._check_output_folder()
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir(parents=True)
        self.written = 0

    def _check_output_folder(self) -> None:
        out = self.output
        if out.exists() and not out.is_dir():
            raise SitegenError(Problem(out, None, "output path exists and is not a folder"))
        if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
            raise SitegenError(Problem(out, None, "this folder was not written by sitegen and is not empty; "
                                                  "refusing to replace it (choose another --output)"))

    def _previous_manifest(self) -> dict[str, Record] | None:
        if self.manifest_path is None or not (self.output / MARKER).is_file():
            return None
        try:
            raw = json.loads(self.manifest_path.read_text("utf-8"))
            return {path: Record(*values) for path, values in raw.items()}
        except (OSError, ValueError, TypeError):
            return None

    def claim(self, rel: str, origin: str) -> None:
        """Reserve an output path; two sources for one path (in any case) is an error,
        and so is a file where another source needs a folder (`x` and `x/index.html`)."""
        key = rel.casefold()
        parents = ["/".join(key.split("/")[:i]) for i in range(1, key.count("/") + 1)]
        clash = next((p for p in [key, *parents] if p in self.claimed), None)
        if clash is None and key in self.folders:
            clash = self.folders[key]
        if clash is not None:
            other_rel, other = self.claimed[clash]
            raise SitegenError(_clash_problem(rel, origin, other_rel, other))
        self.claimed[key] = (rel, origin)
        for folder in parents:
            self.folders.setdefault(folder, key)

    def write(self, rel: str, data: bytes, origin: str) -> None:
        self.claim(rel, origin)
        digest = _digest(data)
        if self._unchanged(rel, digest):
            return
        target = self.staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self._staged(rel, digest, target)

    def copy(self, rel: str, source: Path, origin: str) -> None:
        """Copy a static file; its identity is its source's size and mtime."""
        self.claim(rel, origin)
        stat = source.stat()
        digest = f"file:{stat.st_size}:{stat.st_mtime_ns}"
        if self._unchanged(rel, digest):
            return
        target = self.staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        self._staged(rel, digest, target)

    def _unchanged(self, rel: str, digest: str) -> bool:
        old = self.previous.get(rel) if self.previous else None
        if old is None or old.digest != digest:
            return False
        try:
            stat = (self.output / rel).stat()
        except OSError:
            return False
        if (stat.st_size, stat.st_mtime_ns) != (old.size, old.mtime_ns):
            return False
        self.records[rel] = old
        return True

    def _staged(self, rel: str, digest: str, target: Path) -> None:
        stat = target.stat()
        self.records[rel] = Record(digest, stat.st_size, stat.st_mtime_ns)
        self.staged.append(rel)
        self.written += 1

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    def commit(self) -> None:
        """Make the staged build the output; afterwards nothing stale remains."""
        (self.staging / MARKER).write_text(MARKER_TEXT, "utf-8")
        if self.incremental:
            self._commit_changes()
        else:
            self._commit_swap()
        self._save_manifest()

    def _commit_swap(self) -> None:
        old = self.output.parent / f".{self.output.name}.old-{os.getpid()}"
        if self.output.exists():
            os.replace(self.output, old)
        os.replace(self.staging, self.output)
        shutil.rmtree(old, ignore_errors=True)

    def _commit_changes(self) -> None:
        for rel in self.staged:
            target = self.output / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.staging / rel, target)
        os.replace(self.staging / MARKER, self.output / MARKER)
        self._remove_stale()
        shutil.rmtree(self.staging, ignore_errors=True)

    def _remove_stale(self) -> None:
        keep = set(self.records) | {MARKER}
        for folder, dirs, files in os.walk(self.output, topdown=False):
            for name in files:
                path = Path(folder) / name
                if path.relative_to(self.output).as_posix() not in keep:
                    path.unlink()
            if folder != str(self.output) and not os.listdir(folder):
                os.rmdir(folder)

    def _save_manifest(self) -> None:
        if self.manifest_path is None:
            return
        try:
            self.manifest_path.parent.mkdir(parents=True, exist_ok=True)
            temp = self.manifest_path.with_suffix(f".tmp-{os.getpid()}")
            temp.write_text(json.dumps({k: [r.digest, r.size, r.mtime_ns] for k, r in self.records.items()}), "utf-8")
            os.replace(temp, self.manifest_path)
        except OSError:
            pass  # without a manifest the next build simply writes everything
