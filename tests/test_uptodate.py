"""A build whose sources and output are as the last build left them does nothing
(uptodate.py); any change to a source, an option or the output makes it build."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from sitegen.incremental import uptodate
from sitegen.build.pipeline import BuildResult, build, default_options
from sitegen.output.skip import StaleInputs
from sitekit import DEFAULT_CONFIG, DEFAULT_LIVEBLOG, build as cli_build, entry_md, make_site, snapshot, write


@pytest.fixture
def site(tmp_path: Path, monkeypatch) -> Path:
    """A small site; files count as settled as soon as they are written (the two-second
    rule against racy stamps is tested on its own), and pages are not verified one by one."""
    monkeypatch.setattr(uptodate, "RACY_NS", 0)
    monkeypatch.delenv("SITEGEN_VERIFY_INPUTS", raising=False)
    return make_site(tmp_path / "site", liveblogs={"live": {
        "liveblog.yaml": DEFAULT_LIVEBLOG,
        "a.md": entry_md("2025-03-01T10:00", "First entry.", title="First", topics="[energy]"),
        "b.md": entry_md("2025-03-01T11:00", "Second entry.", title="Second"),
        "draft.md": entry_md("2025-03-01T11:30", "Not yet.", title="Draft", draft="true"),
    }}, files={"static/note.txt": "hello\n", "templates/.keep": ""})


def _build(site: Path, **options: object) -> BuildResult:
    return build(default_options(site, **options))  # type: ignore[arg-type]


def test_a_second_build_with_nothing_changed_does_nothing(site: Path) -> None:
    first = _build(site)
    before = snapshot(site / "output")
    again = _build(site)
    assert first.site is not None and again.site is None
    assert (again.written, again.summary) == (0, first.summary)
    assert again.summary.entries == 2 and again.summary.liveblogs == 1
    assert snapshot(site / "output") == before


def test_the_cli_says_the_output_is_up_to_date(site: Path) -> None:
    assert cli_build(site).exit_code == 0
    result = cli_build(site)
    assert result.exit_code == 0
    assert "(up to date)" in result.stderr.splitlines()[-1]


# What only a build with work to do needs: a fresh `sitegen build` with nothing to do
# must end without importing any of it (build/oneoff.py), or cron jobs pay for it each run.
# (Loading sitegen.yaml checks `language:` by CLDR's file names, without Babel: core/language.py.)
RENDERING_PACKAGES = {"jinja2", "markdown_it", "mdit_py_plugins", "babel", "boto3", "botocore", "PIL"}
_FRESH_BUILD = """
import json, sys
from sitegen.cli import cli
try:
    cli(["build", "--source", sys.argv[1]], prog_name="sitegen")
except SystemExit as stop:
    assert not stop.code, stop.code
print(json.dumps(sorted(sys.modules)))
"""


def test_a_fresh_process_with_nothing_to_do_imports_no_renderer(site: Path) -> None:
    first = cli_build(site)
    assert first.exit_code == 0 and "(up to date)" not in first.stderr
    fresh = subprocess.run([sys.executable, "-c", _FRESH_BUILD, str(site)], capture_output=True, text=True,
                           timeout=120, stdin=subprocess.DEVNULL)  # (without SITEGEN_VERIFY_INPUTS: see `site`)
    assert fresh.returncode == 0, fresh.stderr
    said = fresh.stderr.splitlines()
    assert "(up to date)" in said[-1]
    assert said[:-1] == first.stderr.splitlines()[:-1]  # the same warnings as every build
    imported = {name.split(".")[0] for name in json.loads(fresh.stdout)}
    assert "sitegen.build.start" in json.loads(fresh.stdout)  # (the probe ran the check)
    assert imported & RENDERING_PACKAGES == set()
    assert "sitegen.build.pipeline" not in json.loads(fresh.stdout)


def test_a_fresh_rebuild_imports_no_svg_checker_nor_the_tests_feed_references(site: Path) -> None:
    """lxml checks static SVGs (once: a logo found clean is known by its bytes), Pillow
    makes pictures (a liveblog without local images never needs it), ElementTree only
    writes the feeds the tests compare against (feeds/trees.py) and email.utils wrote
    RSS dates: none of them is a publish's start-up cost."""
    write(site / "static/logo.svg", '<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>')
    assert cli_build(site).exit_code == 0
    _edit_entry(site)
    fresh = subprocess.run([sys.executable, "-c", _FRESH_BUILD, str(site)], capture_output=True, text=True,
                           timeout=120, stdin=subprocess.DEVNULL)
    assert fresh.returncode == 0, fresh.stderr
    assert "(up to date)" not in fresh.stderr
    imported = set(json.loads(fresh.stdout))
    assert "sitegen.build.pipeline" in imported and "sitegen.core.svgsafe" in imported  # (the rebuild ran)
    assert {"lxml", "PIL", "email.utils", "xml.etree.ElementTree", "sitegen.feeds.trees"} & imported == set()
    assert (site / "output/logo.svg").is_file() and (site / "output/live/feed.xml").is_file()


