"""How long from saving one entry to new output on disk, through `sitegen serve`.

Generates a liveblog (benchmarks/generate.py), starts the real preview machinery
(server, watchdog, debouncer, rebuilder with its long-lived cache) on a free
port, then edits one entry at a time and measures from the moment the file is
saved to the moment the rebuild that contains it has been committed to the
output folder (checked by reading the edited text back from the output). Also
times the rebuild alone (no watcher) and, with --profile, prints where a
rebuild spends its time.

    python benchmarks/serve_edit.py                 # 10,000 entries, 5 edits
    python benchmarks/serve_edit.py --entries 1000 --edits 3 --profile

Target (issue 3): under 0.3 s at 10,000 entries on a 2-core machine.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import append_entry, edit_entry, make_entry, write_site  # noqa: E402
from sitegen.render.renderer import BUNDLED_THEMES  # noqa: E402
from sitegen.serve.session import Session  # noqa: E402

TARGET_SECONDS = 0.3


def marker_of(index: int, revision: int, seed: int) -> str:
    """A phrase of the edited body that the output must show (its first words)."""
    return " ".join(make_entry(index, seed, revision).body.split()[:3]).strip("*")


def wait_for_build(session: Session, after: int, timeout: float = 120.0) -> float:
    deadline = time.perf_counter() + timeout
    while session.builds <= after:
        if session.hub.status.problems:
            raise SystemExit(f"rebuild failed: {session.hub.status.problems}")
        if time.perf_counter() > deadline:
            raise SystemExit("no rebuild within the timeout")
        time.sleep(0.0005)
    return time.perf_counter()


def shows(output: Path, slug: str, entry_id: str, text: str) -> bool:
    """Is `text` in the output for `entry_id` (its own page, or the liveblog's pages)?"""
    own = output / slug / "entries" / entry_id / "index.html"
    candidates = [own] if own.is_file() else sorted((output / slug).rglob("index.html"))
    return any(text in p.read_text("utf-8") for p in candidates)


def measure(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="sitegen-bench-serve-"))
    started = time.perf_counter()
    site = write_site(work / "site", args.entries)
    # A frozen copy of the default theme: edits to the installed theme while this
    # runs (in a shared work tree) must neither trigger rebuilds nor change the cache keys.
    shutil.copytree(BUNDLED_THEMES / "default", site.folder / "themes" / "default")
    print(f"generated {args.entries} entries in {time.perf_counter() - started:.1f} s ({site.folder})")

    lines: list[str] = []
    session = Session(site.folder, "127.0.0.1", 0, drafts=True, settle=args.settle, say=lines.append)
    started = time.perf_counter()
    session.start()
    print(f"first build (cold cache) and server start: {time.perf_counter() - started:.2f} s")
    output = session.rebuilder.options.output
    try:
        timings, overheads = [], []
        # Edit entries spread over the liveblog: the newest (on the front page) and older ones.
        indexes = [args.entries - 1 - (i * 997) % args.entries for i in range(args.edits)]
        for round_, index in enumerate(indexes, 1):
            before = session.builds
            time.sleep(0.3)  # let the previous burst settle completely
            edit_entry(site, index, revision=round_)
            saved = time.perf_counter()
            done = wait_for_build(session, before)
            entry = make_entry(index, site.seed, round_)
            assert shows(output, site.slug, entry.id, marker_of(index, round_, site.seed).split()[0]), \
                "the edit is not in the output"
            timings.append(done - saved)
            overheads.append(done - saved - session.last.seconds)
            print(f"  edit entry {index:>6}: save -> new output on disk {done - saved:.3f} s "
                  f"(build() {session.last.seconds:.3f} s)")
        before = session.builds
        time.sleep(0.3)
        site, path = append_entry(site)
        saved = time.perf_counter()
        done = wait_for_build(session, before)
        print(f"  new entry {path.name[:40]}: save -> new output on disk {done - saved:.3f} s")
        median = statistics.median(timings)
        verdict = "meets" if median < TARGET_SECONDS else "MISSES"
        print(f"median edit -> output: {median:.3f} s; {verdict} the {TARGET_SECONDS} s target")
        print(f"  of which serve's own part (watchdog, {args.settle:.2f} s debounce, publishing): "
              f"median {statistics.median(overheads):.3f} s; the rest is build()")

        watcher, session.watcher = session.watcher, None
        watcher.stop()  # from here on, rebuilds are called directly
        rebuilder = session.rebuilder
        alone = []
        for round_ in range(3):
            edit_entry(site, indexes[0], revision=100 + round_)
            t = time.perf_counter()
            outcome = rebuilder.rebuild()
            alone.append(time.perf_counter() - t)
            assert outcome.ok, outcome.problems
        print(f"rebuild alone (no watcher, no debounce): median {statistics.median(alone):.3f} s")
        if args.profile or median >= TARGET_SECONDS:
            profile(session, site, indexes[0])
    finally:
        session.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def profile(session: Session, site, index: int) -> None:
    edit_entry(site, index, revision=999)
    profiler = cProfile.Profile()
    profiler.enable()
    session.rebuilder.rebuild()
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(30)
    print("\nprofile of one rebuild after an edit (cumulative):")
    print("\n".join(line for line in text.getvalue().splitlines()[4:] if line.strip()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--settle", type=float, default=0.025, help="debounce quiet time (serve's default)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one rebuild")
    parser.add_argument("--keep", action="store_true", help="keep the generated site afterwards")
    measure(parser.parse_args(argv))


if __name__ == "__main__":
    main()
