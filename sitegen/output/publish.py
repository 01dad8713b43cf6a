"""Publishing a finished build: a reader of the output never sees it half done.

A build is staged in full in `.OUT.staging-PID` beside the output OUT before this
module touches OUT. Then, one of two ways:

- **Swap** (the first build, or one without a trustworthy record of the last):
  on Linux one `renameat2(RENAME_EXCHANGE)` trades the staged folder and OUT in a
  single step; there is no instant without an output folder, nor one with half of
  each. The old tree, now at the staging name, is renamed `.OUT.old-PID` and
  removed. Where the exchange is not available (another kernel or file system),
  the staged files are moved into the existing OUT one by one in the order below
  and the files it no longer has are deleted after: never a moment with no output
  folder, at worst a moment with some new pages beside the old ones, and the order
  keeps every link working meanwhile. (A rename of OUT away and the staging in
  would leave no folder at all between the two, and none if killed there.)
- **Changes** (later builds): only the changed files are staged, side by side in
  the staging folder under names that spell their paths (`staged_name`: no folder
  per page to create there, and none left to remove after the moves: after a theme
  change at 10,000 entries, the empty folders alone took a second to remove); they
  are moved in, in an order that keeps every link working: first the files that are new
  (nothing published links to them yet), then the replaced ones; each of the two
  in the order media and assets, entry pages, older pages, topic pages, front
  pages, feeds (`rank`; `sitegen deploy` uploads in the same order); `updates.json`
  files last of all (they name entries whose pages must be there); deletions after
  everything.

Either way a journal (`.OUT.journal`) is written before the first move and
removed after the last step. A build killed in between leaves it, and the next
command that touches OUT (`build`, `serve`, `deploy`), holding the output's lock,
rolls the interrupted publication forward before anything else: every step is
idempotent (a file already moved is no longer in the staging folder). A move that
fails (a read-only folder, a full disk) stops the publication with a message that
says how many files were published; the journal stays, and the next build
completes it once the cause is fixed. The build's record of its files (the
manifest) is staged too and installed last, so the next build never trusts a
record that does not describe the output.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import re
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable

from sitegen.core.errors import Problem, SitegenError
from sitegen.core.forking import Progress, counting

log = logging.getLogger("sitegen")

MARKER = ".sitegen-output"
RENAME_EXCHANGE = 2  # linux/fs.h
AT_FDCWD = -100
NO_EXCHANGE = {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP}
MAX_STAGED_NAME = 240  # bytes: file systems allow 255 in a name
FEEDS = ("feed.xml", "atom.xml", "feed.json", "sitemap.xml")


class PartlyPublished(SitegenError):
    """Publication stopped after some files were moved in; the journal finishes it next time."""

    def __init__(self, problem: Problem, done: int, total: int) -> None:
        super().__init__(problem)
        self.outcome = f"published {done} of {total} files; the next build completes it"


@dataclass(frozen=True)
class Journal:
    """What a publication will do; enough to finish it after the process died."""

    staging: str
    moves: list[str]  # relative paths, in order
    deletions: list[str]
    manifest: str | None = None  # the record of the output's files, installed at the end
    manifest_staged: str | None = None  # ... from here; None: the old record is removed
    swap_inode: int | None = None  # a swap: the staged tree's inode (is it OUT already?)
    flat: bool = False  # changes staged by `staged_name` (else as a tree: a swap, or an older sitegen's)


def staged_path(staging: str, rel: str, flat: bool) -> str:
    """Where the file published at `rel` is staged: side by side (`flat`) or in a tree."""
    return os.path.join(staging, staged_name(rel) if flat else rel)


def staged_name(rel: str) -> str:
    """A changed file's name in the staging folder: its path, `%` and `/` escaped (one
    name per path, and back again), or, past a file name's usual limit, a hash of it."""
    name = rel.replace("%", "%25").replace("/", "%2F")
    if len(name.encode("utf-8", "surrogateescape")) <= MAX_STAGED_NAME:
        return name
    return "%%" + hashlib.sha256(rel.encode("utf-8", "surrogateescape")).hexdigest()  # (never an escaped path)


def journal_path(output: Path) -> Path:
    return output.parent / f".{output.name}.journal"


def staging_path(output: Path) -> Path:
    return output.parent / f".{output.name}.staging-{os.getpid()}"


def old_path(output: Path) -> Path:
    return output.parent / f".{output.name}.old-{os.getpid()}"


PAGES = (".html", ".htm")
# The kinds of output file, in the order they are published (`sitegen deploy` groups them
# into its upload stages, deploy/plan.py): what a file links to goes before it.
ASSETS, ENTRY_PAGES, OLDER_PAGES, TOPIC_PAGES, FRONT_PAGES, FEED_FILES, LIVE_UPDATES = range(7)
PAGE_KINDS = {"entries": ENTRY_PAGES, "page": OLDER_PAGES, "topics": TOPIC_PAGES}  # L/KIND/... (core/urls.py)


