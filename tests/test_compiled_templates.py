"""Compiled templates outlive the process: a fresh `sitegen build` (a newsroom's cron job
publishing one edit) loads them from Jinja's private per-user folder instead of
compiling every template again, never from the site's own cache folder, and never
when a template changed since."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import sys
import types
import tempfile
from pathlib import Path

import jinja2
import pytest

import sitegen.render.renderer as renderer_module
from sitekit import DEFAULT_LIVEBLOG, build_ok, entry_md, html_page, make_site, snapshot


@pytest.fixture
def private_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system's temporary folder, for this test alone (Jinja keeps its folder in it)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates Jinja compiles from now on, in a process that has
    compiled none yet (as a fresh `sitegen build`)."""
    names: list[str] = []
    monkeypatch.setattr(renderer_module, "_PROCESS_CODES", {})
    original = jinja2.Environment.compile

    def compile_counted(self, source, name=None, filename=None, raw=False, defer_init=False):  # noqa: ANN001, ANN202
        names.append(name)
        return original(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", compile_counted)
    return names


def _site(root: Path, **files: str) -> Path:
    entries = {"a.md": entry_md("2025-03-01T09:00", "First.", title="First"),
               "b.md": entry_md("2025-03-01T10:00", "Second.", title="Second")}
    return make_site(root, liveblogs={"live": {"liveblog.yaml": DEFAULT_LIVEBLOG, **entries}}, files=files)


def _kept(temp: Path) -> list[Path]:
    return sorted((temp / f"_jinja2-cache-{os.getuid()}").glob("sitegen-*"))


def _edit(site: Path) -> None:
    path = site / "content/live/b.md"
    path.write_text(path.read_text("utf-8").replace("Second.", "Second, edited."), "utf-8")


def test_a_fresh_process_loads_the_templates_the_last_one_compiled(tmp_path: Path, private_temp: Path,
                                                                   compiles: list[str]) -> None:
    site = _site(tmp_path)
    build_ok(site)
    assert compiles  # (the first build compiles what it renders, and keeps each)
    assert len(_kept(private_temp)) == len(set(compiles))
    assert stat.S_IMODE((private_temp / f"_jinja2-cache-{os.getuid()}").stat().st_mode) == 0o700
    compiles.clear()
    renderer_module._PROCESS_CODES.clear()  # (a new process: nothing compiled in memory)
    _edit(site)
    output = build_ok(site)
    assert compiles == []
    assert html_page(output / "live/entries/b/index.html").xpath("string(//article//p)") == "Second, edited."


def test_the_site_cache_folder_never_holds_compiled_templates(tmp_path: Path, private_temp: Path,
                                                              compiles: list[str]) -> None:
    """A CI cache or a shared disk may carry the site's cache folder from one machine to
    the next: what is in it may change pages, never run code."""
    site = _site(tmp_path)
    build_ok(site)
    assert _kept(private_temp)
    cached = [p.name for p in (site / ".sitegen-cache").rglob("*") if p.is_file()]
    assert cached and not [name for name in cached if "jinja" in name or name.startswith("sitegen-")]


def test_an_edited_template_is_compiled_again(tmp_path: Path, private_temp: Path, compiles: list[str]) -> None:
    site = _site(tmp_path)
    build_ok(site)
    theme = Path(renderer_module.BUNDLED_THEMES) / "default/templates/base.html"
    override = site / "templates/base.html"
    override.parent.mkdir()
    override.write_text(theme.read_text("utf-8").replace("<main", "<main data-edited=\"yes\""), "utf-8")
    compiles.clear()
    renderer_module._PROCESS_CODES.clear()
    output = build_ok(site)
    assert "base.html" in compiles
    assert html_page(output / "live/index.html").xpath("//main/@data-edited") == ["yes"]
    override.write_text(theme.read_text("utf-8").replace("<main", "<main data-edited=\"again\""), "utf-8")
    renderer_module._PROCESS_CODES.clear()
    output = build_ok(site)
    assert html_page(output / "live/index.html").xpath("//main/@data-edited") == ["again"]


def test_damaged_compiled_templates_are_compiled_again(tmp_path: Path, private_temp: Path,
                                                       compiles: list[str]) -> None:
    site = _site(tmp_path)
    first = snapshot(build_ok(site, output=tmp_path / "first"))
    for n, path in enumerate(_kept(private_temp)):
        path.write_bytes([b"", b"garbage", path.read_bytes()[:40]][n % 3])
    compiles.clear()
    renderer_module._PROCESS_CODES.clear()
    assert snapshot(build_ok(site, "--no-cache", output=tmp_path / "fresh")) == first
    compiles.clear()
    renderer_module._PROCESS_CODES.clear()
    shutil.rmtree(site / ".sitegen-cache")  # (every page and article made again: every template used)
    assert snapshot(build_ok(site, output=tmp_path / "second")) == first
    assert len(set(compiles)) == len(_kept(private_temp))  # (each damaged one compiled again, and kept again)
    assert all(path.stat().st_size > 100 for path in _kept(private_temp))


def test_without_a_private_folder_or_the_cache_templates_are_compiled_and_not_kept(
        tmp_path: Path, private_temp: Path, compiles: list[str]) -> None:
    site = _site(tmp_path)
    build_ok(site, "--no-cache")
    assert compiles and not _kept(private_temp)
    (private_temp / f"_jinja2-cache-{os.getuid()}").write_text("not a folder", "utf-8")  # (Jinja refuses it)
    renderer_module._PROCESS_CODES.clear()
    compiles.clear()
    output = build_ok(site)
    assert compiles and html_page(output / "live/index.html").xpath("//main")


def test_a_full_disk_where_templates_are_kept_does_not_stop_the_build(
        tmp_path: Path, private_temp: Path, compiles: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    site = _site(tmp_path)

    def full(self, bucket):  # noqa: ANN001, ANN202
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(jinja2.FileSystemBytecodeCache, "dump_bytecode", full)
    output = build_ok(site)
    assert compiles and not _kept(private_temp)
    assert html_page(output / "live/entries/a/index.html").xpath("string(//article//p)") == "First."


def test_two_pythons_keep_their_compiled_templates_apart(tmp_path: Path, private_temp: Path, compiles: list[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Jinja refuses (and compiles again) what another Python compiled: a CI matrix on one
    machine would otherwise overwrite the other's at every build."""
    site = _site(tmp_path)
    build_ok(site)
    first = {path: path.read_bytes() for path in _kept(private_temp)}
    other = types.SimpleNamespace(**vars(sys.implementation))
    other.cache_tag = "cpython-399"
    monkeypatch.setattr(sys, "implementation", other)
    renderer_module._PROCESS_CODES.clear()
    shutil.rmtree(site / ".sitegen-cache")  # (every template used again)
    build_ok(site, output=tmp_path / "other")
    kept = _kept(private_temp)
    assert len(kept) == 2 * len(first) and all(path.read_bytes() == data for path, data in first.items())
