"""Photos in a liveblog: what processing costs (issue 12). Run by hand, not in CI:

    python -m benchmarks.photos [--entries 1000] [--photos 200] [--work /tmp/sitegen-photos]

Builds the generated liveblog twice, with `--photos` of its entries given a phone-sized
4000x3000 JPEG (EXIF orientation, GPS) and without, and times for each: the cold build
(no cache, no output), the warm build with everything up to date, and the warm build
with one entry file touched (every check runs, no image is processed again). CPU time
against wall time tells whether the photos were processed on every core. The photo
site's sources are written once and kept in --work (generating the photos takes a while).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.generate import GeneratedSite, add_photos, write_site


def timed(site: Path, output: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds (the build and its forked workers) of one build."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "sitegen", "build", "--source", str(site), "--output",
                             str(output)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"build failed:\n{stderr.decode(errors='replace')[-3000:]}")
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime


def measure(site: GeneratedSite, label: str) -> dict[str, tuple[float, float]]:
    output = site.folder.parent / f"{site.folder.name}-out"
    shutil.rmtree(output, ignore_errors=True)
    shutil.rmtree(site.folder / ".sitegen-cache", ignore_errors=True)
    os.sync()
    found = {"cold": timed(site.folder, output), "warm, up to date": timed(site.folder, output)}
    touched = next(site.content.glob("*.md"))
    os.utime(touched)  # same text, new stamps: every check runs
    found["warm, one entry touched"] = timed(site.folder, output)
    media = output / "media"
    count = len(list(media.iterdir())) if media.is_dir() else 0
    for what, (wall, cpu) in found.items():
        print(f"{label:>12} {what:<24} {wall:7.2f} s wall {cpu:7.2f} s CPU ({cpu / wall:.1f} cores)")
    print(f"{label:>12} published {count} processed image files")
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--work", type=Path, default=Path("/tmp/sitegen-photos"))
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    plain = write_site(args.work / f"plain-{args.entries}", args.entries)
    photos_folder = args.work / f"photos-{args.entries}-{args.photos}"
    if not (photos_folder / "static/photos").is_dir():
        started = time.perf_counter()
        add_photos(write_site(photos_folder, args.entries), args.photos)
        print(f"wrote {args.photos} photos in {time.perf_counter() - started:.0f} s")
    with_photos = GeneratedSite(photos_folder, args.entries)
    print(f"{os.cpu_count()} cores; {args.entries} entries, {args.photos} of them with a 4000x3000 JPEG")
    measure(plain, "no photos")
    measure(with_photos, "with photos")


if __name__ == "__main__":
    main()