def rank(rel: str) -> int:
    """A file's place in the order of publication: one of the kinds above."""
    name = rel.rpartition("/")[2]
    if name == "updates.json":
        return LIVE_UPDATES
    if name in FEEDS:
        return FEED_FILES
    if not name.endswith(PAGES):
        return ASSETS  # media, assets, static files
    parts = rel.split("/", 2)
    return PAGE_KINDS.get(parts[1], FRONT_PAGES) if len(parts) == 3 else FRONT_PAGES


def ordered(rels: Iterable[str], output: Path) -> list[str]:
    """New files first, then replaced ones, each by rank; `updates.json` last of all."""
    def key(rel: str) -> tuple[bool, bool, int, str]:
        kind = rank(rel)
        return kind == LIVE_UPDATES, os.path.lexists(os.path.join(output, rel)), kind, rel
    return sorted(rels, key=key)


def publish_changes(output: Path, journal: Journal, progress: Progress | None = None) -> None:
    """Move the staged changes in and delete what is gone (see the module doc);
    `progress` is told how many files are moved in (after a theme change, every page)."""
    _check_writable(output, journal)
    if journal.moves or journal.deletions:  # (a warm build changes nothing a kill could tear)
        _write_journal(output, journal)
    _roll_forward(output, journal, progress)


def publish_swap(output: Path, journal: Journal) -> None:
    """Make the staged folder the output in one step (see the module doc)."""
    staging = Path(journal.staging)
    if not output.exists():
        os.rename(staging, output)  # one step, and there was no output to keep
        _install_manifest(journal)
        return
    _check_writable(output, journal)
    journal = Journal(**{**asdict(journal), "swap_inode": os.stat(staging).st_ino})
    _write_journal(output, journal)
    try:
        _finish_swap(output, journal)
    except PartlyPublished:
        raise
    except OSError:
        if os.stat(output).st_ino != journal.swap_inode:  # the exchange did not happen: nothing to finish
            journal_path(output).unlink(missing_ok=True)
        raise


def _finish_swap(output: Path, journal: Journal) -> None:
    staging = Path(journal.staging)
    if os.stat(output).st_ino != journal.swap_inode:
        try:
            exchange(staging, output)
        except OSError as exc:
            if exc.errno not in NO_EXCHANGE:
                raise
            _move_tree_in(output, journal)
            return
    old = old_path(output)
    if staging.exists():
        os.replace(staging, old)  # (a recognisable name, should the removal be cut short)
    shutil.rmtree(old, ignore_errors=True)
    _install_manifest(journal)
    journal_path(output).unlink(missing_ok=True)


def _move_tree_in(output: Path, journal: Journal) -> None:
    """Without an exchange: every staged file moved into OUT in order, then the rest deleted."""
    staging = Path(journal.staging)
    staged = _files(staging)
    gone = sorted(_files(output) - staged)
    moves = [rel for rel in ordered(staged, output) if rel != MARKER]
    plan = Journal(journal.staging, moves, gone, journal.manifest, journal.manifest_staged)
    _write_journal(output, plan)
    _roll_forward(output, plan)


def _files(folder: Path) -> set[str]:
    found: set[str] = set()
    for root, _, names in os.walk(folder):
        rel = os.path.relpath(root, folder)
        found.update(name if rel == "." else f"{rel}/{name}".replace(os.sep, "/") for name in names)
    return found


def exchange(a: Path, b: Path) -> None:
    """Trade two paths in one atomic step (Linux `renameat2` with RENAME_EXCHANGE)."""
    import ctypes  # (here: only a first build swaps; every build with nothing to do would import it)

    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available", str(b))
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(b))


def _check_writable(output: Path, journal: Journal) -> None:
    """Refuse before the first move when a folder to change is not writable: then truly
    nothing was published (the usual cause: a read-only output folder or file system)."""
    folders = {output.parent} | {
        os.path.dirname(os.path.join(output, rel)) for rel in [*journal.moves, *journal.deletions]}
    for folder in sorted(map(str, folders)):
        while not os.path.isdir(folder) and folder != os.path.dirname(folder):
            folder = os.path.dirname(folder)  # a folder to create: its nearest existing parent
        if not os.access(folder, os.W_OK):
            raise SitegenError(Problem(Path(folder), None, "this folder is read-only, so the build cannot be "
                                                           "published into it; make it writable (or choose "
                                                           "another --output)"))


def _write_journal(output: Path, journal: Journal) -> None:
    path = journal_path(output)
    temp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    temp.write_text(json.dumps(asdict(journal)), "utf-8")
    os.replace(temp, path)


def _roll_forward(output: Path, journal: Journal, progress: Progress | None = None) -> None:
    """Do (or finish) a journal's moves, then its deletions and the manifest; each step
    may have been done already by a process that died."""
    staging = journal.staging
    done = 0
    told = counting(progress, "Publishing files", len(journal.moves))
    try:
        for done, rel in enumerate(journal.moves):
            source = staged_path(journal.staging, rel, journal.flat)
            if os.path.lexists(source):
                target = os.path.join(output, rel)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                _move(source, target)
            told(done + 1)
        done = len(journal.moves)
        if os.path.lexists(os.path.join(staging, MARKER)):
            _move(os.path.join(staging, MARKER), os.path.join(output, MARKER))
        _delete(output, journal.deletions)
    except OSError as exc:
        if done == 0 and not _moved_any(journal):
            shutil.rmtree(staging, ignore_errors=True)
            journal_path(output).unlink(missing_ok=True)
            raise
        raise PartlyPublished(describe(exc, output), done, len(journal.moves)) from None
    _install_manifest(journal)
    shutil.rmtree(staging, ignore_errors=True)
    journal_path(output).unlink(missing_ok=True)


