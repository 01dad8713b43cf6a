"""`sitegen serve`: build, serve the output, rebuild on every change, reload open tabs.

The preview builds into a folder of its own (never one it watches, never the
folder `sitegen build` writes; kept for the next preview at the same address:
previews.py), with `base_url` set to the address it serves, so absolute links
work in the preview too. Rebuilds call the ordinary
`build()` with one long-lived cache: parsed and rendered entries are reused,
every page is assembled afresh, and the result is byte for byte what a fresh
`sitegen build` with the same options writes. A failed rebuild leaves the last
good output in place and shows its problems in the terminal and in every open tab.
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import secrets
import shutil
import signal
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Callable

import click

from sitegen.build.pipeline import (CACHE_DIR, BuildOptions, build, default_options, manifest_path, open_cache,
                                    settled_output)
from sitegen.build.progress import ProgressLine
from sitegen.core.forking import Progress
from sitegen.output.record import OUTPUT_RECORDS, remembered, save_manifest
from sitegen.config.site_config import CONFIG_FILE, load_config
from sitegen.output.lock import OutputBusy
from sitegen.output.publish import journal_path
from sitegen.serve.http import PreviewServer, Status, StatusHub
from sitegen.core.errors import ConfigError, Problem, SitegenError
from sitegen.model.site import Due
from sitegen.render.renderer import find_theme
from sitegen.serve.due import DueTimer
from sitegen.serve.previews import PreviewFolder, forget_output, hold_preview_folder, remove_set_aside_meanwhile
from sitegen.source.schedule import due_text, utc_now
from sitegen.serve.watch import (ChangeLog, Debouncer, SourceWatcher, report_lost_events, sources_digest,
                                 watched_folders)

log = logging.getLogger("sitegen")

PORT_TRIES = 20
# The kernel may hand Ctrl-C or SIGTERM to any thread (watchdog's, the server's), and
# Python raises it in the main thread only when that thread next runs: a long sleep
# would not end. (Seen: a preview that ignored Ctrl-C on a busy machine.)
WAKE_SECONDS = 0.2
WILDCARDS = ("0.0.0.0", "::", "")


@dataclass(frozen=True)
class Outcome:
    """What one (re)build did: its problems when it failed."""

    ok: bool
    seconds: float
    files: int = 0
    written: int = 0
    problems: tuple[str, ...] = ()
    due: Due | None = None  # when the clock alone changes the site next (schedule.py)


class Rebuilder:
    """Builds one site again and again into one output folder, reusing one in-memory cache."""

    def __init__(self, options: BuildOptions, clock: Callable[[], datetime] = utc_now,
                 locked: bool = False) -> None:
        """`locked`: the caller holds the output's lock for the Rebuilder's life (a preview's
        private folder); otherwise each build takes it (lock.py)."""
        self.options = options
        self.clock = clock
        self.locked = locked
        self.cache = open_cache(options, keep_in_memory=True)
        self.theme_folder: Path | None = None
        self.lock = threading.Lock()
        self.unsettled: frozenset[Path] | None = None  # changes no successful build has seen; None: unknown

    def rebuild(self, changed: frozenset[Path] | None = None, progress: Progress | None = None) -> Outcome:
        """Build; a user's mistake (or anything else) becomes a failed Outcome, never an exception.
        `changed`: the files the watcher saw change since the last call (None: unknown).
        They count until a build succeeds: a failed build may not have read them."""
        started = time.perf_counter()
        with self.lock:
            hint = None if changed is None or self.unsettled is None else self.unsettled | changed
            self.unsettled = hint
            try:
                result = build(replace(self.options, now=self.clock()), self.cache, progress, changed=hint,
                               locked=self.locked)
                self.unsettled = frozenset()
            except SitegenError as exc:
                return Outcome(False, time.perf_counter() - started, problems=tuple(map(str, exc.problems)))
            except Exception as exc:  # noqa: BLE001 - a bug must not take the preview down
                log.debug("build crashed", exc_info=True)
                message = f"internal error in sitegen ({type(exc).__name__}: {exc}); please report it"
                return Outcome(False, time.perf_counter() - started, problems=(message,))
            finally:
                self.find_theme()
        return Outcome(True, result.seconds, result.files, result.written, due=result.next_due)

    def find_theme(self) -> None:
        """The active theme's folder, to watch; kept from before while the config is broken."""
        try:
            config = load_config(self.options.source)
            self.theme_folder = find_theme(self.options.source, config.theme).templates[-1].parent
        except SitegenError:
            pass

    def close(self, keep_record: bool = True) -> None:
        """`keep_record`: save the record of the output as the last build left it, from
        memory to disk, so that the next build of it (a later preview's, `sitegen
        deploy`'s) starts from it; otherwise remove it (the output is about to go)."""
        known = remembered(self.cache.memo.partition(OUTPUT_RECORDS), self.options.output)
        self.cache.close()
        manifest = manifest_path(self.options)
        if manifest is None:
            return
        if keep_record and known is not None:
            save_manifest(manifest, known)
        else:
            manifest.unlink(missing_ok=True)


