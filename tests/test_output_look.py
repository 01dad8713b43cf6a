"""A fresh `sitegen build` has a forked child look at every file the last build left
(build/start.py `look_apart`) while it checks and reads the sources: the up-to-date
check and the writer then go by what the look found, instead of asking each file
themselves. What the look finds must be exactly what asking would find."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import sitegen.build.start as start
from sitegen.build.oneoff import build_once
from sitegen.build.pipeline import build, default_options
from sitegen.core.forking import Forked
from sitegen.incremental import uptodate
from sitegen.output.record import OutputLook, look_at_output, looked, manifest_signature
from sitekit import DEFAULT_LIVEBLOG, entry_md, make_site, snapshot

# (The `looks` fixture forks beside the suite's browser thread, which Python 3.12+ warns of.)
pytestmark = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(uptodate, "RACY_NS", 0)  # (files count as settled at once: see test_uptodate)
    entries = {f"e{n}.md": entry_md(f"2025-03-01T1{n}:00", f"Entry {n}.", title=f"Entry {n}") for n in range(4)}
    return make_site(tmp_path, liveblogs={"live": {"liveblog.yaml": DEFAULT_LIVEBLOG, **entries}})


@pytest.fixture
def looks(monkeypatch: pytest.MonkeyPatch) -> list[Forked[OutputLook] | None]:
    """Each look `build_once` takes (None where it took none). It takes one even where
    the suite's browser has left a thread running (playwright's), which a real build
    would not fork beside (forking.can_fork): the child here only reads and stats files."""
    taken: list[Forked[OutputLook] | None] = []
    monkeypatch.setattr(start, "can_fork", lambda: True)
    original = start.look_apart

    def look_apart(options: start.BuildOptions) -> Forked[OutputLook] | None:
        taken.append(original(options))
        return taken[-1]

    monkeypatch.setattr("sitegen.build.oneoff.look_apart", look_apart)
    return taken


def _hand_edit(page: Path) -> bytes:
    """Change a page as a person might (same size, a later mtime); its bytes before."""
    data = page.read_bytes()
    page.write_bytes(data.replace(b"Entry 1.", b"Entry 1!"))
    os.utime(page, ns=(time.time_ns(), page.stat().st_mtime_ns + 1_000_000_000))
    return data


def _edit(site: Path) -> None:
    path = site / "content/live/e3.md"
    path.write_text(path.read_text("utf-8").replace("Entry 3.", "Entry 3, corrected."), "utf-8")


def test_a_build_after_an_edit_goes_by_the_look_and_remakes_a_page_changed_by_hand(
        site: Path, tmp_path: Path, looks: list[Forked[OutputLook] | None]) -> None:
    options = default_options(site)
    build_once(options)
    assert looks == [None]  # (no record yet: nothing to look at)
    page = site / "output/live/entries/e1/index.html"
    data = _hand_edit(page)
    _edit(site)
    result = build_once(options)
    look = looks[-1]
    assert look is not None
    found = look.result()
    assert found is not None and found.changed == {"live/entries/e1/index.html"}
    assert result.site is not None and page.read_bytes() == data
    fresh = tmp_path / "fresh"
    build(default_options(site, fresh, use_cache=False))
    assert snapshot(site / "output") == snapshot(fresh)


def test_the_up_to_date_check_goes_by_the_look(site: Path, looks: list[Forked[OutputLook] | None],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SITEGEN_VERIFY_INPUTS")  # (so that a build with nothing to do does nothing)
    options = default_options(site)
    build_once(options)
    assert build_once(options).site is None  # nothing changed: skipped
    assert looks[-1] is not None and looks[-1].result() == OutputLook(looks[-1].result().manifest, frozenset())
    page = site / "output/live/index.html"
    data = _hand_edit(page)
    again = build_once(options)
    assert looks[-1] is not None and looks[-1].result().changed == {"live/index.html"}
    assert again.site is not None and page.read_bytes() == data


def test_a_look_that_fails_leaves_each_file_to_be_asked(site: Path, looks: list[Forked[OutputLook] | None],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    options = default_options(site)
    build_once(options)

    def broken(output: Path, manifest: Path) -> OutputLook | None:
        raise MemoryError  # (in the child: it ends without a result)

    monkeypatch.setattr(start, "look_at_output", broken)
    page = site / "output/live/entries/e1/index.html"
    data = _hand_edit(page)
    _edit(site)
    assert build_once(options).site is not None
    assert looks[-1] is not None and looks[-1].result() is None
    assert page.read_bytes() == data


def test_a_look_at_another_manifest_is_not_used(site: Path) -> None:
    build(default_options(site))
    manifest = next((site / ".sitegen-cache").glob("output-*.json"))
    look = look_at_output(site / "output", manifest)
    assert look is not None and looked(look, manifest) == frozenset()
    manifest.write_text(manifest.read_text("utf-8") + " ", "utf-8")  # (another build's record)
    assert manifest_signature(manifest) != look.manifest and looked(look, manifest) is None
    assert look_at_output(site / "nowhere", manifest) is None  # (not a folder sitegen wrote)


def test_a_build_that_fails_ends_its_look(site: Path, looks: list[Forked[OutputLook] | None],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    options = default_options(site)
    build_once(options)

    def slow(output: Path, manifest: Path) -> OutputLook | None:
        time.sleep(60)
        return None

    monkeypatch.setattr(start, "look_at_output", slow)
    (site / "content/live/e2.md").write_text("---\ntime: not a time\n---\n", "utf-8")
    started = time.monotonic()
    with pytest.raises(Exception):
        build_once(options)
    assert time.monotonic() - started < 30
    look = looks[-1]
    assert look is not None
    with pytest.raises(ChildProcessError):
        os.waitpid(look.pid, os.WNOHANG)  # (the look was ended and reaped)


def test_forked_work_gives_its_result_or_none() -> None:
    assert Forked(lambda: {"a": frozenset({1})}).result() == {"a": frozenset({1})}
    assert Forked(lambda: 1 / 0).result() is None
    done = Forked(lambda: 7)
    assert (done.result(), done.result()) == (7, 7)
    done.close()  # (after its result: nothing to end)
    sleeper = Forked(lambda: time.sleep(60))
    started = time.monotonic()
    sleeper.close()
    assert time.monotonic() - started < 10 and sleeper.result() is None
