"""The layers of ARCHITECTURE.md, enforced: a module imports only from its own package
or from packages below it, the pipeline never imports the incremental engine, build or
serve, and no two modules import each other (no circle closed by a local import)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sitegen"

# Lowest first. A package may import its own modules and those of earlier packages.
LAYERS = ["core", "config", "i18n", "model", "markdown", "media", "source", "site", "render", "feeds",
          "output", "incremental", "build", "serve", "deploy", "top"]
PIPELINE = {"core", "config", "i18n", "model", "markdown", "media", "source", "site", "render", "feeds",
            "output"}
DATA_PACKAGES = {"themes", "scaffold"}  # files shipped with sitegen, no code to layer


def package_of(module: str) -> str:
    """`sitegen.source.loader` -> `source`; top-level modules (cli, authoring) -> `top`."""
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] in DATA_PACKAGES:
        return parts[1]
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and (PACKAGE / parts[1]).is_dir()) else "top"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[str, int]]:
    """(module imported, line) for every sitegen import in the file, local ones included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "sitegen":
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                is_module = (PACKAGE.parent / Path(*candidate.split("."))).with_suffix(".py").exists()
                found.append((candidate if is_module else node.module, node.lineno))
        elif isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name.split(".")[0] == "sitegen"]
    return found


def all_imports(package: Path = PACKAGE) -> dict[str, list[tuple[str, int]]]:
    return {module_name(p): imports(p) for p in sorted(package.rglob("*.py"))}


def layer_violations(graph: dict[str, list[tuple[str, int]]]) -> list[str]:
    wrong = []
    for module, targets in graph.items():
        here = package_of(module)
        if here in DATA_PACKAGES:
            continue
        for target, line in targets:
            there = package_of(target) if target != "sitegen" else "top"
            if there in DATA_PACKAGES or (target == "sitegen" and module.count(".") >= 1 and here != "top"):
                continue  # shipped data, or the package's version
            if there not in LAYERS or here not in LAYERS:
                wrong.append(f"{module}:{line}: package {there if there not in LAYERS else here!r} "
                             "is not in LAYERS: give it its place")
            elif LAYERS.index(there) > LAYERS.index(here):
                wrong.append(f"{module}:{line} imports {target}: {here} may not import {there} (upward)")
            elif here in PIPELINE and there not in PIPELINE:
                wrong.append(f"{module}:{line} imports {target}: the pipeline never imports {there}")
    return wrong


def circles(graph: dict[str, list[tuple[str, int]]]) -> list[list[str]]:
    """Import cycles among sitegen's modules (Tarjan's strongly connected components)."""
    edges = {m: sorted({t for t, _ in targets if t in graph and t != m}) for m, targets in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in edges:
        if module not in index:
            visit(module)
    return found


def test_imports_only_go_down_the_layers() -> None:
    assert layer_violations(all_imports()) == []


def test_no_module_imports_itself_in_a_circle() -> None:
    assert circles(all_imports()) == []


@pytest.mark.parametrize("line", ["from sitegen.incremental.cache import Cache\n",
                                  "import sitegen.build.pipeline\n",
                                  "def f():\n    from sitegen.serve import session\n"])
def test_a_pipeline_module_importing_upward_is_caught(tmp_path: Path, line: str) -> None:
    """The check itself: a copy of the package with one upward import added fails it."""
    copy = tmp_path / "sitegen"
    for path in PACKAGE.rglob("*.py"):
        target = copy / path.relative_to(PACKAGE)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    (copy / "source" / "loader.py").write_text((copy / "source" / "loader.py").read_text() + line)
    graph = {m.replace(str(copy), ""): v for m, v in
             {".".join(p.relative_to(tmp_path).with_suffix("").parts): imports(p) for p in copy.rglob("*.py")}.items()}
    assert any(v.startswith("sitegen.source.loader:") for v in layer_violations(graph))


def test_a_circle_is_caught() -> None:
    graph = {"sitegen.site.a": [("sitegen.site.b", 1)], "sitegen.site.b": [("sitegen.site.a", 3)]}
    assert circles(graph) == [["sitegen.site.a", "sitegen.site.b"]]


MAX_MODULE_LINES = 400  # the house limit (ARCHITECTURE.md, Invariants): a module with one job fits


def test_every_module_stays_under_the_house_limit() -> None:
    """A module past the limit is doing two jobs: split it (serve/http.py grew to 435
    lines before its guard moved out)."""
    long = {str(path.relative_to(PACKAGE)): lines for path in PACKAGE.rglob("*.py")
            if (lines := len(path.read_text("utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not long, long