def _same_output(previous: Outcome | None, outcome: Outcome) -> bool:
    """The build after a good one wrote no file and removed none (as many files as before):
    what open tabs show stands, and they are not reloaded (a save that changed nothing,
    the look at every file after a start)."""
    return previous is not None and previous.ok and outcome.written == 0 and outcome.files == previous.files


def settle_default_output(source: Path) -> None:
    """Finish a publication a killed `sitegen build` left in the site's default output
    folder (the preview does not use it, but the user will); a build running now
    (holding the lock) does that itself."""
    output = default_options(source).output
    if journal_path(output).is_file() or any(output.parent.glob(f".{output.name}.staging-*")):
        try:
            with settled_output(output, wait=False):
                pass
        except OutputBusy:
            pass
        except SitegenError as exc:  # (the preview does not need that folder: say so, go on)
            log.warning("%s", exc)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def url_for(host: str, port: int) -> str:
    """The address to print and to build absolute links with (a wildcard means this machine)."""
    shown = "127.0.0.1" if host in WILDCARDS else host
    if ":" in shown:
        shown = f"[{shown.strip('[]')}]"
    return f"http://{shown}:{port}/"


def bind(host: str, port: int, root: Path, hub: StatusHub,
         say: Callable[[str], None]) -> PreviewServer:
    """A server on `port`, or on the next free one (saying so) when it is taken."""
    last = port if port == 0 else min(port + PORT_TRIES, 65535)
    for candidate in range(port, last + 1):
        try:
            server = PreviewServer((host.strip("[]"), candidate), root, hub)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                continue
            raise SitegenError(f"cannot serve on {host}:{candidate}: {exc.strerror or exc}") from None
        if candidate != port:
            say(f"Port {port} is taken; using port {candidate} instead.")
        return server
    raise SitegenError(f"ports {port}-{last} on {host} are all taken; choose another with --port")


