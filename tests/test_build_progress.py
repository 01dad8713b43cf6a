"""The progress line: a long build says what it is doing and how far it is, through the
work forked processes do (images processed, entry files made, articles and pages
rendered), not only while it plans; `serve`'s first build shows it too, and every
report starts on a clean line.

(Named to run before the browser tests: playwright leaves threads behind, and a
process with threads never forks, see forking.can_fork.)"""

from __future__ import annotations

import io
import os
import resource
import time
from functools import partial
from pathlib import Path

import pytest
from serve_helpers import running, serve_site, wait_for
from sitekit import DEFAULT_LIVEBLOG, entry_md, make_site, tiny_png, write

from sitegen.build.oneoff import build_once
from sitegen.build.pipeline import default_options
from sitegen.build.progress import ProgressLine
from sitegen.core import forking
from sitegen.core.forking import Forked, Tally
from sitegen.render import renderer
from sitegen.serve import session as session_module

COUNT = 60
IMAGES = 3


def long_site(root: Path) -> Path:
    entries = {f"e{n:02d}.md": entry_md(f"2025-03-01T{n // 4 + 1:02d}:{n % 4 * 15:02d}", f"Entry *{n}*.",
                                        title=f"Entry {n}", topics="[energy]" if n % 3 else "[]",
                                        **({"image": f"/photos/p{n}.png", "alt": "A photo"} if n < IMAGES else {}))
               for n in range(COUNT)}
    photos = {f"static/photos/p{n}.png": tiny_png(8 + n, 6) for n in range(IMAGES)}
    return make_site(root, liveblogs={"live": {"liveblog.yaml": DEFAULT_LIVEBLOG, **entries}}, files=photos)


def reports(calls: list[tuple[str, int, int]]) -> dict[str, list[tuple[int, int]]]:
    """Each stage's reports (done, total), in order; the stages in the order they began."""
    stages: dict[str, list[tuple[int, int]]] = {}
    for stage, done, total in calls:
        stages.setdefault(stage, []).append((done, total))
    return stages


def test_a_cold_build_reports_the_work_its_forked_processes_do(tmp_path: Path, forked: None,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(renderer, "ARTICLES_A_TASK", 8)  # (so that the articles come back in a few slices)
    site = long_site(tmp_path)
    calls: list[tuple[str, int, int]] = []
    result = build_once(default_options(site, tmp_path / "out"), progress=lambda *call: calls.append(call))
    stages = reports(calls)
    assert list(stages) == ["Reading entries", "Processing images", "Rendering entries", "Planning pages",
                            "Rendering pages"]
    for stage in ("Reading entries", "Processing images", "Rendering entries", "Rendering pages"):
        done = [d for d, _ in stages[stage]]
        totals = {t for _, t in stages[stage]}
        assert done == sorted(done) and len(totals) == 1 and done[-1] == totals.pop(), stage
    assert stages["Reading entries"][-1] == (COUNT, COUNT)
    assert stages["Processing images"][-1] == (IMAGES, IMAGES)
    assert stages["Rendering entries"][-1] == (COUNT, COUNT)
    pages_made = stages["Rendering pages"][-1][0]
    assert COUNT < pages_made < result.files and len(stages["Rendering entries"]) > 1
    again: list[tuple[str, int, int]] = []
    build_once(default_options(site, tmp_path / "out"), progress=lambda *call: again.append(call))
    assert {stage for stage, _, _ in again} <= {"Planning pages", "Rendering pages"}  # (nothing made again)
    assert all(done == 0 for stage, done, _ in again if stage == "Rendering pages")


def test_a_build_that_changes_many_published_files_reports_moving_them_in(tmp_path: Path) -> None:
    site = long_site(tmp_path)
    build_once(default_options(site, tmp_path / "out"))  # (the first build swaps its folder in whole)
    config = site / "sitegen.yaml"
    config.write_text(config.read_text("utf-8").replace("title: Test Site", "title: Test Site, renamed"), "utf-8")
    calls: list[tuple[str, int, int]] = []
    result = build_once(default_options(site, tmp_path / "out"), progress=lambda *call: calls.append(call))
    moved = reports(calls)["Publishing files"]
    assert [done for done, _ in moved] == list(range(1, result.written + 1)) and {t for _, t in moved} == {
        result.written} and result.written > COUNT


def test_images_processed_in_this_process_are_told_one_by_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forking, "can_fork", lambda: False)  # (as in `serve`'s process, beside its threads)
    calls: list[tuple[str, int, int]] = []
    build_once(default_options(long_site(tmp_path), tmp_path / "out"), progress=lambda *call: calls.append(call))
    assert reports(calls)["Processing images"] == [(1, IMAGES), (2, IMAGES), (3, IMAGES)]