def _move(source: str, target: str) -> None:
    """One step of a publication (the fault tests stop the process here)."""
    os.replace(source, target)


def _moved_any(journal: Journal) -> bool:
    return bool(journal.moves) and not os.path.lexists(staged_path(journal.staging, journal.moves[0], journal.flat))


def _delete(output: Path, deletions: list[str]) -> None:
    """Delete what the new build does not have, then the folders that left empty."""
    folders: set[str] = set()
    for rel in deletions:
        try:
            os.unlink(os.path.join(output, rel))
        except FileNotFoundError:
            pass
        parts = rel.split("/")[:-1]
        folders.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    for folder in sorted(folders, key=lambda f: f.count("/"), reverse=True):  # deepest first
        try:
            os.rmdir(os.path.join(output, folder))
        except OSError:
            pass  # not empty: it holds files of this build


def _install_manifest(journal: Journal) -> None:
    if journal.manifest is None:
        return
    if journal.manifest_staged is None:
        Path(journal.manifest).unlink(missing_ok=True)
    elif os.path.exists(journal.manifest_staged):
        os.replace(journal.manifest_staged, journal.manifest)


def recover(output: Path) -> int | None:
    """Finish a publication a dead process left (hold the output's lock). Returns how
    many files it listed, or None when there was none."""
    path = journal_path(output)
    try:
        journal = Journal(**json.loads(path.read_text("utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError) as exc:
        raise SitegenError(Problem(path, None, f"cannot read the record of an interrupted publication ({exc}); "
                                               "delete it and build with --no-cache")) from None
    if not os.path.isdir(journal.staging) and journal.manifest_staged and os.path.exists(journal.manifest_staged):
        _forget_record(journal)  # its staged files are gone: the next build makes everything
        path.unlink(missing_ok=True)
        return len(journal.moves)
    try:
        if journal.swap_inode is not None:
            _finish_swap(output, journal)
        else:
            _roll_forward(output, journal)
    except PartlyPublished:
        raise
    except OSError as exc:
        raise SitegenError(describe(exc, output)) from None
    log.info("Finished publishing a build that was interrupted (%d files) into %s.", len(journal.moves), output)
    return len(journal.moves)


def _forget_record(journal: Journal) -> None:
    for name in (journal.manifest, journal.manifest_staged):
        if name is not None:
            Path(name).unlink(missing_ok=True)


def remove_leftovers(output: Path) -> list[Path]:
    """Remove staging and old folders beside `output` whose process is gone (after `recover`)."""
    pattern = re.compile(rf"\.{re.escape(output.name)}\.(?:staging|old)-(\d+)")
    removed = []
    try:
        names = os.listdir(output.parent)
    except OSError:
        return []
    for name in names:
        found = pattern.fullmatch(name)
        if found and not _alive(int(found.group(1))):
            shutil.rmtree(output.parent / name, ignore_errors=True)
            removed.append(output.parent / name)
    journal = journal_path(output)
    for temp in output.parent.glob(f"{journal.name}.tmp-*"):
        pid = temp.name.rpartition("-")[2]
        if pid.isdigit() and not _alive(int(pid)):  # (a name not ours, `x.tmp-copy`, is left alone)
            temp.unlink(missing_ok=True)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # (our own staging is made after this, so it is from a reused id)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # (another user's process)
    return True


def describe(exc: OSError, output: Path) -> Problem:
    """What the user must fix, named by what they know: the output folder or the disk,
    not the staging file or a source file the error happened to mention."""
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        return Problem(output, None, "the disk holding the output folder is full (No space left on device); free some "
                                     "space (or choose another --output) and build again")
    if code == errno.EROFS:
        return Problem(output, None, "the output folder is on a read-only file system; choose another --output")
    if code in (errno.EACCES, errno.EPERM):
        where = _in_output(exc.filename2 or exc.filename, output)
        return Problem(where, None, "permission denied: sitegen cannot change this; make it writable "
                                    "(or choose another --output)")
    detail = _in_output(exc.filename, output) if exc.filename else output
    return Problem(output, None, f"cannot write the output: {exc.strerror or exc} ({detail})")


def _in_output(name: object, output: Path) -> Path:
    """A path the error named, as the output path the user knows (a staging file maps
    to its place in the output; anything else means the output folder)."""
    if not isinstance(name, (str, os.PathLike)):
        return output
    path = Path(os.fsdecode(name))
    for prefix in (f".{output.name}.staging-", f".{output.name}.old-"):
        for parent in (path, *path.parents):
            if parent.parent == output.parent and parent.name.startswith(prefix):
                return output / path.relative_to(parent)
    return path if path.is_relative_to(output) else output
