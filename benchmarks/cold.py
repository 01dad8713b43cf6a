"""Cold full builds of sitegen and Hugo on the same entries, alternated, and their bytes.

    python benchmarks/cold.py --entries 10000 --runs 3 [--workdir DIR] [--keep]
    python benchmarks/cold.py --entries 10000 --larger 50000 --no-hugo   # how cold builds scale

Writes the generated site (benchmarks/generate.py) and Hugo's site of the same entries
(others.py), then runs cold builds in turn: sitegen (no cache, no output), Hugo (no
output), then Hugo, sitegen, ...: each tool goes first in turn, so a machine that slows
down run after run (this VM does, by far more than its load drifts) slows all alike. Each build
is a fresh process; its wall time and its CPU time (user + system of it and its
children, from wait4) are recorded, and the medians printed with their ratios, then
the output bytes by kind of file (kinds.py) of the last build of each. A second
sitegen (another checkout's python, `--python`) can be alternated in the same way,
each on its own copy of the site (cache keys name sitegen's code). `--larger N` alternates
sitegen on a site of N entries too, and prints how its cold build compares with the
smaller one's: measured one after the other, the two sizes would meet the machine in
different moods (run.py builds each size's three in a row).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import kinds, others  # noqa: E402
from benchmarks.generate import SEED, write_site  # noqa: E402
from benchmarks.run import empty_trash, set_aside, settle, timed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--python", action="append", default=[], metavar="NAME=PYTHON",
                        help="another sitegen to alternate (a checkout's python), besides this one")
    parser.add_argument("--larger", type=int, metavar="ENTRIES",
                        help="also alternate sitegen on a site of this many entries (how cold builds scale)")
    parser.add_argument("--no-hugo", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the work folder and the last outputs")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="sitegen-cold-"))
    work.mkdir(parents=True, exist_ok=True)
    tools: dict[str, tuple[list[str], Path, Path]] = {}  # name -> (argv before --source, site, output)
    site = write_site(work / "generated", args.entries, SEED).folder
    pythons = [("sitegen", sys.executable)] + [tuple(p.split("=", 1)) for p in args.python]  # type: ignore[misc]
    for name, python in pythons:
        copy = work / f"site-{name}"
        if copy.exists():
            shutil.rmtree(copy)
        shutil.copytree(site, copy)
        tools[name] = ([python, "-m", "sitegen", "build", "--source", str(copy), "--output"], copy,
                       work / f"out-{name}")
    larger = f"sitegen {args.larger:,}" if args.larger else None
    if larger:
        big = write_site(work / "generated-larger", args.larger, SEED).folder
        tools[larger] = ([sys.executable, "-m", "sitegen", "build", "--source", str(big), "--output"], big,
                         work / "out-larger")
    hugo = None if args.no_hugo else others.hugo()
    if hugo is not None:
        hugo_site = others.write_hugo_site(work / "hugo", args.entries, SEED, site / "static")
        tools["hugo"] = (hugo.argv(hugo_site, work / "out-hugo"), hugo_site, work / "out-hugo")
    wall: dict[str, list[float]] = {name: [] for name in tools}
    cpu: dict[str, list[float]] = {name: [] for name in tools}
    order = list(tools)
    for n in range(args.runs):
        for name in order[n % len(order):] + order[:n % len(order)]:  # each tool first in turn
            argv, source, output = tools[name]
            set_aside(output, work)
            set_aside(source / ".sitegen-cache", work)
            settle()
            run = timed(argv if name == "hugo" else argv + [str(output)], cwd=work)
            if run.code != 0:
                raise SystemExit(f"{name} failed:\n{run.stderr[-3000:]}")
            wall[name].append(run.seconds)
            cpu[name].append(run.cpu)
            print(f"  run {n + 1}: {name} wall {run.seconds:.2f} s, CPU {run.cpu:.2f} s", file=sys.stderr, flush=True)
    print(f"\n{args.entries:,} entries, cold full builds, {args.runs} runs each, alternated (medians)\n")
    print("| tool | wall s | CPU s | runs (wall) | runs (CPU) |\n| --- | ---: | ---: | --- | --- |")
    for name in tools:
        print(f"| {name} | {statistics.median(wall[name]):.2f} | {statistics.median(cpu[name]):.2f} "
              f"| {' '.join(f'{w:.2f}' for w in wall[name])} | {' '.join(f'{c:.2f}' for c in cpu[name])} |")
    if "hugo" in tools:
        for name in tools:
            if name not in ("hugo", larger):  # (the larger site is not the one Hugo built)
                print(f"\n{name} / hugo: wall {statistics.median(wall[name]) / statistics.median(wall['hugo']):.2f}, "
                      f"CPU {statistics.median(cpu[name]) / statistics.median(cpu['hugo']):.2f}")
    if larger:
        print(f"\n{larger} / sitegen ({args.larger / args.entries:g}x the entries): wall "
              f"{statistics.median(wall[larger]) / statistics.median(wall['sitegen']):.2f}x, "
              f"CPU {statistics.median(cpu[larger]) / statistics.median(cpu['sitegen']):.2f}x")
    print()
    print(kinds.table({name: kinds.by_kind("hugo" if name == "hugo" else "sitegen", output)
                       for name, (_, _, output) in tools.items() if name != larger}))
    empty_trash(work)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
