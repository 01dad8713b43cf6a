"""What a user installs is what the tests test: a wheel built from this checkout holds
every subpackage and the theme, and builds the sample site from a fresh environment.
And the cache's code digest covers every module of every subpackage."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from sitekit import REPO_ROOT, html_page

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(folder), str(REPO_ROOT)], check=True, timeout=300,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    (found,) = folder.glob("sitegen-*.whl")
    return found


def test_the_wheel_holds_every_subpackage_and_the_theme(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = sorted(p.parent.relative_to(REPO_ROOT).as_posix()
                      for p in (REPO_ROOT / "sitegen").rglob("__init__.py"))
    assert packages and all(f"{p}/__init__.py" in names for p in packages), packages
    modules = [p.relative_to(REPO_ROOT).as_posix() for p in (REPO_ROOT / "sitegen").rglob("*.py")]
    assert sorted(m for m in modules if m not in names) == []
    assert "sitegen/themes/default/templates/base.html" in names
    assert "sitegen/i18n/catalogs/en.yaml" in names and "sitegen/i18n/catalogs/uk.yaml" in names


def test_the_installed_wheel_builds_the_sample_site(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    # sitegen's libraries from the environment running the tests (the base Python's, which
    # `--system-site-packages` would give, need not have them: a Python 3.13 here had none),
    # after the venv's own folder, where the wheel goes; a .pth line only adds a folder to
    # the path (that folder's own .pth files, an editable sitegen's among them, are not run).
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    libraries = [entry for entry in sys.path if Path(entry).name in ("site-packages", "dist-packages")]
    Path(purelib, "test-environment.pth").write_text("\n".join(libraries) + "\n", "utf-8")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True, timeout=300,
                   stdout=subprocess.DEVNULL)
    where = subprocess.run([str(python), "-c", "import sitegen, sitegen.themes, json; "
                            "print(json.dumps([sitegen.__file__, sitegen.themes.__file__]))"],
                           cwd=tmp_path, capture_output=True, text=True, check=True, timeout=60)
    assert all(path.startswith(str(venv)) for path in json.loads(where.stdout)), where.stdout
    output = tmp_path / "output"
    subprocess.run([str(python), "-m", "sitegen", "build", "--source", str(REPO_ROOT), "--output", str(output),
                    "--no-cache"], cwd=tmp_path, check=True, timeout=300, capture_output=True)
    for folder in (REPO_ROOT / "content").iterdir():
        entries = len([p for p in folder.glob("*.md")])
        page = html_page(output / folder.name / "index.html")
        assert len(page.xpath("//*[starts-with(@id, 'entry-')]")) >= min(entries, 1)
        assert page.xpath("//link[@rel='stylesheet']/@href")


# Imported by sitegen only where it is optional (inside a `try` that does without it),
# with the extra that installs it.
OPTIONAL_IMPORTS = {"markdown_it_pyrs": "fast"}


def _third_party_imports() -> dict[str, str]:
    """Every top-level module sitegen's code imports that is neither the standard
    library's nor sitegen's own -> the first file importing it."""
    found: dict[str, str] = {}
    for path in sorted((REPO_ROOT / "sitegen").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top != "sitegen" and top not in sys.stdlib_module_names:
                    found.setdefault(top, str(path.relative_to(REPO_ROOT)))
    return found


def _requirements(metadata: str) -> dict[str | None, set[str]]:
    """The wheel's Requires-Dist names, by extra (None: what `pip install .` installs)."""
    wanted: dict[str | None, set[str]] = {}
    for line in metadata.splitlines():
        if line.startswith("Requires-Dist:"):
            spec, _, marker = line.partition(":")[2].partition(";")
            name = re.split(r"[\s<>=!~\[(]", spec.strip(), maxsplit=1)[0]
            extra = re.search(r"extra\s*==\s*['\"]([^'\"]+)['\"]", marker)
            wanted.setdefault(extra.group(1) if extra else None, set()).add(canonical(name))
    return wanted


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_what_sitegen_imports_is_what_pip_install_installs(wheel: Path) -> None:
    """`pip install .` (the README's first command) must install every library the
    code imports: one declared only for the tests (lxml, once) passes every test and
    fails on a newsroom's fresh machine."""
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        wanted = _requirements(archive.read(name).decode("utf-8"))
    providers = importlib.metadata.packages_distributions()
    missing = []
    for module, where in sorted(_third_party_imports().items()):
        distributions = {canonical(d) for d in providers.get(module, [module])}
        declared = wanted.get(OPTIONAL_IMPORTS.get(module), set())
        if not distributions & declared:
            missing.append(f"{module} (imported by {where}; from {sorted(distributions)})")
    assert missing == [], "imported but not installed by `pip install .`: " + "; ".join(missing)
    assert "lxml" in wanted[None] and "markdown-it-pyrs" in wanted["fast"]
