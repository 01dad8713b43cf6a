"""Watching a site's sources with watchdog, and settling bursts of changes into one rebuild.

Only what shapes the site counts: `sitegen.yaml`, `content/`, `templates/`,
`static/`, `themes/`, `i18n/` and the active theme. Editors' lock, swap and backup files,
hidden files, reads (watchdog reports opens), and folder mtime noise are
ignored, as are the output and cache folders, so a build never triggers itself.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Callable, Iterable

from watchdog.events import (
    EVENT_TYPE_CLOSED,
    EVENT_TYPE_CREATED,
    EVENT_TYPE_DELETED,
    EVENT_TYPE_MODIFIED,
    EVENT_TYPE_MOVED,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch
from watchdog.observers.polling import PollingObserver

from sitegen.config.site_config import SOURCE_FOLDERS, AUTHORS_FILE, CONFIG_FILE
from sitegen.incremental.uptodate import source_state
from sitegen.render.themes import BUNDLED_THEMES
from sitegen.source.files import is_editor_litter

log = logging.getLogger("sitegen")

ROOT_NAMES = frozenset({CONFIG_FILE, AUTHORS_FILE, *SOURCE_FOLDERS})
CHANGES = frozenset({EVENT_TYPE_CREATED, EVENT_TYPE_DELETED, EVENT_TYPE_MODIFIED,
                     EVENT_TYPE_MOVED, EVENT_TYPE_CLOSED})
POLL_SECONDS = 0.5


def watched_folders(source: Path, theme_folder: Path | None) -> list[tuple[Path, bool]]:
    """(folder, recursive) pairs to watch: the site folder itself only for its top-level names."""
    folders = [(source, False)]
    for name in SOURCE_FOLDERS:
        if (source / name).is_dir():
            folders.append((source / name, True))
    if theme_folder is not None and theme_folder.is_dir() and not theme_folder.is_relative_to(source / "themes"):
        folders.append((theme_folder, True))
    return folders


def sources_digest(source: Path) -> str | None:
    """A digest of every source file's stamp, as the up-to-date check takes them, to tell
    what changed while no watcher ran (a new preview's first build: session.py); None when
    the stamps cannot tell (a symlink, an editor's file: uptodate.py). What a digest cannot
    show: a file saved twice within one tick of the file system's clock, around the moment
    it was read (a file system that keeps whole seconds only; Linux's tick is a few ms, less
    than a build takes to start reading)."""
    state = source_state(source, BUNDLED_THEMES, "")
    return None if state is None else state.digest


class ChangeLog:
    """The files changed since the last `take()`, as the watcher reported them, so that a
    rebuild re-reads only those. "Unknown" (None) at first, after a folder was created,
    moved or deleted (its files report nothing), and when the kernel dropped events."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._paths: set[Path] | None = None

    def add(self, paths: Iterable[Path] | None) -> None:
        with self._lock:
            if paths is None:
                self._paths = None
            elif self._paths is not None:
                self._paths.update(paths)

    def take(self) -> frozenset[Path] | None:
        """What changed since the last call; from now on, collect afresh."""
        with self._lock:
            taken = None if self._paths is None else frozenset(self._paths)
            self._paths = set()
            return taken


class _LostEvents(logging.Handler):
    """watchdog says only in its log that the kernel's event queue overflowed."""

    def __init__(self, changes: ChangeLog) -> None:
        super().__init__(logging.WARNING)
        self.changes = changes

    def emit(self, record: logging.LogRecord) -> None:
        if "overflow" in record.getMessage().lower():
            self.changes.add(None)


def report_lost_events(changes: ChangeLog) -> Callable[[], None]:
    """Mark `changes` unknown whenever watchdog reports lost events; returns the undo."""
    logger = logging.getLogger("watchdog.observers")
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)  # the warning must at least be made
    handler = _LostEvents(changes)
    logger.addHandler(handler)
    return lambda: logger.removeHandler(handler)


class SourceWatcher:
    """Calls `on_change(paths)` for every change that could alter the site (paths None:
    a folder appeared, moved or vanished, so which files changed is unknown)."""

    def __init__(self, source: Path, on_change: Callable[[tuple[Path, ...] | None], None], poll: bool = False,
                 ignore: Iterable[Path] = ()) -> None:
        self.source = source
        self.on_change = on_change
        self.ignore = tuple(ignore)
        self.observer: BaseObserver = PollingObserver(timeout=POLL_SECONDS) if poll else Observer()
        self.handler = _Handler(self)
        self.watches: dict[tuple[Path, bool], ObservedWatch] = {}
        self.roots: tuple[tuple[Path, bool], ...] = ()

    def watch(self, folders: list[tuple[Path, bool]]) -> None:
        """Watch exactly `folders` (after a config change names another theme, say)."""
        wanted = set(folders)
        for key in set(self.watches) - wanted:
            self.observer.unschedule(self.watches.pop(key))
        for key in folders:
            if key not in self.watches:
                try:
                    self.watches[key] = self.observer.schedule(self.handler, str(key[0]), recursive=key[1])
                except OSError as exc:  # e.g. the folder vanished meanwhile, or inotify's limit
                    log.warning("%s: cannot watch (%s)", key[0], exc)
        self.roots = tuple(sorted(self.watches, key=lambda k: len(k[0].parts), reverse=True))

    def start(self) -> None:
        self.observer.daemon = True
        self.observer.start()

    def stop(self) -> None:
        self.observer.stop()
        if self.observer.is_alive():
            self.observer.join(timeout=5)

    def relevant(self, path: Path) -> bool:
        """Does a change at `path` matter to the site?"""
        if any(path == i or path.is_relative_to(i) for i in self.ignore):
            return False
        for root, recursive in self.roots:
            if path == root or not path.is_relative_to(root):
                continue
            parts = path.relative_to(root).parts
            if not recursive and (len(parts) != 1 or parts[0] not in ROOT_NAMES):
                continue
            return not any(is_editor_litter(part) for part in parts)
        return False

    def dispatch(self, event: FileSystemEvent) -> None:
        if event.event_type not in CHANGES:
            return  # opens and read-only closes: the build itself reads every file
        if event.is_directory and event.event_type in (EVENT_TYPE_MODIFIED, EVENT_TYPE_CLOSED):
            return  # a folder's mtime changes with its files, which report themselves
        paths = tuple(Path(_text(p)) for p in (event.src_path, getattr(event, "dest_path", "")) if p)
        if any(self.relevant(p) for p in paths):
            log.debug("change: %s %s", event.event_type, event.src_path)
            self.on_change(None if event.is_directory else paths)


def _text(path: str | bytes) -> str:
    return path.decode(errors="surrogateescape") if isinstance(path, bytes) else path


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: SourceWatcher) -> None:
        self.watcher = watcher

    def dispatch(self, event: FileSystemEvent) -> None:
        try:
            self.watcher.dispatch(event)
        except Exception:  # noqa: BLE001 - a watcher thread that dies stops every rebuild
            log.debug("ignoring a file event that could not be read", exc_info=True)


