"""Save -> new page on disk through a tool's own preview server, timed from outside.

The same harness for every tool (`sitegen serve`, `hugo server`): the server runs as a
child process on a free loopback port, watching a generated site. The benchmark saves
one entry's source file (an existing entry edited, or a new entry) with a made-up
marker word in a last paragraph, and reads that entry's page on disk every 5 ms until
the marker is there: what a user previewing waits for. The file watcher's delay, the
tool's debounce or batching, the rebuild and the writing are all inside the figure, for
every tool alike. Between saves the server is left idle (its "rebuilt" line, then a
pause), so that each save starts a rebuild of its own.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable

from benchmarks.generate import GenEntry

POLL_SECONDS = 0.005
SAVE_TIMEOUT = 60.0  # one save to its page on disk
START_TIMEOUT = 900.0  # the server's first (full) build
IDLE_SECONDS = 1.0  # after a rebuild: Hugo batches file events over half a second
STOP_TIMEOUT = 15.0


@dataclass(frozen=True)
class Preview:
    """How one tool previews one generated site: its command and where things are."""

    name: str
    argv: list[str]
    source_of: Callable[[GenEntry], Path]  # the entry's source file
    text_of: Callable[[GenEntry], str]  # the source file's text
    page_of: Callable[[Path, GenEntry], Path]  # (output folder, entry) -> the entry's own page
    output: Callable[[], Path]  # the output folder, once the first build is served
    ready: re.Pattern[str]  # the line printed once the first build is served
    rebuilt: re.Pattern[str]  # the line printed after every rebuild
    env: dict[str, str] | None = None


@dataclass
class Timings:
    edit: list[float] = field(default_factory=list)
    new: list[float] = field(default_factory=list)
    start: float = 0.0  # from launching the server to its first build served


def free_port() -> int:
    """A loopback port free right now (another process could take it first: unlikely here)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """A preview server child process; a thread collects its output lines (stdout and stderr)."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, env=env, text=True, errors="replace")
        self.reader = threading.Thread(target=self._read, name="preview-output", daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()
        with self.changed:  # end of output: the process has ended
            self.changed.notify_all()

    def count(self, pattern: re.Pattern[str]) -> int:
        with self.changed:
            return sum(1 for line in self.lines if pattern.search(line))

    def wait_for(self, pattern: re.Pattern[str], count: int, timeout: float, what: str) -> None:
        """Until `count` lines have matched; a clear error (with the server's last lines) if not."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while sum(1 for line in self.lines if pattern.search(line)) < count:
                left = deadline - time.monotonic()
                if self.proc.poll() is not None and not self.reader.is_alive():
                    raise SystemExit(f"{what}: the server exited ({self.proc.returncode})\n{self.tail()}")
                if left <= 0:
                    raise SystemExit(f"{what}: nothing within {timeout:.0f} s\n{self.tail()}")
                self.changed.wait(min(left, 0.5))

    def tail(self, lines: int = 25) -> str:
        return "\n".join(self.lines[-lines:])

    def stop(self) -> None:
        """Terminate (both servers stop cleanly on SIGTERM), kill if it lingers; reap it."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(STOP_TIMEOUT)


def measure(preview: Preview, edits: list[GenEntry], news: list[GenEntry]) -> Timings:
    """Start the server, wait for its first build, then time each edit and each new entry.
    The site is left as it was found (edited files restored, new ones removed), so that
    another measurement on it starts from the same sources."""
    timings = Timings()
    originals = {preview.source_of(entry): preview.source_of(entry).read_bytes() for entry in edits}
    added = [preview.source_of(entry) for entry in news]
    if any(path.exists() for path in added):
        raise SystemExit(f"{preview.name}: a 'new' entry already exists: {[p for p in added if p.exists()]}")
    server, timings.start = launch(preview)
    try:
        output = preview.output()
        time.sleep(IDLE_SECONDS)
        for n, entry in enumerate(edits):
            timings.edit.append(save_until_shown(server, preview, output, entry, f"zqxedit{n}"))
        for n, entry in enumerate(news):
            timings.new.append(save_until_shown(server, preview, output, entry, f"zqxnew{n}"))
    finally:
        server.stop()
        for path, data in originals.items():
            path.write_bytes(data)
        for path in added:
            path.unlink(missing_ok=True)
    return timings


def launch(preview: Preview) -> tuple[Server, float]:
    """The server, launched and serving its first build; the seconds that took."""
    launched = time.perf_counter()
    server = Server(preview.argv, preview.env)
    try:
        server.wait_for(preview.ready, 1, START_TIMEOUT, f"{preview.name} first build")
    except BaseException:
        server.stop()
        raise
    return server, time.perf_counter() - launched


def time_start(preview: Preview) -> float:
    """Seconds from launching the server to its first build served; then it is stopped."""
    server, seconds = launch(preview)
    server.stop()
    return seconds


def save_until_shown(server: Server, preview: Preview, output: Path, entry: GenEntry, marker: str) -> float:
    """Seconds from the save to `marker` in the entry's page on disk; then let the server go idle."""
    rebuilds = server.count(preview.rebuilt)
    page = preview.page_of(output, entry)
    if page.is_file() and marker in page.read_text("utf-8", errors="replace"):
        raise SystemExit(f"{page} shows {marker!r} before the save")
    preview.source_of(entry).write_text(f"{preview.text_of(entry)}\nThe benchmark wrote {marker}.\n", "utf-8")
    saved = time.perf_counter()
    seconds = poll_until(page, marker, saved, server)
    server.wait_for(preview.rebuilt, rebuilds + 1, SAVE_TIMEOUT, f"{preview.name} rebuild after {marker}")
    time.sleep(IDLE_SECONDS)
    return seconds


def poll_until(page: Path, marker: str, saved: float, server: Server) -> float:
    """Read `page` every POLL_SECONDS (it may be missing or half-written meanwhile)."""
    while True:
        try:
            if marker in page.read_text("utf-8", errors="replace"):
                return time.perf_counter() - saved
        except FileNotFoundError:
            pass
        if time.perf_counter() - saved > SAVE_TIMEOUT:
            raise SystemExit(f"{marker!r} did not reach {page} within {SAVE_TIMEOUT:.0f} s\n{server.tail()}")
        if server.proc.poll() is not None:
            raise SystemExit(f"the server exited ({server.proc.returncode}) before {page} changed\n{server.tail()}")
        time.sleep(POLL_SECONDS)


def only_child(folder: Path, pattern: str) -> Path:
    """The one folder matching `pattern` in `folder` (a server's own temporary output)."""
    found = sorted(folder.glob(pattern))
    if len(found) != 1:
        raise SystemExit(f"expected one {pattern} in {folder}, found {len(found)}")
    return found[0]


def child_env(tmpdir: Path) -> dict[str, str]:
    """This environment with TMPDIR pointing at `tmpdir` (created), where a server makes its output."""
    tmpdir.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "TMPDIR": str(tmpdir)}
