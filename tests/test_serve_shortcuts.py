"""serve's rebuild shortcuts write what a fresh `sitegen build` writes.

A rebuild the watcher told what changed merges those files into the last build's
entries (folderstate.py), carries the liveblog's derived values over
(incremental.successor), keeps stream pages whose entries are the same objects
(streams.py), skips pages whose inputs did not change (page_inputs.py) and keeps
groups of entry pages whole (output.py). Each must fall back to the full path
when an edit moves an entry or changes its id, topics, pinned or draft flag, or
breaks a rule. One Rebuilder goes through such edits, told by the watcher; after
each, its output is compared byte for byte with a fresh cache-less build, and a
failed rebuild must report what the fresh build reports. Once with the suite's
input checks (SITEGEN_VERIFY_INPUTS renders every page a build skips) and once
without, as `serve` runs.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable, Iterator

import pytest
from sitekit import article, entry_md, html_page, make_site, snapshot, write
from test_serve_rebuild import BASE, LISTED, LIVEBLOG, assert_same, edit, what_changed

import sitegen.build.pipeline
import sitegen.incremental.entries
import sitegen.media.library
from sitegen.build.pipeline import BuildOptions, build, default_options
from sitegen.core.errors import SitegenError
from sitegen.serve.session import Rebuilder

CONFIG = """\
title: Shortcut desk
base_url: https://example.org/news/
timezone: UTC
per_page: 2
publisher:
  name: Shortcut desk
  logo: logo.svg
