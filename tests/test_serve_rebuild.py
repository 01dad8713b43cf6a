"""Serve's rebuild path writes exactly what a fresh `sitegen build` writes.

One Rebuilder (one long-lived in-memory cache, one output folder) goes through
edits, additions, deletions, drafts, template, config and static changes and a
failed build. After every step its output is compared file by file with a fresh,
cache-less build of the same sources with the same options. The fresh build
writes into a copy of the preview's previous output, since a build may compare
with what it replaces (updates.json lists entries removed since the last build).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable, Iterator

import lxml.html
import pytest
from sitekit import entry_md, failing_move, make_site, snapshot, stream_ids, write

import sitegen.themes
from sitegen.incremental import bodies, entries, groupwork
from sitegen.build.pipeline import BuildOptions, build, default_options
from sitegen.serve.session import Rebuilder

BASE = "http://127.0.0.1:8765/"
THEME_TEMPLATES = Path(sitegen.themes.__file__).parent / "default" / "templates"

CONFIG = """\
title: Rebuild desk
base_url: https://example.org/news/
timezone: UTC
per_page: 2
publisher:
  name: Rebuild desk
  logo: logo.svg
"""

LIVEBLOG = """\
title: Rolling coverage
description: Everything as it happens.
timezone: Europe/Kyiv
topics:
  energy: Energy talks
  diplomacy: Diplomacy
"""

LISTED = """\
- id: brief-one
  time: 2025-03-23T08:00
  title: Brief one
  body: First brief.
