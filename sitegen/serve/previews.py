"""Where a preview's pages live, and why they outlive the preview.

`sitegen serve` builds with `base_url` set to its own address, so its pages differ from
`sitegen build`'s and need a folder of their own. That folder is kept in the site's cache
folder, one per address asked for (`--host`, `--port`), and the record of its files is
saved as the preview stops: the next preview at the same address starts from those
pages, and its first build makes only what changed meanwhile, as a second `sitegen
build` does, instead of every page of the liveblog again (what an editor waited for each
time they opened a preview of a long liveblog). Every page carries the address: a preview
that finds its port taken and serves on the next one makes every page again.

Each running preview holds its folder's lock (lock.py), so a folder whose lock nobody
holds belongs to a preview that has ended (or was killed): a starting preview removes
those of other addresses, so the cache folder keeps at most one ended preview besides
the running ones. It renames them first (`REMOVING`) and deletes them once it serves:
deleting a long liveblog's pages took seconds (1.3 s at 10,000 entries) before the
first build could begin. A preview stopped meanwhile leaves them to the next one.
When its own folder is held by another process, or cannot be made (a site folder on
a read-only disk, where `sitegen build` works too), a preview builds into a private
temporary folder instead, removed when it stops (as are those of previews killed
before).
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import threading
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from sitegen.build.start import cache_folder, default_options, manifest_path, settled_output
from sitegen.core.errors import SitegenError
from sitegen.output.lock import is_locked, lock_path

TEMPORARY_PREFIX = "sitegen-serve-"  # a private temporary folder's name (in the system's)
KEPT_PREFIX = "preview-"  # a kept folder's name (in the site's cache folder)
OUTPUT = "site"  # the output folder inside a preview's folder (its lock file sits beside it)
REMOVING = "removing-"  # before an ended preview's folder name: set aside, to be deleted


@dataclass(frozen=True)
class PreviewFolder:
    """The folder a preview builds into (`output`, inside `folder`), held for its life."""

    folder: Path
    kept: bool  # the site's kept folder for this address (else a temporary one, removed at the end)

    @property
    def output(self) -> Path:
        return self.folder / OUTPUT


def hold_preview_folder(source: Path, host: str, port: int, held: ExitStack) -> PreviewFolder:
    """The folder for the preview of `source` asked for at `host` and `port`, its lock
    held in `held`: the one kept for that address (with any publication a killed preview
    left there finished), else (busy, or not to be made there) a new temporary one.
    Ended previews' folders are set aside first (`set_aside_ended_previews`; deleted
    once the preview serves: `remove_set_aside_meanwhile`)."""
    kept = kept_folder(source, host, port)
    set_aside_ended_previews(source, keep=kept)
    if kept is not None:
        try:
            held.enter_context(settled_output(kept / OUTPUT, wait=False))
            return PreviewFolder(kept, kept=True)
        except SitegenError:  # (OutputBusy, or the folder cannot be made: the preview works without it)
            pass
    temporary = PreviewFolder(Path(tempfile.mkdtemp(prefix=TEMPORARY_PREFIX)).resolve(), kept=False)
    held.enter_context(settled_output(temporary.output, wait=False))
    return temporary


def kept_folder(source: Path, host: str, port: int) -> Path | None:
    """Where the preview of `source` asked for at `host` and `port` is kept between
    previews (None: the build keeps nothing, so neither does the preview)."""
    cache = cache_folder(default_options(source))
    if cache is None:
        return None
    return cache / f"{KEPT_PREFIX}{hashlib.sha256(f'{host} {port}'.encode()).hexdigest()[:16]}"


def set_aside_ended_previews(source: Path, keep: Path | None = None) -> None:
    """Set aside the folders of previews that have ended (their output records removed):
    the site's kept ones but `keep`, and temporary ones whose preview was killed, renamed
    in place for `remove_set_aside`. A folder without a lock file is left alone (a
    preview that is making it has not locked it yet)."""
    for folder in _preview_folders(source):
        output = folder / OUTPUT
        if folder == keep or not folder.is_dir() or not lock_path(output).is_file() or is_locked(output):
            continue
        forget_output(source, output)
        try:
            folder.rename(folder.with_name(REMOVING + folder.name))
        except OSError:  # (taken by another starting preview meanwhile, or cannot be renamed)
            shutil.rmtree(folder, ignore_errors=True)


def remove_set_aside(source: Path) -> None:
    """Delete every folder set aside (by this preview, or left by one stopped before it
    deleted them)."""
    for folder in _preview_folders(source, REMOVING):
        shutil.rmtree(folder, ignore_errors=True)


def _preview_folders(source: Path, before: str = "") -> list[Path]:
    """The temporary previews' folders and the site's kept ones, their names beginning
    with `before` (`REMOVING`: those set aside)."""
    cache = cache_folder(default_options(source))
    return [*Path(tempfile.gettempdir()).glob(f"{before}{TEMPORARY_PREFIX}*"),
            *(cache.glob(f"{before}{KEPT_PREFIX}*") if cache is not None else ())]


def remove_set_aside_meanwhile(source: Path) -> None:
    """`remove_set_aside` in a thread of its own: the preview serves meanwhile."""
    threading.Thread(target=remove_set_aside, args=(source,), name="sitegen-cleanup", daemon=True).start()


def forget_output(source: Path, output: Path) -> None:
    """Remove the record builds of `source` keep of `output` (a folder that is gone)."""
    manifest = manifest_path(default_options(source, output))
    if manifest is not None:
        manifest.unlink(missing_ok=True)