"""

SVG = '<svg xmlns="http://www.w3.org/2000/svg"/>\n'


def entries() -> dict[str, str]:
    found = {"liveblog.yaml": LIVEBLOG, "briefs.yaml": LISTED}
    for n in range(1, 10):
        topics = "[energy]" if n % 3 == 0 else "[diplomacy]" if n % 3 == 1 else "[energy, diplomacy]"
        found[f"e{n}.md"] = entry_md(f"2025-03-23T{8 + n:02d}:15", f"Body {n}.", title=f"Entry {n}", topics=topics,
                                     **({"key_event": "true"} if n % 4 == 0 else {}))
    found["e2.md"] = entry_md("2025-03-23T10:15", "Body 2.", title="Entry 2", image="photo.svg")
    found["quiet.md"] = entry_md("2025-03-23T06:00", "No topic, no fuss.", title="Quiet")
    found["still.md"] = entry_md("2025-03-23T06:30", "Still here.", title="Still")
    return found


@pytest.fixture(params=[True, False], ids=["drafts-shown", "drafts-hidden"])
def site_and_rebuilder(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Path, Rebuilder]]:
    site = make_site(tmp_path, config=CONFIG, liveblogs={"desk": entries()},
                     files={"static/logo.svg": SVG, "static/photo.svg": SVG})
    made = Rebuilder(default_options(site, tmp_path / "preview", base_url=BASE, drafts=request.param))
    yield site, made
    made.close()


def steps(site: Path) -> list[tuple[str, Callable[[], None], bool]]:
    """(name, change, whether the rebuild succeeds)."""
    desk = site / "content/desk"
    return [
        ("edit an old body", lambda: edit(desk / "e3.md", "Body 3.", "Body 3, edited."), True),
        ("edit the newest body", lambda: edit(desk / "e9.md", "Body 9.", "Body 9, edited."), True),
        ("move an entry back in time", lambda: edit(desk / "e7.md", "T15:15", "T08:45"), True),
        ("change an entry's topics", lambda: edit(desk / "e5.md", "[energy, diplomacy]", "[energy]"), True),
        ("pin an entry", lambda: edit(desk / "e4.md", "title:", "pinned: true\ntitle:"), True),
        ("unpin it", lambda: edit(desk / "e4.md", "pinned: true\n", ""), True),
        ("pin an entry in no topic", lambda: edit(desk / "still.md", "title:", "pinned: true\ntitle:"), True),
        ("edit the pinned entry", lambda: edit(desk / "still.md", "Still here.", "Still here, edited."), True),
        ("unpin that", lambda: edit(desk / "still.md", "pinned: true\n", ""), True),
        ("change an entry's id", lambda: edit(desk / "e6.md", "title:", "id: sixth\ntitle:"), True),
        ("make an entry a draft", lambda: edit(desk / "e8.md", "title:", "draft: true\ntitle:"), True),
        ("publish it again", lambda: edit(desk / "e8.md", "draft: true\n", ""), True),
        ("correct an old entry", lambda: edit(desk / "e1.md", "title:", "updated: 2025-03-24T07:00\ntitle:"), True),
        ("make it a key event", lambda: edit(desk / "e1.md", "title:", "key_event: true\ntitle:"), True),
        ("make an entry in no topic a key event", lambda: edit(desk / "quiet.md", "title:", "key_event: true\ntitle:"),
         True),
        ("append the newest entry", lambda: write(desk / "e10.md", entry_md("2025-03-23T19:00", "Ten.", title="Ten",
                                                                             topics="[energy]")), True),
        ("append another", lambda: write(desk / "e11.md", entry_md("2025-03-23T19:30", "Eleven.")), True),
        ("add a back-dated entry", lambda: write(desk / "e0.md", entry_md("2025-03-23T07:00", "Zero.")), True),
        ("add to the list file", lambda: edit(desk / "briefs.yaml", "- id: brief-two",
                                              "- id: brief-three\n  time: 2025-03-23T14:40\n  body: Third.\n"
                                              "- id: brief-two"), True),
        ("delete an entry file", lambda: (desk / "e3.md").unlink(), True),
        ("rename an entry file", lambda: (desk / "e5.md").rename(desk / "e5-renamed.md"), True),
        ("a duplicate id", lambda: write(desk / "dup.md", entry_md("2025-03-23T12:05", "Dup.", id="e9")), False),
        ("remove it", lambda: (desk / "dup.md").unlink(), True),
        ("an undeclared topic", lambda: edit(desk / "e9.md", "topics: [energy]", "topics: [energz]"), False),
        ("fix it", lambda: edit(desk / "e9.md", "topics: [energz]", "topics: [energy]"), True),
        ("a missing image", lambda: edit(desk / "e10.md", "title:", "image: gone.svg\ntitle:"), False),
        ("add the image", lambda: write(site / "static/gone.svg", SVG), True),
        ("delete an image in use", lambda: (site / "static/photo.svg").unlink(), False),
        ("restore it", lambda: write(site / "static/photo.svg", SVG), True),
        ("change the liveblog's zone", lambda: edit(desk / "liveblog.yaml", "Europe/Kyiv", "America/New_York"), True),
        ("edit after that", lambda: edit(desk / "e2.md", "Body 2.", "Body 2, again."), True),
        ("delete several", lambda: ((desk / "e1.md").unlink(), (desk / "briefs.yaml").unlink()), True),
        # the newsroom's fields (issue 14): the summary, corrections, authors, scheduling, ends
        ("write a summary", lambda: edit(desk / "liveblog.yaml", "topics:", "summary: |\n  - One.\ntopics:"), True),
        ("edit the summary", lambda: edit(desk / "liveblog.yaml", "  - One.", "  - One.\n  - Two."), True),
        ("correct an entry", lambda: edit(desk / "e9.md", "title:", "updated: 2025-03-24T08:00\n"
                                                                     "correction: It said *eight*.\ntitle:"), True),
        ("describe an author", lambda: write(site / "authors.yaml", "olena:\n  name: Olena K\n  image: logo.svg\n"),
         True),
        ("sign entries", lambda: (edit(desk / "e9.md", "title:", "author: olena\ntitle:"),
                                  edit(desk / "e2.md", "title:", "author: [Olena, A Guest]\ntitle:")), True),
        ("change the author's role", lambda: edit(site / "authors.yaml", "  image:", "  role: Desk\n  image:"), True),
        ("schedule an entry far ahead", lambda: write(desk / "later.md", entry_md("2999-01-01T09:00", "Later.")), True),
        ("end the coverage by time", lambda: edit(desk / "liveblog.yaml", "topics:", "ends: 2025-03-24T00:00\ntopics:"),
         True),
    ]


def fresh_build(site: Path, options: BuildOptions, previous: dict[str, bytes], folder: Path) -> dict[str, bytes]:
    """A cache-less build with the same options, into a copy of the previous output
    (updates.json compares with the manifest it replaces)."""
    shutil.rmtree(folder, ignore_errors=True)
    for rel, data in previous.items():
        write(folder / rel, data)
    build(BuildOptions(site, folder, base_url=options.base_url, drafts=options.drafts, use_cache=False))
    return snapshot(folder)


def fresh_problems(site: Path, options: BuildOptions, folder: Path) -> list[str]:
    """What a fresh, cache-less build with the same options reports."""
    with pytest.raises(SitegenError) as failed:
        build(BuildOptions(site, folder, base_url=options.base_url, drafts=options.drafts, use_cache=False))
    return sorted(map(str, failed.value.problems))


@pytest.mark.parametrize("verify", [True, False], ids=["inputs-checked", "as-serve-runs"])
def test_rebuilds_told_by_the_watcher_match_fresh_builds(site_and_rebuilder: tuple[Path, Rebuilder], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch, verify: bool) -> None:
    if not verify:
        monkeypatch.delenv("SITEGEN_VERIFY_INPUTS")
    site, rebuilder = site_and_rebuilder
    options = rebuilder.options
    assert rebuilder.rebuild().ok
    served = snapshot(options.output)
    for name, change, succeeds in steps(site):
        changed = what_changed(site, change)
        outcome = rebuilder.rebuild(changed)
        if not succeeds:
            assert not outcome.ok, name
            assert sorted(outcome.problems) == fresh_problems(site, options, tmp_path / "broken"), name
            assert snapshot(options.output) == served, name
            continue
        assert outcome.ok, (name, outcome.problems)
        previous, served = served, snapshot(options.output)
        assert_same(served, fresh_build(site, options, previous, tmp_path / "fresh"), name)


def count_calls(monkeypatch: pytest.MonkeyPatch, name: str) -> list[object]:
    """Record each call of `name` by the incremental entry reader (what a shortcut avoids)."""
    calls: list[object] = []
    original = getattr(sitegen.incremental.entries, name)
    monkeypatch.setattr(sitegen.incremental.entries, name, lambda *args: calls.append(args[0]) or original(*args))
    return calls


def test_a_told_rebuild_reads_and_parses_only_the_changed_files(site_and_rebuilder: tuple[Path, Rebuilder],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    site, rebuilder = site_and_rebuilder
    desk = site / "content/desk"
    assert rebuilder.rebuild().ok
    parsed, listed = count_calls(monkeypatch, "parse_entry_file"), count_calls(monkeypatch, "entry_files")
    edit(desk / "e3.md", "Body 3.", "Body 3, edited.")
    assert rebuilder.rebuild(frozenset({desk / "e3.md"})).ok
    assert (parsed, listed) == ([desk / "e3.md"], [])
    new = write(desk / "e10.md", entry_md("2025-03-23T19:00", "Ten."))
    assert rebuilder.rebuild(frozenset({new})).ok
    assert (parsed, listed) == ([desk / "e3.md", new], [])  # the folder's listing was not made again
    (desk / "e4.md").unlink()
    assert rebuilder.rebuild(frozenset({desk / "e4.md"})).ok
    assert (len(parsed), listed) == (2, [])
    assert rebuilder.rebuild(None).ok  # unknown: every file is checked, and the folder listed
    assert listed == [desk]


def test_a_told_rebuild_looks_for_images_only_in_the_changed_entries(site_and_rebuilder: tuple[Path, Rebuilder],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Whether an entry shows a local image (or holds markers to replace) is a matter of the
    entry alone: a rebuild asks it of the entries it made, not of every entry again."""
    site, rebuilder = site_and_rebuilder
    desk = site / "content/desk"
    assert rebuilder.rebuild().ok
    looked: list[str] = []
    needs_media = sitegen.media.library._needs_media
    monkeypatch.setattr(sitegen.media.library, "_needs_media",
                        lambda entry: looked.append(entry.id) or needs_media(entry))
    edit(desk / "e3.md", "Body 3.", "Body 3, edited.")
    assert rebuilder.rebuild(frozenset({desk / "e3.md"})).ok
    assert looked == ["e3"]
    edit(desk / "e4.md", "title:", "image: photo.svg\nalt: A drawing\ntitle:")
    assert rebuilder.rebuild(frozenset({desk / "e4.md"})).ok
    assert looked == ["e3", "e4"]
    shown = html_page(rebuilder.options.output / "desk/entries/e4/index.html")
    assert [img.get("alt") for img in article(shown, "e4").iter("img")] == ["A drawing"]
    edit(desk / "e2.md", "Body 2.", "Body 2, edited.")  # (the entry that showed a photo from the start)
    assert rebuilder.rebuild(frozenset({desk / "e2.md"})).ok
    assert looked == ["e3", "e4", "e2"]
    assert len(list(article(html_page(rebuilder.options.output / "desk/entries/e2/index.html"), "e2").iter("img"))) == 1


