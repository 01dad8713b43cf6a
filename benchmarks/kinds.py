"""Output bytes by kind of file, for sitegen's and Hugo's sites of the same entries.

    python benchmarks/kinds.py sitegen OUTPUT_FOLDER
    python benchmarks/kinds.py hugo OUTPUT_FOLDER

Kinds: entry pages, listing pages (the stream and its archive pages; for Hugo its home
and section pages, both paginated), topic pages, other pages (home, key events, embed,
authors, 404, topic index), feeds (every format), updates JSON, sitemap, assets (theme
assets, static files). run.py prints this beside its table; it is also handy alone.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

KINDS = ("entry pages", "listing pages", "topic pages", "other pages", "feeds", "updates JSON", "sitemap",
         "assets")

_SITEGEN = [
    (re.compile(r"[^/]+/entries/[^/]+/index\.html$"), "entry pages"),
    (re.compile(r"[^/]+/(page/\d+/)?index\.html$"), "listing pages"),
    (re.compile(r"[^/]+/topics/[^/]+/(page/\d+/)?index\.html$"), "topic pages"),
    (re.compile(r"(.*/)?(feed\.xml|atom\.xml|feed\.json)$"), "feeds"),
    (re.compile(r"[^/]+/updates\.json$"), "updates JSON"),
    (re.compile(r"sitemap\.xml$"), "sitemap"),
    (re.compile(r".*\.html$"), "other pages"),
]
_HUGO = [
    (re.compile(r"posts/[^/]+/index\.html$"), "entry pages"),
    (re.compile(r"((posts/)?page/\d+/index\.html|(posts/)?index\.html)$"), "listing pages"),
    (re.compile(r"tags/[^/]+/(page/\d+/)?index\.html$"), "topic pages"),
    (re.compile(r"(.*/)?index\.xml$"), "feeds"),
    (re.compile(r"sitemap\.xml$"), "sitemap"),
    (re.compile(r".*\.html$"), "other pages"),
]


def kind_of(tool: str, rel: str) -> str:
    for pattern, kind in (_HUGO if tool == "hugo" else _SITEGEN):
        if pattern.fullmatch(rel):
            return kind
    return "assets"


def by_kind(tool: str, folder: Path) -> dict[str, tuple[int, int]]:
    """kind -> (files, bytes) of an output folder (`tool`: "sitegen" or "hugo")."""
    found = {kind: (0, 0) for kind in KINDS}
    for dirpath, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(dirpath, name)
            kind = kind_of(tool, os.path.relpath(path, folder).replace(os.sep, "/"))
            files, size = found[kind]
            found[kind] = (files + 1, size + os.lstat(path).st_size)
    return found


def table(columns: dict[str, dict[str, tuple[int, int]]]) -> str:
    """A Markdown table: one row per kind, files and MB per tool, and the ratio to the last tool."""
    names = list(columns)
    head = "| kind | " + " | ".join(f"{n} files | {n} MB" for n in names)
    lines = [head + (f" | {names[0]} / {names[-1]} |" if len(names) > 1 else " |"),
             "| --- |" + " ---: | ---: |" * len(names) + (" ---: |" if len(names) > 1 else "")]
    totals = {n: [0, 0] for n in names}
    for kind in KINDS + ("total",):
        cells = []
        for n in names:
            files, size = totals[n] if kind == "total" else columns[n][kind]
            if kind != "total":
                totals[n][0] += files
                totals[n][1] += size
            cells.append(f"{files:,} | {size / 1e6:.2f}")
        ratio = ""
        if len(names) > 1:
            a = totals[names[0]][1] if kind == "total" else columns[names[0]][kind][1]
            b = totals[names[-1]][1] if kind == "total" else columns[names[-1]][kind][1]
            ratio = f" {a / b:.2f} |" if b else " — |"
        lines.append(f"| {kind} | " + " | ".join(cells) + " |" + ratio)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pairs", nargs="+", help="TOOL FOLDER [TOOL FOLDER ...]")
    args = parser.parse_args()
    pairs = list(zip(args.pairs[::2], args.pairs[1::2]))
    print(table({tool: by_kind(tool, Path(folder)) for tool, folder in pairs}))


if __name__ == "__main__":
    main()