- id: brief-two
  time: 2025-03-23T08:30
  body: Second brief, no title.
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return make_site(tmp_path, config=CONFIG, liveblogs={"desk": {
        "liveblog.yaml": LIVEBLOG,
        "briefs.yaml": LISTED,
        "a.md": entry_md("2025-03-23T09:00", "Alpha *body*.", title="Alpha", topics="[energy]"),
        "b.md": entry_md("2025-03-23T10:00", "Bravo body.", title="Bravo", topics="[diplomacy]"),
        "c.md": entry_md("2025-03-23T11:00", "Charlie body.", title="Charlie", topics="[energy, diplomacy]",
                         key_event="true"),
        "d.md": entry_md("2025-03-23T12:00", "Delta body.", pinned="true"),
    }}, files={"static/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>\n'})


@pytest.fixture
def rebuilder(site: Path, tmp_path: Path) -> Iterator[Rebuilder]:
    """Serve's rebuild machinery for `site`, previewing into tmp_path/preview."""
    made = Rebuilder(default_options(site, tmp_path / "preview", base_url=BASE, drafts=True))
    yield made
    made.close()


def fresh_build(site: Path, previous: dict[str, bytes], folder: Path) -> dict[str, bytes]:
    """`sitegen build` with serve's options, no cache, into a copy of the previous output."""
    shutil.rmtree(folder, ignore_errors=True)
    for rel, data in previous.items():
        write(folder / rel, data)
    build(BuildOptions(site, folder, base_url=BASE, drafts=True, use_cache=False))
    return snapshot(folder)


def assert_same(served: dict[str, bytes], fresh: dict[str, bytes], step: str) -> None:
    assert sorted(served) == sorted(fresh), step
    different = [rel for rel in served if served[rel] != fresh[rel]]
    assert different == [], f"{step}: files differ from a fresh build: {different}"


def page(output: Path, rel: str = "desk/index.html") -> lxml.html.HtmlElement:
    return lxml.html.fromstring((output / rel).read_bytes())


def override_entry_template(site: Path, marker: str) -> None:
    original = (THEME_TEMPLATES / "entry.html").read_text("utf-8")
    write(site / "templates/entry.html", f'<p class="override-marker">{marker}</p>\n' + original)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


def steps(site: Path) -> list[tuple[str, Callable[[], None], Callable[[Path], None]]]:
    """(name, change, check of the changed output): each check proves the change arrived."""
    desk = site / "content/desk"

    def has_text(rel: str, xpath: str, expected: object) -> Callable[[Path], None]:
        return lambda out: (page(out, rel).xpath(xpath) == expected) or pytest.fail(
            f"{rel}: {xpath} is {page(out, rel).xpath(xpath)!r}, expected {expected!r}")

    return [
        ("edit a body", lambda: edit(desk / "b.md", "Bravo body.", "Bravo body, edited."),
         has_text("desk/index.html", "boolean(//*[@id='entry-b'][contains(., 'Bravo body, edited.')])", True)),
        ("edit a title and topics", lambda: edit(desk / "a.md", "title: Alpha\ntopics: [energy]",
                                                 "title: Alpha renamed\ntopics: [diplomacy]"),
         lambda out: any(page(out, p.relative_to(out)).xpath("//article[@id='entry-a']")
                         for p in (out / "desk/topics/diplomacy").rglob("*.html")) or pytest.fail("a not listed")),
        ("add an entry", lambda: write(desk / "e.md", entry_md("2025-03-23T13:00", "Echo body.", title="Echo")),
         has_text("desk/index.html", "boolean(//article[@id='entry-e'])", True)),
        ("add to a list file", lambda: edit(desk / "briefs.yaml", "- id: brief-two",
                                            "- id: brief-three\n  time: 2025-03-23T14:00\n  body: Third.\n"
                                            "- id: brief-two"),
         has_text("desk/index.html", "boolean(//article[@id='entry-brief-three'])", True)),
        ("delete an entry", lambda: (desk / "c.md").unlink(),
         lambda out: not any(p.xpath("//*[@id='entry-c']") for p in map(lxml.html.parse, out.rglob("*.html")))
         or pytest.fail("entry c is still on a page")),
        ("add a draft", lambda: write(desk / "f.md", entry_md("2025-03-23T15:00", "Draft.", title="F", draft="true")),
         has_text("desk/index.html", "boolean(//article[@id='entry-f'])", True)),
        ("override a template", lambda: override_entry_template(site, "one"),
         has_text("desk/index.html", "string(//p[@class='override-marker'])", "one")),
        ("edit the override", lambda: override_entry_template(site, "two"),
         has_text("desk/index.html", "string(//p[@class='override-marker'])", "two")),
        ("remove the override", lambda: shutil.rmtree(site / "templates"),
         has_text("desk/index.html", "count(//p[@class='override-marker'])", 0.0)),
        ("change the config", lambda: edit(site / "sitegen.yaml", "per_page: 2", "per_page: 3\nlanguage: uk"),
         has_text("desk/index.html", "string(/html/@lang)", "uk")),
        ("change liveblog topics and zone", lambda: edit(desk / "liveblog.yaml",
                                                         "energy: Energy talks\n", "energy: Power grid\n")
         or edit(desk / "liveblog.yaml", "Europe/Kyiv", "America/New_York"),
         has_text("desk/topics/energy/index.html", "boolean(//h1[contains(., 'Power grid')])", True)),
        ("change static files", lambda: (write(site / "static/logo.svg", '<svg xmlns="http://www.w3.org/2000/svg" '
                                                                           'width="2"/>\n'),
                                         write(site / "static/extra/new.txt", "new\n")),
         lambda out: (out / "extra/new.txt").read_text() == "new\n" or pytest.fail("static file missing")),
        ("delete a static file", lambda: (site / "static/extra/new.txt").unlink(),
         lambda out: not (out / "extra").exists() or pytest.fail("deleted static file lingers")),
        ("delete several and edit the newest", lambda: ((desk / "a.md").unlink(), (desk / "briefs.yaml").unlink(),
                                                        edit(desk / "e.md", "Echo body.", "Echo changed.")),
         lambda out: stream_ids(page(out)) == ["d", "f", "e", "b"] or pytest.fail(str(stream_ids(page(out))))),
    ]


def what_changed(site: Path, change: Callable[[], None]) -> frozenset[Path] | None:
    """Make the change and say what serve's file watcher would: the files that changed,
    or None (unknown) when a folder appeared or vanished."""
    def state() -> tuple[dict[Path, bytes], set[Path]]:
        files = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
        return files, {p for p in site.rglob("*") if p.is_dir()}
    (before, folders), _ = state(), change()
    after, folders_after = state()
    if folders != folders_after:
        return None
    return frozenset(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


@pytest.mark.parametrize("told", [False, True], ids=["stat-checked", "told-by-the-watcher"])
def test_rebuilds_match_fresh_builds_byte_for_byte(site: Path, tmp_path: Path, rebuilder: Rebuilder,
                                                   told: bool) -> None:
    """Both ways of finding changed files: every file's stat, or the watcher's report
    (serve's way), with which files changed within the racy window are not even stat'ed."""
    options = rebuilder.options
    first = rebuilder.rebuild()
    assert first.ok, first.problems
    previous: dict[str, bytes] = {}
    served = snapshot(options.output)
    assert_same(served, fresh_build(site, previous, tmp_path / "fresh"), "first build")
    for name, change, check in steps(site):
        previous = served
        changed = what_changed(site, change)
        if told:
            assert changed is None or changed, f"{name}: nothing to report"
        outcome = rebuilder.rebuild(changed if told else None)
        assert outcome.ok, (name, outcome.problems)
        check(options.output)
        served = snapshot(options.output)
        assert served != previous, f"{name}: nothing changed"
        assert_same(served, fresh_build(site, previous, tmp_path / "fresh"), name)


def test_failed_rebuild_keeps_the_output_and_recovers(site: Path, tmp_path: Path, rebuilder: Rebuilder) -> None:
    options = rebuilder.options
    assert rebuilder.rebuild().ok
    good = snapshot(options.output)
    entry = site / "content/desk/b.md"
    entry.write_text("---\ntime: 2025-03-23T10:00\ntitle: Bravo\ntopics: [nope]\n---\nBody\n")
    failed = rebuilder.rebuild()
    assert not failed.ok
    assert failed.problems[0].startswith(f"{entry}:2: ") or failed.problems[0].startswith(f"{entry}:")
    assert "nope" in failed.problems[0]
    assert snapshot(options.output) == good  # the last good output, byte for byte

    (site / "templates").mkdir()
    (site / "templates/entry.html").write_text("{% if %}\n")
    assert not rebuilder.rebuild().ok
    assert snapshot(options.output) == good
    shutil.rmtree(site / "templates")

    entry.write_text(entry_md("2025-03-23T10:00", "Mended.", title="Bravo"))
    mended = rebuilder.rebuild()
    assert mended.ok, mended.problems
    served = snapshot(options.output)
    assert_same(served, fresh_build(site, good, tmp_path / "fresh"), "after the fix")


def test_changes_reported_to_a_failed_build_still_count(site: Path, rebuilder: Rebuilder) -> None:
    """A build that fails early (a broken config) reads no entry: an entry edited then
    must still be read by the next build, though the watcher reported it only once."""
    options = rebuilder.options
    config, entry = site / "sitegen.yaml", site / "content/desk/b.md"
    assert rebuilder.rebuild().ok
    good = config.read_text("utf-8")
    config.write_text(good + "bogus_key: 1\n", "utf-8")
    assert not rebuilder.rebuild(frozenset({config})).ok
    edit(entry, "Bravo body.", "Bravo body, edited while broken.")
    assert not rebuilder.rebuild(frozenset({entry})).ok
    config.write_text(good, "utf-8")
    assert rebuilder.rebuild(frozenset({config})).ok
    assert page(options.output).xpath("boolean(//*[@id='entry-b'][contains(., 'edited while broken')])")
    edit(entry, "edited while broken", "edited again")
    assert rebuilder.rebuild(frozenset()).ok  # not reported: the watcher's word is trusted
    assert page(options.output).xpath("boolean(//*[@id='entry-b'][contains(., 'edited while broken')])")
    assert rebuilder.rebuild(None).ok  # unknown: every file is checked
    assert page(options.output).xpath("boolean(//*[@id='entry-b'][contains(., 'edited again')])")


def test_a_rebuild_renders_only_the_edited_entry_and_holds_no_stored_value(site: Path, rebuilder: Rebuilder,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve`'s first build reads a folder as a fresh build does (its entry groups) and
    keeps each file's part as its record (folderstate.py), not the cache's values, which
    stay in the cache file. After an edit, the rebuild merges the one file: one body is
    rendered and no group is read or made."""
    groups: list[str] = []
    for module, name in ((entries, "decode_group"), (groupwork, "encode_group")):  # (where each is called)
        monkeypatch.setattr(module, name, lambda *args, _use=getattr(module, name): groups.append(_use.__name__)
                            or _use(*args))
    assert rebuilder.rebuild().ok
    assert "encode_group" in groups and rebuilder.cache.memory == {} and rebuilder.cache.loaded == {}
    groups.clear()
    rendered: list[tuple[str, str]] = []
    render = bodies.render_bodies
    monkeypatch.setattr(bodies, "render_bodies",
                        lambda markdown, pairs: rendered.extend(pairs) or render(markdown, pairs))
    edit(site / "content/desk/b.md", "Bravo body.", "Bravo body, again.")
    assert rebuilder.rebuild(frozenset({site / "content/desk/b.md"})).ok
    assert len(rendered) == 1 and "Bravo body, again." in rendered[0][1] and not groups
    assert rebuilder.cache.memory == {} and rebuilder.cache.loaded == {}
    assert page(rebuilder.options.output).xpath("boolean(//*[@id='entry-b'][contains(., 'Bravo body, again.')])")


@pytest.mark.parametrize("rel, words", [
    ("static/desk/entries/B/index.html", ["desk/entries/b/index.html", "letter case"]),
    ("static/desk/entries/b", ["desk/entries/b/index.html"]),
])
def test_a_file_clashing_with_an_unchanged_entry_page_is_still_an_error(site: Path, rebuilder: Rebuilder,
                                                                        rel: str, words: list[str]) -> None:
    """Unchanged groups of entry pages are claimed in one go in `serve`: a new static
    file where one of their pages (or its folder) goes must still be refused."""
    options = rebuilder.options
    assert rebuilder.rebuild().ok
    assert rebuilder.rebuild(frozenset()).ok  # the groups are now claimed in one go
    good = snapshot(options.output)
    write(site / rel, "<p>clash</p>\n")
    failed = rebuilder.rebuild(None)
    assert not failed.ok
    assert any(p.startswith(f"{site / rel}: ") and all(w in p for w in words) for p in failed.problems), \
        failed.problems
    assert snapshot(options.output) == good


@pytest.mark.parametrize("locked", [False, True], ids=["deploy-watch", "serve"])
def test_a_rebuild_published_in_part_does_not_leave_its_records_trusted(site: Path, tmp_path: Path, locked: bool,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A publication stopped midway (a full disk) left some new files in the output: the
    records kept in memory no longer describe it, and an edit undone must not be skipped
    (`serve` holds its folder's lock, `deploy --watch` takes it for each build)."""
    from sitegen.output import publish

    options = default_options(site, tmp_path / "preview", base_url=BASE, drafts=True)
    rebuilder = Rebuilder(options, locked=locked)
    assert rebuilder.rebuild().ok
    good = snapshot(options.output)
    entry = site / "content/desk/b.md"
    before = entry.read_text("utf-8")
    edit(entry, "Bravo body.", "Bravo body, corrected.")
    real = failing_move(monkeypatch, 2, 28, "No space left on device")
    failed = rebuilder.rebuild()
    assert not failed.ok and "full" in failed.problems[0], failed.problems
    assert snapshot(options.output) != good  # (the first file was moved in)
    monkeypatch.setattr(publish, "_move", real)  # space freed
    entry.write_text(before, "utf-8")  # and the edit undone
    assert rebuilder.rebuild().ok
    assert_same(snapshot(options.output), fresh_build(site, good, tmp_path / "fresh"), "after the undo")
    rebuilder.close()
