"""`sitegen deploy --watch`: for an event night, every saved change goes live.

The sources are watched as `serve` watches them (serve/watch.py), each burst of
changes is rebuilt through `serve`'s incremental path (one long-lived in-memory
cache: only what changed is parsed and rendered) into the output folder, and the
changed files are published at once. One line per publish says what went out and
how long it took from the save to the bucket.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

import click

from sitegen.build.pipeline import CACHE_DIR
from sitegen.core.errors import SitegenError
from sitegen.deploy.run import DeployOptions, DeployResult, deploy, deploy_config
from sitegen.deploy.storage import Bucket
from sitegen.serve.due import DueTimer
from sitegen.serve.session import WAKE_SECONDS, Rebuilder
from sitegen.serve.watch import ChangeLog, Debouncer, SourceWatcher, report_lost_events, watched_folders

log = logging.getLogger("sitegen")
SHOWN_KEYS = 3


class DeployWatch:
    """Watch, rebuild, publish; until `stop()`."""

    def __init__(self, options: DeployOptions, say: Callable[[str], None] | None = None,
                 settle: float = 0.025, poll: bool = False) -> None:
        self.options = replace(options, run_build=False)  # (the rebuilder builds)
        self.source = options.build.source
        self.say = say or (lambda text: click.echo(text, err=True))
        self.rebuilder = Rebuilder(options.build)
        self.changes = ChangeLog()
        self.saved_at: float | None = None  # wall-clock time of the first save not yet published
        self.lock = threading.Lock()
        self.debouncer = Debouncer(self.publish, settle)
        self.due = DueTimer(self.debouncer.poke)  # publishes when a scheduled entry comes due
        self.watcher = SourceWatcher(self.source, self._changed, poll,
                                     ignore=(options.build.output, self.source / CACHE_DIR))
        self.forget_lost_events: Callable[[], None] = lambda: None
        self.bucket: Bucket | None = None
        self.publishes = 0

    def start(self) -> "DeployWatch":
        """Publish what is there now, then follow every change."""
        self.rebuilder.find_theme()
        self.forget_lost_events = report_lost_events(self.changes)
        self.watcher.watch(watched_folders(self.source, self.rebuilder.theme_folder))
        self.watcher.start()  # before the first build: a save during it is not missed
        self.publish()
        self.debouncer.start()
        self.say(f"Watching {self.source}; every change is published (Ctrl-C to stop).")
        return self

    def _changed(self, paths: tuple[Path, ...] | None) -> None:
        with self.lock:
            if self.saved_at is None:
                self.saved_at = min([time.time(), *_mtimes(paths or ())])
        self.changes.add(paths)
        self.debouncer.poke()

    def publish(self) -> DeployResult | None:
        """One rebuild and deploy, reported in one line (or the problems, then one line)."""
        self.watcher.watch(watched_folders(self.source, self.rebuilder.theme_folder))
        with self.lock:
            saved_at, self.saved_at = self.saved_at, None
        outcome = self.rebuilder.rebuild(self.changes.take())
        self.due.set(outcome.due)  # (the clock alone changes the site then: rebuild and publish)
        stamp = time.strftime("%H:%M:%S")
        if not outcome.ok:
            for problem in outcome.problems:
                self.say(problem)
            self.say(f"[{stamp}] build failed: {len(outcome.problems)} problem(s); nothing was published")
            return None
        try:
            result = deploy(self.options, cache=self.rebuilder.cache, bucket=self._bucket())
        except SitegenError as exc:
            self.say(f"[{stamp}] not published: {exc}; the next change tries again")
            return None
        self.publishes += 1
        self.say(f"[{stamp}] {_line(result, saved_at)}")
        return result

    def _bucket(self) -> Bucket:
        """One client for the session (its connections stay open between publishes)."""
        _, target = deploy_config(self.source)
        if self.bucket is None or self.bucket.config != target:
            self.bucket = Bucket(target)
        return self.bucket

    def stop(self) -> None:
        self.due.cancel()
        self.watcher.stop()
        self.forget_lost_events()
        self.debouncer.stop()
        if self.bucket is not None:
            self.bucket.close()
        if self.rebuilder.lock.acquire(timeout=30):
            try:  # (a later `sitegen deploy` or build knows the output as this session left it)
                self.rebuilder.close()
            finally:
                self.rebuilder.lock.release()


def _mtimes(paths: tuple[Path, ...]) -> list[float]:
    found = []
    for path in paths:
        try:
            found.append(os.stat(path).st_mtime)
        except OSError:
            pass
    return found


def _line(result: DeployResult, saved_at: float | None) -> str:
    if result.plan.empty:
        return f"nothing to publish ({result.plan.unchanged} files as at {result.target})"
    keys = [u.key for u in result.plan.uploads]
    shown = ", ".join(keys[:SHOWN_KEYS]) + (f" and {len(keys) - SHOWN_KEYS} more" if len(keys) > SHOWN_KEYS else "")
    deleted = f", {result.deleted} deleted" if result.deleted else ""
    timing = f"live {time.time() - saved_at:.2f} s after the save" if saved_at else f"in {result.seconds:.2f} s"
    return f"published {result.uploaded} file(s){deleted}: {shown}; {timing}"


def watch_and_deploy(options: DeployOptions) -> None:
    """Run until Ctrl-C (or SIGTERM)."""
    deploy_config(options.build.source)  # a missing deploy: section is an error before anything starts
    session = DeployWatch(options)
    main = threading.current_thread() is threading.main_thread()
    saved = (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) if main else None
    if main:
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        session.start()
        while True:
            time.sleep(WAKE_SECONDS)
    except KeyboardInterrupt:
        click.echo("\nStopping.", err=True)
    finally:
        if saved is not None:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        session.stop()
        if saved is not None:
            signal.signal(signal.SIGINT, saved[0])
            signal.signal(signal.SIGTERM, saved[1])


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
