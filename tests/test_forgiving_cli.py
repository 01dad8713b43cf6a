"""The command line where users type it: `-v` after the subcommand, non-Latin titles,
a misspelt liveblog, a command run outside the site folder."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from sitekit import build_ok, entry_md, make_site, run_cli

LIVEBLOGS = {"kyiv-attack": {"liveblog.yaml": "title: Kyiv\ntopics:\n  energy: Energy\n",
                             "a.md": entry_md("2025-03-22T09:30", "Body.", title="A")}}


@pytest.mark.parametrize("title, stem", [
    ("Вибух у Києві", "vibukh-u-kiievi"),
    ("Zürich: Großbrand!", "zurich-grossbrand"),
    ("انفجار في كييف", "nfjr-fy-kyyf"),
    ("🔥🔥", "fire-fire"),
    ("!!!", "update"),
])
def test_new_makes_readable_ascii_file_names_from_any_script(tmp_path, title, stem):
    site = make_site(tmp_path, liveblogs=LIVEBLOGS)
    result = run_cli("new", "kyiv-attack", "--title", title, "--source", str(site))
    assert result.exit_code == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path.name.endswith(f"-{stem}.md") and path.name.isascii()
    assert f'title: "{title}"' in path.read_text("utf-8").split("\n")  # the title itself as written


def test_new_suggests_the_liveblog_meant(tmp_path):
    site = make_site(tmp_path, liveblogs=LIVEBLOGS)
    result = run_cli("new", "kyiv-atack", "--source", str(site))
    assert result.exit_code == 1 and result.exception is None
    assert "did you mean 'kyiv-attack'?" in result.stderr
    assert sorted(p.name for p in (site / "content/kyiv-attack").iterdir()) == ["a.md", "liveblog.yaml"]


def test_new_outside_a_site_mentions_source(tmp_path):
    result = run_cli("new", "kyiv-attack", cwd=tmp_path)
    assert result.exit_code == 1 and result.exception is None
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{tmp_path / 'sitegen.yaml'}: no sitegen.yaml here") and "--source" in first


@pytest.mark.parametrize("args", [("-v", "build"), ("build", "-v"), ("build", "--verbose")])
def test_verbose_is_accepted_before_and_after_the_subcommand(tmp_path, args):
    site = make_site(tmp_path, liveblogs=LIVEBLOGS)
    result = run_cli(*args, "--source", str(site))
    assert result.exit_code == 0, result.stderr
    assert logging.getLogger("sitegen").level == logging.DEBUG
    build_ok(site)


@pytest.mark.parametrize("blocker", ["site", "site/content/my-liveblog"])
def test_init_where_a_file_stands_for_a_folder_says_so(tmp_path, blocker):
    (tmp_path / blocker).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / blocker).write_text("not a folder")
    result = run_cli("init", str(tmp_path / "site" / "new" if blocker == "site" else tmp_path / "site"))
    assert result.exit_code == 1 and result.exception is None, result.stderr
    assert result.stderr.startswith(f"{tmp_path / blocker}: is a file where `sitegen init` needs a folder")
    assert (tmp_path / blocker).read_text() == "not a folder"
