"""What every build does before it reads a source: its options, the folders' check and
the up-to-date check (`uptodate.py`), with the result of a build that has nothing to do,
and holding the output (its lock, a dead build's publication finished: `settled_output`).

Kept apart from `pipeline.py`, and importing neither Jinja nor markdown-it nor the
rest of the pipeline, so that a fresh `sitegen build` with nothing to do (`oneoff.py`)
ends before it has paid for them."""

from __future__ import annotations

import hashlib
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Iterator

from sitegen.config.site_config import SOURCE_FOLDERS, load_config
from sitegen.core.errors import Problem, SitegenError
from sitegen.core.forking import Forked, can_fork
from sitegen.incremental.cache import Cache
from sitegen.incremental.uptodate import SourceState, Summary, source_state, unchanged
from sitegen.model.site import Due, Site
from sitegen.output.lock import output_lock
from sitegen.output.publish import describe, recover, remove_leftovers
from sitegen.output.record import OutputLook, look_at_output
from sitegen.render.themes import BUNDLED_THEMES
from sitegen.site.required import warn_missing
from sitegen.source.schedule import utc_now

CACHE_DIR = ".sitegen-cache"


@dataclass(frozen=True)
class BuildOptions:
    source: Path
    output: Path
    base_url: str | None = None
    drafts: bool = False
    cache_dir: Path | None = None  # default: SOURCE/.sitegen-cache; None with use_cache=False
    use_cache: bool = True
    future: bool = False  # include scheduled entries (time in the future), marked as such
    now: datetime | None = None  # the build's clock (tests set it); None: the time the build starts


@dataclass(frozen=True)
class BuildResult:
    site: Site | None  # None when the output was up to date (see uptodate.py)
    summary: Summary
    written: int
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def files(self) -> int:
        return self.summary.files

    @property
    def next_due(self) -> Due | None:
        """When a build would next publish something new by the clock alone (a scheduled
        entry, a liveblog's `ends`): `serve` and `deploy --watch` build again then."""
        return self.summary.due


@dataclass(frozen=True)
class Check:
    """The up-to-date check's findings, which the build that follows goes on from."""

    now: datetime  # the build's clock
    state: SourceState | None  # the sources' state (None: not to be trusted, or `serve`)
    skip: Summary | None  # the last build's summary, when nothing changed since
    look: Forked[OutputLook] | None = None  # the output's files, looked at meanwhile (`look_apart`)

    def output_look(self) -> OutputLook | None:
        """What the look at the output found (waiting for it), if one was taken."""
        return self.look.result() if self.look is not None else None


def default_options(source: Path, output: Path | None = None, **kwargs: object) -> BuildOptions:
    source = source.resolve()
    return BuildOptions(source, (output or source / "output").resolve(), **kwargs)  # type: ignore[arg-type]


def cache_folder(options: BuildOptions) -> Path | None:
    """Where the build keeps what outlives it (None: nowhere, with --no-cache)."""
    if not options.use_cache:
        return None
    return options.cache_dir or options.source / CACHE_DIR


def open_cache(options: BuildOptions, keep_in_memory: bool = False) -> Cache:
    folder = cache_folder(options)
    return Cache(None) if folder is None else Cache(folder / "fragments.sqlite3", keep_in_memory)


def manifest_path(options: BuildOptions) -> Path | None:
    folder = cache_folder(options)
    if folder is None:
        return None
    name = hashlib.sha256(str(options.output.resolve()).encode()).hexdigest()[:16]
    return folder / f"output-{name}.json"


def check_folders(options: BuildOptions) -> None:
    """Refuse an output folder that is, contains, or sits inside the sources it reads."""
    source, output = options.source.resolve(), options.output.resolve()
    if output == source or source.is_relative_to(output):
        raise SitegenError(Problem(output, None, "the output folder must not be (or contain) the site folder"))
    for name in SOURCE_FOLDERS:
        if output.is_relative_to(source / name):
            raise SitegenError(Problem(output, None, f"the output folder must not be inside {name}/, "
                                                     "which the build reads"))


def check(options: BuildOptions, cache: Cache, look: Forked[OutputLook] | None = None) -> Check:
    """Whether sources and output are as the last build left them (step 0 of a build;
    the caller has checked the folders and holds the output: `settled_output`);
    `look`: the look at the output's files taken meanwhile (`look_apart`), if any."""
    now = options.now or utc_now()
    state = _source_state(options, cache)
    looked = look.result if look is not None else (lambda: None)
    skip = unchanged(cache, state, options.output, manifest_path(options), now, looked) if state else None
    return Check(now, state, skip, look)


def look_apart(options: BuildOptions) -> Forked[OutputLook] | None:
    """A look at every file the last build left (are they as it recorded them?), taken by
    a forked child on the other core while this process checks and reads the sources:
    a fresh build after one edit (a newsroom's cron job) would otherwise stat 10,000
    pages itself, and so would a build with nothing to do. None when there is no record
    to go by or this process may not fork (see forking.can_fork)."""
    manifest = manifest_path(options)
    if manifest is None or not manifest.is_file() or not can_fork():
        return None
    return Forked(partial(look_at_output, options.output, manifest))


@contextmanager
def settled_output(output: Path, wait: bool = True) -> Iterator[None]:
    """Hold `output`'s lock, with any publication a dead process left finished and its
    leftover folders removed: what `build`, `serve` and `deploy` do before anything else."""
    with ExitStack() as held:
        with output_errors(output):
            held.enter_context(output_lock(output, wait))
            recover(output)
            remove_leftovers(output)
        yield


@contextmanager
def output_errors(output: Path) -> Iterator[None]:
    """A folder that cannot be created or written (a typo in --output, a read-only
    disk, a full one) is the user's to fix: say where, never show a traceback."""
    try:
        yield
    except OSError as exc:
        raise SitegenError(describe(exc, output)) from None


def skipped(options: BuildOptions, summary: Summary, started: float) -> BuildResult:
    """The result of a build with nothing to do, which still warns as every build does."""
    warn_missing(load_config(options.source, options.base_url))
    return BuildResult(None, summary, 0, time.perf_counter() - started)


def _source_state(options: BuildOptions, cache: Cache) -> SourceState | None:
    """The sources' state, for a build with a persistent cache (not `serve`'s, which is
    told what changed)."""
    if cache.path is None or cache.keep_in_memory:
        return None
    shape = repr((str(options.source), str(options.output), options.base_url, options.drafts,
                  str(options.cache_dir), options.future))
    return source_state(options.source, BUNDLED_THEMES, shape)
