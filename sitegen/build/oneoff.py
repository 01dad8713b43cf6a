"""`sitegen build` in a process of its own: check first, import the pipeline only if needed.

A newsroom's cron job or CI runs `sitegen build` again and again, mostly with nothing
to do. The up-to-date check (`start.py`) needs the config, the cache and a walk of the
sources and output; the pipeline needs Jinja, markdown-it, the feeds and the rest,
which take a fresh interpreter longer to import than the check takes to run. So the
check runs first, with its findings handed on to `pipeline.build` when there is work.
"""

from __future__ import annotations

import time
from dataclasses import replace

from sitegen.build.start import (BuildOptions, BuildResult, check, check_folders, look_apart,
                                 open_cache, settled_output, skipped)
from sitegen.core.forking import Progress
from sitegen.output.skip import verify_inputs


def build_once(options: BuildOptions, progress: Progress | None = None, wait: bool = True) -> BuildResult:
    """Build as `pipeline.build` does (the output's lock held throughout, waiting for it
    unless `wait` is False), with the pipeline imported only when there is work (always
    under SITEGEN_VERIFY_INPUTS, which checks the up-to-date claim)."""
    started = time.perf_counter()
    check_folders(options)
    with settled_output(options.output, wait):
        cache = open_cache(options)
        look = look_apart(options)  # (the output's files looked at on the other core meanwhile)
        try:
            checked = check(options, cache, look)
            if checked.skip and not verify_inputs():
                return skipped(options, checked.skip, started)
            from sitegen.build.pipeline import build  # (the work: see the module doc)

            result = build(options, cache, progress, checked=checked, locked=True)
            return replace(result, seconds=time.perf_counter() - started)  # (the check included)
        finally:
            cache.close()
            if look is not None:
                look.close()