def test_a_map_with_one_worker_does_its_slices_here_and_tells_each() -> None:
    told: list[int] = []
    assert forking.fork_map(lambda start, stop: list(range(start, stop)), 5, 1, 2, told.append) == [0, 1, 2, 3, 4]
    assert told == [2, 4, 5]
    assert forking.fork_map(lambda start, stop: list(range(start, stop)), 3, 1) == [0, 1, 2]
    assert forking.fork_map(lambda start, stop: list(range(start, stop)), 0, 1) == []


def test_the_parent_reads_its_forked_childrens_tally_while_it_waits() -> None:
    assert forking.can_fork()
    tally = Tally(2)

    def counting(slot: int) -> int:
        for count in range(1, 4):
            tally.set(slot, count)
            time.sleep(0.15)
        return slot

    children = [Forked(partial(counting, slot)) for slot in range(2)]
    seen: list[int] = []
    try:
        results = [child.result(while_waiting=lambda: seen.append(tally.total())) for child in children]
    finally:
        for child in children:
            child.close()
    assert results == [0, 1] and tally.total() == 6
    assert len(seen) >= 2 and seen == sorted(seen) and 0 < seen[-1] <= 6
    failed = Forked(lambda: 1 / 0)
    assert failed.result(while_waiting=lambda: None) is None
    tally.close()


def test_waiting_with_progress_works_for_a_child_whose_pipe_is_past_descriptor_1023() -> None:
    """A process holding many files (select.select refuses a descriptor past 1023)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1100:
        pytest.skip(f"this system allows {hard} open files, too few to hold a descriptor past 1023")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1100) if hard == resource.RLIM_INFINITY
                                                else min(max(soft, 1100), hard), hard))
    held: list[int] = []
    try:
        while not held or held[-1] < 1030:
            held.append(os.open(os.devnull, os.O_RDONLY))
        child = Forked(lambda: time.sleep(0.25) or "done")
        waited: list[bool] = []
        assert child._fd > 1023 and child.result(while_waiting=lambda: waited.append(True)) == "done" and waited
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def drawn(terminal: Terminal) -> list[str]:
    return [line.replace("\x1b[K", "") for line in terminal.getvalue().split("\r") if line]


def test_the_line_is_drawn_on_a_terminal_after_a_delay_at_most_every_tenth_of_a_second(
        monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    line = ProgressLine(delay=0.2, every=0.1)
    line("Reading entries", 1, 100)  # (too early: a short build shows nothing)
    assert terminal.getvalue() == ""
    time.sleep(0.25)
    for done in range(2, 100):
        line("Reading entries", done, 100)  # (drawn once: the next within a tenth of a second)
    line("Reading entries", 100, 100)  # (the last always)
    line("Rendering pages", 5, 0)  # (a new stage at once; no total known)
    assert drawn(terminal) == ["Reading entries: 2/100", "Reading entries: 100/100", "Rendering pages: 5"]
    line.clear()
    line.clear()
    assert terminal.getvalue().endswith("Rendering pages: 5\x1b[K\r\x1b[K")


def test_nothing_is_drawn_where_the_output_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    log = io.StringIO()
    monkeypatch.setattr("sys.stderr", log)
    line = ProgressLine(delay=0, every=0)
    line("Rendering pages", 10, 20)
    line.clear()
    assert log.getvalue() == ""


def test_serves_builds_show_the_line_and_clear_it_before_their_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[object] = []

    class Recording(ProgressLine):
        def __init__(self) -> None:
            super().__init__()
            self.enabled = False

        def __call__(self, stage: str, done: int, total: int) -> None:
            events.append((stage, done, total))

        def clear(self) -> None:
            events.append("cleared")

    monkeypatch.setattr(session_module, "ProgressLine", Recording)
    site = serve_site(tmp_path)
    with running(site) as session:
        lines = session.lines  # type: ignore[attr-defined]
        built = next(n for n, text in enumerate(lines) if " built " in text)
        assert lines[built - 1].startswith("Building ") and events[-1] == "cleared"
        assert any(event[0] == "Planning pages" for event in events if isinstance(event, tuple))
        events.clear()
        write(site / "content/night/alpha.md", entry_md("2025-03-23T09:00", "Alpha, corrected.", title="Alpha headline",
                                                         topics="[energy]"))
        wait_for(lambda: sum(" built " in text for text in lines) >= 2, what="the rebuild")
        assert ("Planning pages", 1, 0) in events and events[-1] == "cleared"