def test_an_unchanged_liveblog_is_the_last_builds_object(tmp_path: Path) -> None:
    """What pages derive from it (its pinned entries, topics, last change) is then known."""
    site = make_site(tmp_path, config=CONFIG, liveblogs={"desk": entries()},
                     files={"static/logo.svg": SVG, "static/photo.svg": SVG})
    rebuilder = Rebuilder(default_options(site, tmp_path / "preview"))
    try:
        first = build(rebuilder.options, rebuilder.cache, changed=None).site.liveblogs[0]
        again = build(rebuilder.options, rebuilder.cache, changed=frozenset()).site.liveblogs[0]
        assert again is first
        edit(site / "content/desk/e3.md", "Body 3.", "Body 3, edited.")
        edited = build(rebuilder.options, rebuilder.cache,
                       changed=frozenset({site / "content/desk/e3.md"})).site.liveblogs[0]
        assert edited is not first and [e.id for e in edited.entries] == [e.id for e in first.entries]
    finally:
        rebuilder.close()


def test_a_new_archive_page_rerenders_only_the_pages_that_list_it(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Pagers list the newest and oldest pages and a page's neighbours: when the stream
    grows by a page, a page far from the newest lists the same pages as before."""
    monkeypatch.delenv("SITEGEN_VERIFY_INPUTS")
    many = {f"n{n:02d}.md": entry_md(f"2025-03-01T09:{n:02d}", f"Number {n}.") for n in range(43)}
    site = make_site(tmp_path, config=CONFIG, liveblogs={"desk": {"liveblog.yaml": LIVEBLOG, **many}},
                     files={"static/logo.svg": SVG})
    rebuilder = Rebuilder(default_options(site, tmp_path / "preview"))
    rendered: list[str] = []
    page = sitegen.build.pipeline.Renderer.page
    monkeypatch.setattr(sitegen.build.pipeline.Renderer, "page", lambda self, spec: rendered.append(spec.route) or page(self, spec))
    try:
        assert rebuilder.rebuild().ok  # 43 entries: the front page (2), pages 1-21 (the newest has 1)
        rendered.clear()
        new = write(site / "content/desk/n43.md", entry_md("2025-03-23T09:00", "Number 43."))
        assert rebuilder.rebuild(frozenset({new})).ok  # 44: now page 21 has 2 entries
        assert "desk/page/1/" not in rendered and "desk/page/21/" in rendered
        rendered.clear()
        new = write(site / "content/desk/n44.md", entry_md("2025-03-24T09:00", "Number 44."))
        assert rebuilder.rebuild(frozenset({new})).ok  # 45: a page 22
        assert {"desk/page/22/", "desk/page/21/"} <= set(rendered)
        assert not {"desk/page/1/", "desk/page/2/", "desk/page/5/", "desk/page/12/"} & set(rendered)
    finally:
        rebuilder.close()
    served = snapshot(rebuilder.options.output)
    assert_same(served, fresh_build(site, rebuilder.options, served, tmp_path / "fresh"), "after a new archive page")


@pytest.mark.parametrize("how", ["linked from the start", "a file replaced by a link"])
def test_a_linked_entry_is_read_again_when_its_target_changes(site_and_rebuilder: tuple[Path, Rebuilder],
                                                               tmp_path: Path, how: str) -> None:
    """The watcher reports a change to a symlink's target under the target's path: a
    folder that holds a symlink takes the full path, which looks at every file."""
    site, rebuilder = site_and_rebuilder
    desk = site / "content/desk"
    target = write(site / "shared/linked.md", entry_md("2025-03-23T12:45", "Linked body.", title="Linked"))
    if how == "linked from the start":
        (desk / "linked.md").symlink_to(target)
    assert rebuilder.rebuild().ok
    if how == "a file replaced by a link":
        (desk / "e3.md").unlink()
        (desk / "e3.md").symlink_to(target)
        assert rebuilder.rebuild(frozenset({desk / "e3.md"})).ok
    served = snapshot(rebuilder.options.output)
    edit(target, "Linked body.", "Linked body, edited.")
    assert rebuilder.rebuild(frozenset({target})).ok
    fresh = fresh_build(site, rebuilder.options, served, tmp_path / "fresh")
    assert_same(snapshot(rebuilder.options.output), fresh, how)
    entry_id = "linked" if how == "linked from the start" else "e3"
    shown = html_page(rebuilder.options.output / f"desk/entries/{entry_id}/index.html")
    assert shown.xpath("normalize-space(//article//p)") == "Linked body, edited."

