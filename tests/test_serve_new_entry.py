"""`sitegen new`: an editor's fastest way to post (issue 3, item 6).

It writes an entry stamped with the current time in the liveblog's timezone
(with its UTC offset), prints the file's path, and the entry builds at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sitekit import article, build_ok, html_page, make_site, run_cli, stream_ids

from sitegen.authoring import new_entry
from sitegen.source.files import split_markdown

LIVEBLOG = """\
title: Night shift
timezone: Europe/Kyiv
topics:
  energy: Energy talks
  diplomacy: Diplomacy
"""

NO_ZONE = """\
title: Site-time blog
topics:
  energy: Energy
"""

CONFIG = """\
title: Newsroom
base_url: https://example.org/
timezone: America/New_York
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return make_site(tmp_path, config=CONFIG, liveblogs={"night": {"liveblog.yaml": LIVEBLOG},
                                                         "local": {"liveblog.yaml": NO_ZONE}})


def front_matter(path: Path) -> dict:
    return dict(split_markdown(path).front_matter)


@pytest.mark.parametrize("now, expected", [
    (datetime(2025, 3, 23, 7, 30, 45, 123456, tzinfo=timezone.utc), "2025-03-23T09:30:45+02:00"),  # winter
    (datetime(2025, 7, 1, 12, 0, 5, tzinfo=timezone.utc), "2025-07-01T15:00:05+03:00"),  # summer time
])
def test_time_is_in_the_liveblogs_zone_with_its_offset(site, now, expected):
    path = new_entry(site, "night", "Drones over Kyiv", ("energy",), now=now)
    assert front_matter(path)["time"] == expected
    assert path.parent == site / "content/night"
    assert path.name == f"{expected[:10]}-{expected[11:13]}{expected[14:16]}-drones-over-kyiv.md"


def test_a_liveblog_without_a_zone_uses_the_sites(site):
    path = new_entry(site, "local", None, (), now=datetime(2025, 1, 10, 15, 0, tzinfo=timezone.utc))
    assert front_matter(path)["time"] == "2025-01-10T10:00:00-05:00"


def test_cli_prints_the_path_and_the_entry_builds_first(site):
    before = datetime.now(timezone.utc)
    title = 'Talks: "progress", says envoy — #1'
    result = run_cli("new", "night", "--title", title, "--topic", "energy", "--topic", "diplomacy",
                     "--source", str(site))
    after = datetime.now(timezone.utc)
    assert result.exit_code == 0, result.stderr
    path = Path(result.stdout.strip())
    assert result.stdout == f"{path}\n"
    assert path.is_file() and path.parent == (site / "content/night").resolve()
    fields = front_matter(path)
    stamp = datetime.fromisoformat(fields["time"])
    assert before - timedelta(seconds=1) <= stamp <= after + timedelta(seconds=1)
    assert stamp.utcoffset() == stamp.astimezone(ZoneInfo("Europe/Kyiv")).utcoffset()  # Kyiv's own offset
    assert fields["title"] == title
    assert list(fields["topics"]) == ["energy", "diplomacy"]

    _write_body(path)
    output = build_ok(site)
    page = html_page(output / "night/index.html")
    assert stream_ids(page)[0] == path.stem
    assert title in article(page, path.stem).text_content()


def test_two_entries_in_one_minute_get_two_files(site):
    now = datetime(2025, 3, 23, 7, 30, tzinfo=timezone.utc)
    first = new_entry(site, "night", "Same headline", (), now=now)
    second = new_entry(site, "night", "Same headline", (), now=now)
    assert first != second and first.is_file() and second.is_file()
    _write_body(first)
    _write_body(second)
    build_ok(site)


def _write_body(path: Path) -> None:
    """What the journalist does next: the placeholder body never builds (see test_cli)."""
    path.write_text(path.read_text("utf-8").replace("Write the update here.", "What happened."), "utf-8")


@pytest.mark.parametrize("args, message", [
    (("nowhere",), "no liveblog 'nowhere'"),
    (("night", "--topic", "sports"), "unknown topic(s) sports"),
])
def test_mistakes_are_reported_and_nothing_is_written(site, args, message):
    before = sorted(p.name for p in (site / "content").rglob("*"))
    result = run_cli("new", *args, "--source", str(site))
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.exception is None
    assert sorted(p.name for p in (site / "content").rglob("*")) == before
