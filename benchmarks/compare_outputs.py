"""Do two revisions of sitegen build the same bytes? For refactors that must not
change behaviour (the layout move, the incremental engine moved behind protocols).

    python benchmarks/compare_outputs.py REV_A REV_B [--entries 10000]

Each revision is checked out into a temporary git worktree with its own virtual
environment (system packages shared, sitegen installed editable), so the theme each
builds with is its own. Both build the sample site and a generated liveblog
(benchmarks/generate.py) cold, without cache, then once more warm from their cache; every
output file is compared byte for byte, and the first differences are printed.
"""

from __future__ import annotations

import argparse
import filecmp
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.generate import write_site  # noqa: E402


def checkout(rev: str, work: Path) -> Path:
    """A worktree of `rev` with a virtual environment; returns its python."""
    tree = work / rev.replace("/", "_")
    subprocess.run(["git", "worktree", "add", "--detach", "-q", str(tree), rev], cwd=ROOT, check=True)
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(tree / ".venv")], check=True)
    python = tree / ".venv/bin/python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "-e", str(tree)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return python


def build(python: Path, site: Path, output: Path, cache: bool) -> None:
    argv = [str(python), "-m", "sitegen", "build", "--source", str(site), "--output", str(output)]
    # (run from the output's parent: `python -m` puts the working folder first on sys.path,
    # and a checkout there would shadow the revision's own package)
    subprocess.run(argv + ([] if cache else ["--no-cache"]), check=True, stdout=subprocess.DEVNULL,
                   cwd=output.parent)


def differences(a: Path, b: Path) -> list[str]:
    """Paths present in one tree only, or with different bytes."""
    found: list[str] = []
    files_a = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    found += [f"only in A: {p}" for p in sorted(files_a - files_b)]
    found += [f"only in B: {p}" for p in sorted(files_b - files_a)]
    found += [f"differs: {p}" for p in sorted(files_a & files_b) if not filecmp.cmp(a / p, b / p, shallow=False)]
    return found


def compare(pythons: dict[str, Path], sites: dict[str, Path], work: Path) -> bool:
    same = True
    for name, site in sites.items():
        for cache in (False, True):
            outputs = []
            for rev, python in pythons.items():
                output = work / f"out-{rev}-{name}-{cache}"
                build(python, site, output, cache)
                if cache:  # again into an empty folder: every page made, from the cache
                    subprocess.run(["rm", "-rf", str(output)], check=True)
                    build(python, site, output, cache)
                outputs.append(output)
            found = differences(*outputs)
            count = sum(1 for p in outputs[0].rglob("*") if p.is_file())
            label = "warm, cached" if cache else "cold, no cache"
            print(f"{name:>10} {label:>14}: {count} files, {'identical' if not found else f'{len(found)} differ'}")
            for line in found[:10]:
                print("    " + line)
            same = same and not found
    return same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rev_a")
    parser.add_argument("rev_b")
    parser.add_argument("--entries", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sitegen-compare-") as tmp:
        work = Path(tmp)
        try:
            pythons = {rev: checkout(rev, work) for rev in (args.rev_a, args.rev_b)}
            generated = write_site(work / "generated", args.entries).folder
            # the sample site as the first revision has it (a later one may use new fields)
            sample = copy_of(work / args.rev_a.replace("/", "_"), work)
            ok = compare(pythons, {"sample": sample, "generated": generated}, work)
        finally:
            for rev in (args.rev_a, args.rev_b):
                subprocess.run(["git", "worktree", "remove", "--force", str(work / rev.replace("/", "_"))],
                               cwd=ROOT, check=False, stderr=subprocess.DEVNULL)
    print("byte-identical" if ok else "OUTPUTS DIFFER")
    return 0 if ok else 1


def copy_of(site: Path, work: Path) -> Path:
    """The sample site's sources in a fresh folder (not its cache; not `themes/`, the
    bundled theme, which each revision brings its own of)."""
    target = work / "sample-site"
    target.mkdir()
    for name in ("sitegen.yaml", "content", "static", "templates"):
        source = site / name
        if source.is_dir():
            subprocess.run(["cp", "-r", str(source), str(target / name)], check=True)
        elif source.is_file():
            subprocess.run(["cp", str(source), str(target / name)], check=True)
    return target


if __name__ == "__main__":
    sys.exit(main())