class Debouncer:
    """Runs `action` once changes have settled: a save burst (temp file, rename,
    chmod) is one rebuild, changes during a rebuild cause exactly one more."""

    def __init__(self, action: Callable[[], None], settle: float = 0.025, longest: float = 1.0) -> None:
        self.action = action
        self.settle = settle
        self.longest = longest
        self._cond = threading.Condition()
        self._first = self._last = 0.0
        self._pending = False
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="sitegen-rebuild", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def poke(self) -> None:
        with self._cond:
            now = time.monotonic()
            if not self._pending:
                self._first = now
            self._pending, self._last = True, now
            self._cond.notify_all()

    def stop(self, timeout: float = 10.0) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _run(self) -> None:
        while self._settled():
            try:
                self.action()
            except Exception:  # noqa: BLE001 - the action reports its own errors; never stop watching
                log.exception("rebuild failed unexpectedly")

    def _settled(self) -> bool:
        """Wait for a burst to end; False once stopped."""
        with self._cond:
            self._cond.wait_for(lambda: self._pending or self._stopped)
            while not self._stopped:
                now = time.monotonic()
                quiet_at = min(self._last + self.settle, self._first + self.longest)
                if now >= quiet_at:
                    break
                self._cond.wait(quiet_at - now)
            self._pending = False
            return not self._stopped
