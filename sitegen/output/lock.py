"""One writer per output folder: an advisory lock beside it.

`sitegen build`, `serve` and `deploy` each hold the lock while they change (or
read, to publish) an output folder, so two of them never interleave: a second
one waits, saying why, or refuses at once when asked not to wait. The lock is
`flock(2)` on a small file beside the output (`.OUT.lock`): the kernel releases
it when its holder's process ends however it ends (a kill included), so a dead
build never blocks the next one. The file itself stays: deleting a lock file
that another process may have just opened would let two processes each hold "the"
lock, on two different files. It holds the holder's process id, for the message.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sitegen.core.errors import Problem, SitegenError

log = logging.getLogger("sitegen")


class OutputBusy(SitegenError):
    """Another sitegen process holds the output's lock, and waiting was not wanted."""


def lock_path(output: Path) -> Path:
    return output.parent / f".{output.name}.lock"


@contextmanager
def output_lock(output: Path, wait: bool = True) -> Iterator[None]:
    """Hold `output`'s lock for the `with` block: the only writer (or publisher) of it.
    Not re-entrant: code holding it calls `build(..., locked=True)`."""
    path = lock_path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        _acquire(fd, output, wait)
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError:
            pass  # (the id only improves the message another process shows)
        yield
    finally:
        os.close(fd)  # releases the lock


def _acquire(fd: int, output: Path, wait: bool) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except OSError as exc:
        if exc.errno not in (errno.EWOULDBLOCK, errno.EACCES):
            raise
    holder = _holder(fd)
    if not wait:
        raise OutputBusy(Problem(output, None, f"another sitegen{holder} is writing this output folder; "
                                               "try again when it has finished (or leave out --no-wait to wait)"))
    log.info("Waiting for another sitegen%s to finish writing %s ...", holder, output)
    fcntl.flock(fd, fcntl.LOCK_EX)


def _holder(fd: int) -> str:
    """' (process N)' from the lock file, or '' when it says nothing useful."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (process {text})" if text.isdigit() else ""


def is_locked(output: Path) -> bool:
    """Whether some process holds `output`'s lock now (for finding a dead `serve`'s folder)."""
    try:
        fd = os.open(lock_path(output), os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)