def test_a_fresh_rebuild_of_a_liveblog_showing_only_svgs_imports_no_pillow(site: Path) -> None:
    """An SVG is cleaned and published as it is: nothing of Pillow's shapes it, so neither
    its cache key nor its file name asks Pillow which formats it writes."""
    write(site / "static/chart.svg", '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 3"><rect/></svg>')
    write(site / "content/live/b.md", entry_md("2025-03-01T11:00", "Second entry.", title="Second",
                                               image="/chart.svg", alt="A chart"))
    assert cli_build(site).exit_code == 0
    _edit_entry(site)
    fresh = subprocess.run([sys.executable, "-c", _FRESH_BUILD, str(site)], capture_output=True, text=True,
                           timeout=120, stdin=subprocess.DEVNULL)
    assert fresh.returncode == 0, fresh.stderr
    imported = set(json.loads(fresh.stdout))
    assert "sitegen.media.library" in imported and "PIL" not in imported
    published = [p.name for p in (site / "output/media").iterdir()]
    assert len(published) == 1 and published[0].startswith("chart-") and published[0].endswith(".svg")


def _edit_entry(site: Path) -> None:
    path = site / "content/live/a.md"
    path.write_text(path.read_text("utf-8").replace("First entry.", "Fixed entry."), "utf-8")  # same size


def _add_entry(site: Path) -> None:
    write(site / "content/live/c.md", entry_md("2025-03-01T12:00", "Third entry.", title="Third"))


def _delete_entry(site: Path) -> None:
    (site / "content/live/b.md").unlink()


def _edit_static(site: Path) -> None:
    write(site / "static/note.txt", "HELLO\n")


def _add_template(site: Path) -> None:
    write(site / "templates/404.html", "<!DOCTYPE html><title>Gone</title><p>Not here.\n")


def _edit_config(site: Path) -> None:
    write(site / "sitegen.yaml", DEFAULT_CONFIG.replace("Test Site", "Best Site"))


def _edit_liveblog(site: Path) -> None:
    write(site / "content/live/liveblog.yaml", DEFAULT_LIVEBLOG.replace("Diplomacy", "Talks"))


def _delete_output_file(site: Path) -> None:
    (site / "output/live/index.html").unlink()


def _edit_output_file(site: Path) -> None:
    path = site / "output/live/index.html"
    os.utime(path, ns=(0, 0))  # as if replaced by an older copy of the same size


@pytest.mark.parametrize("change", [_edit_entry, _add_entry, _delete_entry, _edit_static, _add_template,
                                    _edit_config, _edit_liveblog, _delete_output_file, _edit_output_file])
def test_any_change_makes_the_next_build_run(site: Path, change: Callable[[Path], None]) -> None:
    _build(site)
    assert _build(site).site is None
    change(site)
    again = _build(site)
    assert again.site is not None and again.written > 0
    assert _build(site).site is None  # and then it is up to date again


@pytest.mark.parametrize("options", [{"base_url": "https://example.com/x/"}, {"drafts": True}])
def test_other_options_make_the_next_build_run(site: Path, options: dict[str, object]) -> None:
    _build(site)
    assert _build(site, **options).site is not None
    assert _build(site, **options).site is None
    assert _build(site).site is not None  # back to the first options: the output differs now


@pytest.mark.parametrize("name", ["a.md~", ".#a.md", "a.md.swp"])
def test_an_editors_temporary_file_means_a_real_build(site: Path, name: str) -> None:
    """The build warns about it each time: the warning is not skipped with the work."""
    write(site / "content/live" / name, "scratch")
    _build(site)
    assert _build(site).site is not None


def test_a_symlink_among_the_sources_means_a_real_build(site: Path) -> None:
    (site / "static/link.txt").symlink_to(site / "static/note.txt")
    _build(site)
    assert _build(site).site is not None



def test_a_name_that_is_not_utf8_means_a_real_build_and_one_that_is_does_not(site: Path) -> None:
    """Names are checked together, folder by folder: one that is not UTF-8 (a file in
    static/ that the build skips with a warning each time) means a real build; accented
    names, in a folder below, do not."""
    write(site / "static/photos/kyiv/café.txt", "x")
    _build(site)
    assert _build(site).site is None
    (site / "static").joinpath(os.fsdecode(b"caf\xe9.txt")).write_text("x", "utf-8")
    _build(site)
    assert _build(site).site is not None

def test_files_written_just_before_a_build_are_not_trusted(site: Path, monkeypatch) -> None:
    """A second write in the same clock tick could leave a file's stamps the same: a
    build that starts within two seconds of a change records nothing for the next."""
    monkeypatch.setattr(uptodate, "RACY_NS", 2_000_000_000)
    _build(site)
    assert _build(site).site is not None


def test_a_wrong_claim_is_caught_when_pages_are_verified(site: Path, monkeypatch) -> None:
    """Under SITEGEN_VERIFY_INPUTS (the test suite's mode) an up-to-date build runs anyway
    and fails when it writes anything: here the check is fooled on purpose."""
    _build(site)
    monkeypatch.setattr(uptodate, "_digest", lambda signatures: "always the same")
    _build(site)
    _edit_entry(site)
    assert _build(site).site is None  # fooled: the edit is not seen
    monkeypatch.setenv("SITEGEN_VERIFY_INPUTS", "1")
    before = snapshot(site / "output")
    with pytest.raises(StaleInputs, match=r"yet \d+ files changed \(first: live/"):
        _build(site)
    assert snapshot(site / "output") == before
