"""The output writer's parts, each on its own (sitegen/output): what the last build left
that stands (skip.py), the claims `serve` checks in one go (claims.py), a forked
renderer's share of the staged build (staged.py) and deferred pages (writer.py). Whole builds through them are
tested everywhere else (test_cache, test_serve_rebuild, test_publish...)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sitegen.core.errors import SitegenError
from sitegen.output.claims import Claims
from sitegen.output.record import FileRecord, OutputRecord, digest
from sitegen.output.skip import SkipDecider, StaleInputs
from sitegen.output.writer import Deferred, OutputWriter


def _built(output: Path, files: dict[str, bytes], inputs: str | None = None) -> OutputRecord:
    """An output folder as a build left it, and that build's record."""
    records = {}
    for rel, data in files.items():
        (output / rel).parent.mkdir(parents=True, exist_ok=True)
        (output / rel).write_bytes(data)
        stat = (output / rel).stat()
        records[rel] = FileRecord(digest(data), stat.st_size, stat.st_mtime_ns, inputs)
    return OutputRecord(records, {})


def _never() -> bytes:
    raise AssertionError("produced, though its inputs stand")


def test_a_file_touched_since_the_last_build_is_written_again_unless_the_record_is_trusted(tmp_path: Path) -> None:
    record = _built(tmp_path, {"a.html": b"<p>a</p>"}, inputs="in")
    os.utime(tmp_path / "a.html", ns=(1, 1))  # same size, another mtime: edited by hand, say
    on_disk = SkipDecider(tmp_path, record, verify=False)
    assert on_disk.same_inputs("a.html", "in", _never) is None
    assert on_disk.unchanged("a.html", digest(b"<p>a</p>")) is None
    trusted = OutputRecord(record.files, {}, trusted=True)  # serve's own record of its private folder
    assert SkipDecider(tmp_path, trusted, verify=False).same_inputs("a.html", "in", _never) == record.files["a.html"]


def test_an_unchanged_file_keeps_its_record_with_this_builds_inputs(tmp_path: Path) -> None:
    record = _built(tmp_path, {"a.html": b"<p>a</p>"}, inputs="old")
    skip = SkipDecider(tmp_path, record, verify=False)
    assert skip.same_inputs("a.html", "new", _never) is None
    kept = skip.unchanged("a.html", digest(b"<p>a</p>"), "new")
    assert kept is not None and (kept.digest, kept.size, kept.inputs) == (record.files["a.html"].digest, 8, "new")
    assert skip.unchanged("a.html", digest(b"<p>b</p>"), "new") is None


def test_under_verification_a_file_with_the_same_inputs_must_have_the_same_bytes(tmp_path: Path) -> None:
    record = _built(tmp_path, {"a.html": b"<p>a</p>"}, inputs="in")
    skip = SkipDecider(tmp_path, record, verify=True)
    assert skip.same_inputs("a.html", "in", lambda: b"<p>a</p>") == record.files["a.html"]
    with pytest.raises(StaleInputs, match="a.html: same inputs, different bytes"):
        skip.same_inputs("a.html", "in", lambda: b"<p>b</p>")


def test_a_group_claimed_last_time_is_claimed_in_one_go_and_still_clashes(tmp_path: Path) -> None:
    first = Claims({})
    paths = [("live/entries/a/index.html", "page a"), ("live/entries/b/index.html", "page b")]
    first.claim_group("entries", "in", lambda: paths)
    again = Claims(first.groups)

    def unlisted() -> list[tuple[str, str]]:
        raise AssertionError("listed path by path, though claimed last time with the same inputs")
    again.claim_group("entries", "in", unlisted)
    assert again.known("LIVE/entries/a/index.html") and again.known("live/entries/b/index.html")
    clashing = Claims(first.groups)
    clashing.claim("live/entries/b", "static/live/entries/b")
    with pytest.raises(SitegenError, match="'live/entries/b/index.html' from page b and 'live/entries/b' from"):
        clashing.claim_group("entries", "in", lambda: paths)


def test_a_forked_renderers_share_stages_into_the_build_and_its_records_reach_the_parent_only_when_adopted(
        tmp_path: Path) -> None:
    output = tmp_path / "out"
    writer = OutputWriter.open(output, None)
    writer.write("feed.xml", b"<rss/>", "the feed")
    part = writer.staged.share()
    child = writer.making_deferred().into(part)
    child.write("a/index.html", b"<p>a</p>", "page a")
    staging = writer.staged.staging
    assert (staging / "a/index.html").read_bytes() == b"<p>a</p>"  # staged where the parent stages
    assert list(part.files) == ["a/index.html"] and set(part.records) == {"a/index.html"}
    assert writer.staged_files == ["feed.xml"] and "a/index.html" not in writer.staged.records
    writer.staged.adopt(part.records, part.files)
    assert writer.staged_files == ["feed.xml", "a/index.html"] and writer.written == 2
    assert writer.staged.records["a/index.html"] == FileRecord(
        digest(b"<p>a</p>"), 8, (staging / "a/index.html").stat().st_mtime_ns, None)
    writer.abort()


def test_deferred_pages_are_made_when_their_task_runs_and_standing_ones_never(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SITEGEN_VERIFY_INPUTS", raising=False)
    output, manifest = tmp_path / "out", tmp_path / "record.json"
    first = OutputWriter.open(output, manifest)
    first.write_lazy("a.html", "in-a", lambda: b"a", "page a")
    first.write_lazy("b.html", "in-b", lambda: b"b", "page b")
    first.commit()
    deferred, made = Deferred(), []
    writer = OutputWriter.open(output, manifest)
    pages = writer.deferring(deferred)
    pages.write_lazy("a.html", "in-a", _never, "page a")
    pages.write_lazy("b.html", "in-b2", lambda: made.append("b") or b"B", "page b")
    assert made == [] and deferred.pages == 1
    with pytest.raises(SitegenError, match="the same output file"):
        pages.write("b.html", b"x", "another source")  # claimed when deferred
    for task in deferred.tasks:
        task(writer.making_deferred())
    assert made == ["b"] and writer.staged_files == ["b.html"]
    writer.commit()
    assert (output / "a.html").read_bytes() == b"a" and (output / "b.html").read_bytes() == b"B"
