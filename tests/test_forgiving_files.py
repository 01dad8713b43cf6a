"""File names and links no editor warns about: names that are not UTF-8, symlinks to
themselves and loops, and Markdown nested beyond what markdown-it renders. A clean
message (an error for content/, a warning and a skip for static/), never a traceback."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from sitekit import build, build_ok, entry_md, make_site, snapshot

LIVEBLOG = "title: War live\n"


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    site = make_site(tmp_path_factory.mktemp("good"), liveblogs={"war": {
        "liveblog.yaml": LIVEBLOG, "a.md": entry_md("2025-03-22T09:30", "Body.", title="A")}},
        files={"static/robots.txt": "ok", "static/img/x.txt": "x"})
    build_ok(site)
    return site


@pytest.fixture
def site(good, tmp_path) -> Path:
    copy = tmp_path / "site"
    shutil.copytree(good, copy, symlinks=True)
    return copy


def _bytes_name(folder: Path, name: bytes) -> Path:
    return Path(os.fsdecode(os.path.join(os.fsencode(folder), name)))


def _refused(site: Path, located: str, *words: str) -> None:
    before = snapshot(site / "output")
    result = build(site)
    assert result.exit_code == 1 and result.exception is None, result.stderr
    assert "Traceback" not in result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith(located)]
    assert lines and all(w in lines[0] for w in words), result.stderr
    assert snapshot(site / "output") == before


def _warned(site: Path, located: str, *words: str) -> str:
    result = build(site)
    assert result.exit_code == 0 and result.exception is None, result.stderr
    warnings = [ln for ln in result.stderr.splitlines() if ln.startswith(f"warning: {located}")]
    assert len(warnings) == 1 and all(w in warnings[0] for w in words), result.stderr
    return result.stderr


@pytest.mark.parametrize("name", [b"caf\xe9.md", b"caf\xe9"])
def test_a_content_name_that_is_not_utf8_is_an_error_with_a_readable_name(site, name):
    path = _bytes_name(site / "content/war" if name.endswith(b".md") else site / "content", name)
    if name.endswith(b".md"):
        path.write_bytes(entry_md("2025-03-22T10:00", "x").encode())
    else:
        path.mkdir()
        (path / "liveblog.yaml").write_text(LIVEBLOG, "utf-8")
    readable = name.decode("utf-8", "backslashreplace")  # caf\xe9
    _refused(site, f"{path.parent / readable}: ", "not valid UTF-8", "rename")


def test_a_static_name_that_is_not_utf8_is_skipped_with_a_warning(site):
    _bytes_name(site / "static", b"caf\xe9.txt").write_bytes(b"x")
    _warned(site, f"{site / 'static'}/caf\\xe9.txt: ", "not valid UTF-8", "skipped")
    assert sorted(p.name for p in (site / "output").iterdir() if p.name.endswith(".txt")) == ["robots.txt"]
    _warned(site, f"{site / 'static'}/caf\\xe9.txt: ", "skipped")  # every build says so, none skips it


@pytest.mark.parametrize("rel, target", [("content/war/self.md", "self.md"), ("content/loop", "."),
                                         ("content/up", ".."), ("content/war/up", "..")])
def test_symlink_loops_in_content_are_errors(site, rel, target):
    (site / rel).symlink_to(target)
    _refused(site, f"{site / rel}: ", "symlink loop", "remove the link")


@pytest.mark.parametrize("rel, target", [("static/loop", "."), ("static/self", "self"),
                                         ("static/img/up", ".."), ("static/img/top", "../..")])
def test_symlink_loops_in_static_warn_once_and_are_skipped(site, rel, target):
    (site / rel).symlink_to(target)
    _warned(site, f"{site / rel}: ", "symlink loop", "skipped")
    published = sorted(p.relative_to(site / "output").as_posix() for p in (site / "output").rglob("*.txt"))
    assert published == ["img/x.txt", "robots.txt"]


def test_a_loop_through_two_linked_folders_is_found_once(site):
    (site / "static/img/back").symlink_to("../../other")
    (site / "other").mkdir()
    (site / "other/to-static").symlink_to("../static")
    (site / "other/y.txt").write_text("y")
    stderr = _warned(site, f"{site / 'static/img/back/to-static'}: ", "symlink loop", "skipped")
    assert stderr.count("symlink loop") == 1
    assert (site / "output/img/back/y.txt").is_file()


DEEP_LIST = "".join("  " * i + f"- level {i}\n" for i in range(12)) + "\nThe ending.\n"


@pytest.mark.parametrize("body, line", [
    (DEEP_LIST, 6 + 9),  # body starts on line 6; item 9 is the first that markdown-it drops
    ("Intro.\n\n" + ">" * 22 + " deep quote\n\nThe ending.\n", 6 + 2),
])
def test_markdown_nested_beyond_the_limit_is_reported_not_dropped(site, body, line):
    path = site / "content/war/a.md"
    path.write_text(entry_md("2025-03-22T09:30", body, title="A"), "utf-8")
    _refused(site, f"{path}:{line}: ", "nested too deep", "20 levels")


def test_markdown_nested_within_the_limit_builds_whole(site):
    body = "".join("  " * i + f"- level {i}\n" for i in range(8)) + "\n" + ">" * 15 + " quote\n\nThe ending.\n"
    (site / "content/war/a.md").write_text(entry_md("2025-03-22T09:30", body, title="A"), "utf-8")
    out = build_ok(site)
    from sitekit import article, html_page
    text = article(html_page(out / "war/index.html"), "a").text_content()
    assert "level 7" in text and "quote" in text and "The ending." in text


def test_deep_nesting_in_a_yaml_list_names_its_line(site):
    path = site / "content/war/list.yaml"
    body = "".join("    " + "  " * i + f"- level {i}\n" for i in range(12))
    path.write_text(f"- id: l\n  time: 2025-03-22T10:00\n  body: |\n{body}", "utf-8")
    _refused(site, f"{path}:{4 + 9}: ", "nested too deep")


@pytest.mark.parametrize("rel", ["content/war/pipe.md", "content/war/more.yaml"])
def test_a_named_pipe_among_entries_is_an_error_not_a_hang(site, rel):
    os.mkfifo(site / rel)  # reading it would wait forever for a writer
    _refused(site, f"{site / rel}: ", "not a regular file", "remove it")