class Session:
    """One running preview: the server thread, the watcher and the rebuild thread."""

    def __init__(self, source: Path, host: str = "127.0.0.1", port: int = 8000, *, drafts: bool = True,
                 poll: bool = False, settle: float = 0.025, say: Callable[[str], None] | None = None,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.source = source.resolve()
        self.host = host
        self.port = port
        self.drafts = drafts
        self.poll = poll
        self.settle = settle
        self.say = say or (lambda text: click.echo(text, err=True))
        self.hub = StatusHub()
        self.token = secrets.token_hex(4)  # build ids differ across restarts: open tabs reload
        self.builds = 0
        self.last: Outcome | None = None  # the latest build's outcome
        self.preview: PreviewFolder | None = None  # where it builds (held while it runs)
        self.server: PreviewServer | None = None
        self.rebuilder: Rebuilder | None = None
        self.watcher: SourceWatcher | None = None
        self.changes = ChangeLog()
        self.forget_lost_events: Callable[[], None] = lambda: None
        self.debouncer: Debouncer | None = None
        self.serving: threading.Thread | None = None
        self.clock = clock
        self.due = DueTimer(self._due_now, clock)  # rebuilds when a scheduled entry comes due
        self.held = ExitStack()  # the preview folder's lock, held while the preview runs
        self.url = ""

    def start(self) -> "Session":
        """Bind, build once, then serve and watch; a failed first build is shown, not fatal."""
        if not (self.source / CONFIG_FILE).is_file():
            raise ConfigError(Problem(self.source / CONFIG_FILE, None,
                                      f"no {CONFIG_FILE} here; is --source the site folder? (`sitegen init` makes one)"))
        settle_default_output(self.source)
        try:
            self.preview = hold_preview_folder(self.source, self.host, self.port, self.held)
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        assert self.preview is not None
        output = self.preview.output
        self.server = bind(self.host, self.port, output, self.hub, self.say)
        self.url = url_for(self.host, self.server.port)
        if not is_loopback(self.host):
            log.warning("serving on %s: other computers on your network can open this preview, "
                        "drafts included", self.host)
        options = default_options(self.source, output, base_url=self.url, drafts=self.drafts, future=True)
        self.rebuilder = Rebuilder(options, self.clock, locked=True)  # (this session holds its folder's lock)
        self.rebuilder.find_theme()
        self._check_output_unwatched()
        self.debouncer = Debouncer(self.rebuild, self.settle)
        self.forget_lost_events = report_lost_events(self.changes)
        self.say(f"Building {self.source} ...")
        self._first_builds(options)
        self.debouncer.start()
        self.serving = threading.Thread(target=self.server.serve_forever, name="sitegen-http", daemon=True)
        self.serving.start()
        remove_set_aside_meanwhile(self.source)  # (ended previews' folders: deleted only now, see previews.py)
        self.say(f"Watching {self.source} for changes{' (polling)' if self.poll else ''}.")
        self.say(f"Serving at {self.url}  (Ctrl-C to stop)")

    def _first_builds(self, options: BuildOptions) -> None:
        """The preview's first build, and the watcher started."""
        if self._makes_every_page(options):
            # A process with other threads does not fork (forking.can_fork): a new preview
            # folder's first build (every page) runs before the watcher's threads start, on
            # every core as `sitegen build` does. A save meanwhile is not missed: a change of
            # the sources' stamps (watch.sources_digest) means a look at every file.
            before = sources_digest(self.source)
            self.rebuild()
            self._start_watching()
            if before is None or sources_digest(self.source) != before:
                self.changes.add(None)  # (changed meanwhile, or the stamps cannot tell)
                self.rebuild()
        else:  # (a kept folder: the first build makes what changed since; a save during it is seen)
            self._start_watching()
            self.rebuild()

    @staticmethod
    def _makes_every_page(options: BuildOptions) -> bool:
        """No preview folder, or no record of its files: its first build makes every page."""
        manifest = manifest_path(options)
        return manifest is None or not manifest.is_file() or not options.output.is_dir()

    def _start_watching(self) -> None:
        assert self.preview is not None and self.rebuilder is not None
        self.watcher = SourceWatcher(self.source, self._changed, self.poll,
                                     ignore=(self.preview.folder, self.source / CACHE_DIR))
        self.watcher.watch(watched_folders(self.source, self.rebuilder.theme_folder))
        self.watcher.start()

    def _check_output_unwatched(self) -> None:
        assert self.preview is not None and self.rebuilder is not None
        for folder, _ in watched_folders(self.source, self.rebuilder.theme_folder):
            if folder != self.source and self.preview.folder.is_relative_to(folder):
                raise SitegenError(f"the preview's folder {self.preview.folder} is inside a watched folder "
                                   f"({folder}); set TMPDIR to a folder elsewhere")

    def _changed(self, paths: tuple[Path, ...] | None) -> None:
        self.changes.add(paths)
        if self.debouncer is not None:
            self.debouncer.poke()

    def rebuild(self) -> Outcome:
        """One build, reported to the terminal and to every open tab; a long one (the first
        of a long liveblog, a theme's template edited) shows the progress line meanwhile."""
        rebuilder = self.rebuilder
        if rebuilder is None:  # stopped meanwhile
            return Outcome(False, 0.0, problems=("the preview has stopped",))
        self._watch()  # first: a folder that just appeared is watched before the build reads it
        progress = ProgressLine()
        try:
            outcome = rebuilder.rebuild(self.changes.take(), progress)
        finally:
            progress.clear()
        previous, self.last = self.last, outcome
        stamp = time.strftime("%H:%M:%S")
        if outcome.ok:
            self.builds += 1
            if not _same_output(previous, outcome):  # (a failed build before: its problems are shown)
                self.hub.publish(Status(f"{self.token}.{self.builds}"))  # (open tabs reload)
            self.say(f"[{stamp}] built {outcome.files} files ({outcome.written} changed) in {outcome.seconds:.2f} s")
            self._rebuild_when_due(outcome.due)
        else:
            self.hub.publish(Status(self.hub.status.build, outcome.problems))
            for problem in outcome.problems:
                self.say(problem)
            self.say(f"[{stamp}] build failed: {len(outcome.problems)} problem(s); "
                     "still serving the last good version")
        self._watch()  # again: the config may name another theme now
        return outcome

    def _rebuild_when_due(self, due: Due | None) -> None:
        """Rebuild by itself when the next scheduled entry (or a liveblog's end) comes due."""
        if self.due.set(due) is not None and due is not None:
            self.say(f"Next due: {due_text(due, self.clock())}; the preview rebuilds then.")

    def _due_now(self) -> None:
        debouncer = self.debouncer
        if debouncer is not None:
            debouncer.poke()

    def _watch(self) -> None:
        watcher, rebuilder = self.watcher, self.rebuilder
        if watcher is not None and rebuilder is not None:
            watcher.watch(watched_folders(self.source, rebuilder.theme_folder))

    def stop(self) -> None:
        """Stop watching, rebuilding and serving; keep the preview folder for the next
        preview at this address, with the record of its files (a temporary one is removed)."""
        watcher, self.watcher = self.watcher, None
        if watcher is not None:
            watcher.stop()
        self.forget_lost_events()
        self.due.cancel()
        debouncer, self.debouncer = self.debouncer, None
        if debouncer is not None:
            debouncer.stop()
        self.hub.close()
        server, self.server = self.server, None
        if server is not None:
            if self.serving is not None:
                server.shutdown()
            server.server_close()
        rebuilder, self.rebuilder = self.rebuilder, None
        preview, self.preview = self.preview, None
        kept = preview is not None and preview.kept
        if rebuilder is not None:
            if rebuilder.lock.acquire(timeout=5):
                try:  # (a build still running after that is abandoned with its daemon thread)
                    rebuilder.close(keep_record=kept)
                finally:
                    rebuilder.lock.release()
            else:  # (its record describes neither the output before nor after that build)
                forget_output(self.source, rebuilder.options.output)
        if preview is not None and not kept:
            shutil.rmtree(preview.folder, ignore_errors=True)
        self.held.close()


def serve(source: Path, host: str = "127.0.0.1", port: int = 8000, *, drafts: bool = True,
          poll: bool = False) -> None:
    """Run a preview until Ctrl-C (or SIGTERM), then stop cleanly."""
    session = Session(source, host, port, drafts=drafts, poll=poll)
    main = threading.current_thread() is threading.main_thread()
    stopping = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    saved = {signum: signal.getsignal(signum) for signum in stopping} if main else None
    if main:  # SIGTERM and SIGHUP (a closed terminal) stop like Ctrl-C: the preview's record is kept
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGHUP, _interrupt)
    try:
        session.start()
        while True:  # short naps: see below
            time.sleep(WAKE_SECONDS)
    except KeyboardInterrupt:
        click.echo("\nStopping.", err=True)
    finally:
        if saved is not None:  # a second Ctrl-C (or another signal) must not interrupt the clean-up
            for signum in stopping:
                signal.signal(signum, signal.SIG_IGN)
        session.stop()
        for signum, handler in (saved or {}).items():
            signal.signal(signum, handler)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
