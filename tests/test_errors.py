"""Every mistake in the sources: exit 1, `PATH:LINE: message` on stderr, no traceback, and
the previous output folder exactly as it was (every file, byte for byte)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from sitekit import (DEFAULT_CONFIG, build, build_ok, entry_md, feed, html_page, make_site, snapshot,
                     stream_ids, write)

LIVEBLOG = """\
title: War live
timezone: Europe/Kyiv
topics:
  energy: Energy talks
  diplomacy: Diplomacy
"""

GOOD = {
    "liveblog.yaml": LIVEBLOG,
    "a.md": entry_md("2025-03-22T09:30", "First.", title="First", topics="[energy]"),
    "list.yaml": """\
        - id: listed
          time: 2025-03-22T10:00
          title: Listed
          body: Second.
        """,
}


@pytest.fixture(scope="module")
def good_site(tmp_path_factory) -> Path:
    """A valid site, built once; each case breaks a copy of it."""
    site = make_site(tmp_path_factory.mktemp("good"), liveblogs={"war": GOOD},
                     files={"static/robots.txt": "ok"})
    build_ok(site)
    return site


@pytest.fixture
def site(good_site, tmp_path) -> Path:
    copy = tmp_path / "site"
    shutil.copytree(good_site, copy, symlinks=True)
    return copy


def _write(site: Path, rel: str, text: str | bytes | None) -> None:
    if text is None:
        (site / rel).unlink()
    else:
        write(site / rel, text)


LB = "content/war/liveblog.yaml"
A = "content/war/a.md"
LIST = "content/war/list.yaml"
BIG = "x" * (1 << 20)

# id, {file: new text}, the file and line the message must name (None: no line), words in it
CASES = [
    ("unknown-entry-key", {A: "---\ntime: 2025-03-22T09:30\ntitel: First\n---\nx\n"}, A, 3,
     ["unknown key 'titel'", "did you mean 'title'"]),
    ("unknown-config-key", {"sitegen.yaml": DEFAULT_CONFIG + "per_pgae: 3\n"}, "sitegen.yaml", 4,
     ["per_pgae", "did you mean 'per_page'"]),
    ("unknown-nested-config-key", {"sitegen.yaml": DEFAULT_CONFIG + "comments:\n  provder: none\n"},
     "sitegen.yaml", 5, ["comments.provder", "did you mean 'provider'"]),
    ("unknown-liveblog-key", {LB: LIVEBLOG + "statsu: live\n"}, LB, 6, ["statsu", "did you mean 'status'"]),
    ("unknown-list-key", {LIST: "- id: x\n  time: 2025-03-22T10:00\n  bdy: text\n"}, LIST, 3,
     ["bdy", "did you mean 'body'"]),
    ("missing-time", {A: "---\ntitle: No time\n---\nx\n"}, A, 2,
     ["missing required key 'time': when the entry was published (e.g. `time: 2025-03-22T09:30`)"]),
    ("missing-time-in-list", {LIST: "- id: x\n  title: t\n- id: y\n  body: b\n"}, LIST, 1, ["missing required key", "time"]),
    ("malformed-time", {A: entry_md("yesterday")}, A, 2, ["'yesterday'", "ISO 8601"]),
    ("unquoted-clock-time", {A: entry_md("10:30")}, A, 2, ["10:30"]),
    ("date-without-time", {A: entry_md("2025-03-22")}, A, 2, ["no time of day"]),
    ("impossible-date", {A: entry_md("2025-02-30T10:00")}, A, 2, ["2025-02-30T10:00"]),
    ("time-out-of-range", {A: entry_md("9999-12-31T23:59:59-12:00")}, A, 2, ["out of range"]),
    ("malformed-updated", {A: entry_md("2025-03-22T09:30", updated="later")}, A, 3, ["updated", "'later'"]),
    ("undeclared-topic", {A: entry_md("2025-03-22T09:30", title="t", topics="[energi]")}, A, 4,
     ["unknown topic 'energi'", "did you mean 'energy'"]),
    ("undeclared-topic-in-list", {LIST: "- id: x\n  time: 2025-03-22T10:00\n  body: b\n  topics: [sport]\n"},
     LIST, 4, ["unknown topic 'sport'"]),
    ("duplicate-id-md-and-yaml", {LIST: "- id: A\n  time: 2025-03-22T10:00\n  body: b\n"}, LIST, 1,
     ["duplicate entry id 'a'", "a.md"]),
    ("duplicate-id-invisible-chars", {LIST: "- id: \"a\\u200b\\u202e\"\n  time: 2025-03-22T10:00\n  body: b\n"},
     LIST, 1, ["duplicate entry id 'a'"]),
    ("duplicate-id-within-list", {LIST: "- id: x\n  time: 2025-03-22T10:00\n  body: b\n"
                                        "- id: X\n  time: 2025-03-22T11:00\n  body: c\n"},
     LIST, 4, ["duplicate entry id 'x'"]),
    ("duplicate-id-front-matter-vs-file-name", {"content/war/b.md": entry_md("2025-03-22T11:00", id="A")},
     "content/war/b.md", 3, ["duplicate entry id 'a'"]),
    ("list-entry-without-id", {LIST: "- time: 2025-03-22T10:00\n  body: b\n"}, LIST, 1, ["needs an `id`"]),
    ("bad-status", {LB: LIVEBLOG + "status: over\n"}, LB, 6, ["status", "live, ended", "'over'"]),
    ("bad-timezone", {LB: LIVEBLOG.replace("Europe/Kyiv", "Mars/Base")}, LB, 2, ["Mars/Base"]),
    ("unsafe-entry-id", {A: entry_md("2025-03-22T09:30", id='"../../etc"')}, A, 3, ["'../../etc'", "slug"]),
    ("unsafe-topic-slug", {LB: LIVEBLOG + "  'bad/topic': Bad\n"}, LB, 6, ["'bad/topic'", "slug"]),
    ("colliding-topic-slugs", {LB: LIVEBLOG + "  Energy: Again\n"}, LB, 6, ["'energy'", "twice"]),
    ("unsafe-liveblog-folder", {"content/bad name!/liveblog.yaml": "title: x\n"}, "content/bad name!", None,
     ["slug"]),
    ("colliding-liveblog-folders", {"content/War/liveblog.yaml": "title: x\n"}, "content/war", None,
     ["'war'", "letter case"]),
    ("bad-yaml", {A: "---\ntime: 2025-03-22T09:30\ntitle: [unclosed\n---\nx\n"}, A, 3,
     ["invalid YAML", "never closed"]),
    ("bad-yaml-in-config", {"sitegen.yaml": "title: x\n  base_url: y\n"}, "sitegen.yaml", 2, ["invalid YAML"]),
    ("pinned-yes-is-not-a-boolean", {A: entry_md("2025-03-22T09:30", pinned="yes")}, A, 3,
     ["pinned", "true or false", "'yes'"]),
    ("draft-no-is-not-a-boolean", {A: entry_md("2025-03-22T09:30", draft="NO")}, A, 3, ["draft", "'NO'"]),
    ("duplicate-keys", {A: "---\ntime: 2025-03-22T09:30\ntitle: one\ntitle: two\n---\nx\n"}, A, 4,
     ["duplicate key 'title'", "line 3"]),
    ("aliases", {LIST: "- &e\n  id: x\n  time: 2025-03-22T10:00\n  body: b\n- *e\n"}, LIST, 1,
     ["aliases"]),
    ("merge-keys", {LIST: "- id: x\n  time: 2025-03-22T10:00\n  body: b\n  <<: {title: t}\n"}, LIST, 4,
     ["merge"]),
    ("python-tag", {A: "---\ntime: !!python/object/apply:os.system [ls]\n---\nx\n"}, A, 2, ["tag"]),
    ("oversize-file", {A: entry_md("2025-03-22T09:30", BIG)}, A, None, ["limit"]),
    ("deep-nesting", {A: "---\ntime: 2025-03-22T09:30\nsource: " + "[" * 40 + "]" * 40 + "\n---\nx\n"}, A, 3,
     ["nested deeper"]),
    ("not-utf8", {A: b"---\ntime: 2025-03-22T09:30\n---\n\xff\xfe bad\n"}, A, 4, ["UTF-8"]),
    ("front-matter-not-closed", {A: "---\ntime: 2025-03-22T09:30\ntitle: t\n"}, A, 1, ["not closed"]),
    ("no-front-matter", {A: "Just text.\n"}, A, 1, ["front matter"]),
    ("front-matter-is-a-list", {A: "---\n- a\n---\nx\n"}, A, 2, ["mapping"]),
    ("list-file-is-a-mapping", {LIST: "id: x\ntime: 2025-03-22T10:00\n"}, LIST, 1, ["list"]),
    ("entry-without-title-or-body", {A: "---\ntime: 2025-03-22T09:30\n---\n\n"}, A, 1,
     ["neither", "give it a `title:` or write the update"]),
    ("liveblog-folder-without-liveblog-yaml", {"content/trial/a.md": entry_md("2025-03-22T09:30")}, "content/trial",
     None, ["needs a liveblog.yaml: create one with at least `title:`"]),
    ("unsafe-image-url", {A: entry_md("2025-03-22T09:30", image="'javascript:alert(1)'")}, A, 3, ["image"]),
    ("image-outside-static", {A: entry_md("2025-03-22T09:30", image="../sitegen.yaml")}, A, 3, ["image", ".."]),
    ("control-character-in-front-matter", {A: "---\ntime: 2025-03-22T09:30\ntitle: bad \x01 char\n---\nx\n"},
     A, 3, ["U+0001"]),
    ("missing-image", {A: entry_md("2025-03-22T09:30", image="images/none.png")}, A, 3,
     ["'images/none.png' not found in static/: copy the file into static/images/ or correct the path"]),
    ("image-name-in-other-letter-case", {A: entry_md("2025-03-22T09:30", image="photos/img_0042.jpg"),
                                         "static/photos/IMG_0042.JPG": "(a phone's photo)"}, A, 3,
     ["'photos/img_0042.jpg' not found in static/; did you mean 'photos/IMG_0042.JPG'?"]),
    ("body-image-misspelt", {A: entry_md("2025-03-22T09:30", "![Scene](photos/scene-kyiv.jpg)"),
                             "static/photos/scene-kiev.jpg": "(a photo)"}, A, 1,
     ["'photos/scene-kyiv.jpg' not found in static/; did you mean 'photos/scene-kiev.jpg'?"]),
    ("source-written-as-text", {A: entry_md("2025-03-22T09:30", source="Reuters")}, A, 3,
     ["source must be a mapping of keys to values, not text 'Reuters': who the entry cites",
      "`source: {name: Reuters, url: https://"]),
    ("unsafe-source-url", {A: entry_md("2025-03-22T09:30", source="{name: x, url: 'javascript:x'}")}, A, 3,
     ["source.url"]),
    ("missing-base-url", {"sitegen.yaml": "title: x\n"}, "sitegen.yaml", 1,
     ["missing required key 'base_url': the address the site is published at (e.g. `base_url: https://"]),
    ("bad-base-url", {"sitegen.yaml": "title: x\nbase_url: example.org\n"}, "sitegen.yaml", 2, ["base_url"]),
    ("bad-per-page", {"sitegen.yaml": DEFAULT_CONFIG + "per_page: 0\n"}, "sitegen.yaml", 4, ["per_page"]),
    ("photo-sizes-not-css", {"sitegen.yaml": DEFAULT_CONFIG + "media:\n  sizes: 800\n"}, "sitegen.yaml", 5,
     ["media.sizes", "'800' is not a list of CSS widths", "(min-width: 48rem) 44rem, 100vw"]),
    ("comment-provider-needs-keys", {"sitegen.yaml": DEFAULT_CONFIG + "comments:\n  provider: disqus\n"},
     "sitegen.yaml", 5, ["disqus_shortname"]),
    ("unsafe-publisher-logo", {"sitegen.yaml": DEFAULT_CONFIG + "publisher:\n  name: N\n  logo: 'javascript:alert(1)'\n"},
     "sitegen.yaml", 6, ["publisher.logo", "path under static/"]),
    ("static-file-collides-with-page", {"static/War/Index.html": "<p>x</p>"}, "static/War/Index.html", None,
     ["war/index.html", "letter case"]),
    ("static-file-collides-with-feed", {"static/feed.xml": "<x/>"}, "static/feed.xml", None, ["feed.xml"]),
    ("static-file-where-a-page-folder-goes", {"static/war": "x"}, "static/war", None, ["war/index.html"]),
    ("missing-template", {"sitegen.yaml": DEFAULT_CONFIG + "theme: bare\n",
                          "themes/bare/templates/home.html": "<p>{{ page.site.title }}</p>\n"},
     None, None, ["'entry.html' not found", "themes/bare/templates/entry.html"]),
    ("template-syntax-error", {"templates/entry.html": "<article>\n{% if %}\n</article>\n"},
     "templates/entry.html", 2, []),
    ("template-undefined-name", {"templates/home.html": "line one\n{{ page.nope.deeper }}\n"},
     "templates/home.html", 2, ["nope"]),
    ("missing-theme", {"sitegen.yaml": DEFAULT_CONFIG + "theme: nowhere\n"}, "sitegen.yaml", 4,
     ["'nowhere'", "themes/nowhere/templates", "set `theme:` to default"]),
]


def _located(stderr: str, site: Path, rel: str | None, line: int | None) -> list[str]:
    """The stderr lines that start with `PATH:LINE: ` (or `PATH: ` when no line is known)."""
    if rel is None:
        return [ln for ln in stderr.splitlines() if not ln.startswith(("error:", "warning:"))]
    prefix = f"{site / rel}:{line}: " if line is not None else f"{site / rel}: "
    return [ln for ln in stderr.splitlines() if ln.startswith(prefix)]


@pytest.mark.parametrize("changes, rel, line, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_error_is_located_and_output_untouched(site, changes, rel, line, words):
    before = snapshot(site / "output")
    for path, text in changes.items():
        _write(site, path, text)
    result = build(site)
    assert result.exit_code == 1, result.stderr
    assert result.exception is None, repr(result.exception)
    assert "Traceback" not in result.stderr
    located = _located(result.stderr, site, rel, line)
    assert located, f"no line starting with {rel}:{line}: in\n{result.stderr}"
    assert any(all(w in ln for w in words) for ln in located), result.stderr
    assert not [ln for ln in result.stderr.splitlines() if ln.rstrip().endswith(":")], "an empty message"
    assert snapshot(site / "output") == before
    assert not [p.name for p in site.iterdir() if p.name.startswith(".output.") and p.name != ".output.lock"]  # no staging left


def test_every_problem_is_reported_in_one_run(site):
    _write(site, A, entry_md("2025-03-22T09:30", pinned="yes"))
    _write(site, LIST, "- id: x\n  time: soon\n  body: b\n")
    result = build(site)
    assert result.exit_code == 1
    assert any(ln.startswith(f"{site / A}:3: ") for ln in result.stderr.splitlines())
    assert any(ln.startswith(f"{site / LIST}:2: ") for ln in result.stderr.splitlines())


def test_bad_base_url_option(site):
    before = snapshot(site / "output")
    result = build(site, "--base-url", "ftp://example.org/")
    assert result.exit_code == 1 and result.exception is None
    assert "--base-url" in result.stderr
    assert snapshot(site / "output") == before


def test_missing_config(tmp_path):
    result = build(tmp_path)
    assert result.exit_code == 1 and result.exception is None
    assert result.stderr.startswith(f"{tmp_path / 'sitegen.yaml'}: ")


def test_output_folder_that_sitegen_did_not_write_is_refused(site, tmp_path):
    foreign = tmp_path / "mine"
    write(foreign / "keep.txt", "precious")
    result = build(site, output=foreign)
    assert result.exit_code == 1 and result.exception is None
    assert snapshot(foreign) == {"keep.txt": b"precious"}


@pytest.mark.parametrize("inside", ["content/out", "static/out", "."])
def test_output_folder_inside_what_the_build_reads_is_refused(site, inside):
    output = (site / inside).resolve()
    before = snapshot(site)
    result = build(site, output=output)
    assert result.exit_code == 1 and result.exception is None
    assert result.stderr.startswith(f"{output}: ")
    assert snapshot(site) == before


def test_output_folder_that_cannot_be_created_is_reported_without_traceback(site, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    output = blocker / "out"
    result = build(site, output=output)
    assert result.exit_code == 1 and result.exception is None
    assert result.stderr.startswith(f"{output}: cannot write the output")
    assert blocker.read_text() == "not a folder"


# --- odd input that is not an error ------------------------------------------------

def test_no_and_clock_values_stay_text(site):
    _write(site, A, entry_md("2025-03-22T09:30", "Body.", title="NO", author="10:30"))
    out = build_ok(site)
    node = html_page(out / "war/index.html").xpath("//*[@id='entry-a']")[0]
    assert "NO" in [t.strip() for t in node.itertext()]
    item = next(e for e in feed(out / "war/feed.xml").entries if e.id.endswith("#entry-a"))
    assert (item.title, item.author) == ("NO", "10:30")


def test_invisible_and_bidi_characters_are_stripped_from_ids(site):
    _write(site, A, entry_md("2025-03-22T09:30", "Body.", id='"\\u202eAb\\u200bC\\ufeff"'))
    out = build_ok(site)
    assert "abc" in stream_ids(html_page(out / "war/index.html"))


def test_editor_litter_is_skipped_with_a_warning(site):
    d = site / "content/war"
    litter = [".#a.md", "#a.md#", "a.md~", ".a.md.swp", "a.md.swp", "a.md.tmp", "4913"]
    for name in litter:
        write(d / name, "---\ntime: [broken\n")
    result = build(site)
    assert result.exit_code == 0, result.stderr
    warned = [ln for ln in result.stderr.splitlines() if ln.startswith("warning:")]
    for name in litter:
        assert any(f"{d / name}:" in ln for ln in warned), name


def test_symlinks_outside_warn_and_inside_work(site, tmp_path):
    secret = write(tmp_path / "outside" / "secret.md", entry_md("2025-03-22T12:00", "Outside!", title="Secret"))
    write(tmp_path / "outside" / "passwd", "root:x:0:0")
    os.symlink(secret, site / "content/war/linked.md")
    os.symlink(tmp_path / "outside", site / "static/outside")
    write(site / "shared/extra.md", entry_md("2025-03-22T13:00", "Shared.", title="Shared"))
    os.symlink(site / "shared/extra.md", site / "content/war/extra.md")
    result = build(site)
    assert result.exit_code == 0, result.stderr
    warned = [ln for ln in result.stderr.splitlines() if ln.startswith("warning:")]
    assert any(str(site / "content/war/linked.md") in ln for ln in warned)
    assert any(str(site / "static/outside") in ln for ln in warned)
    out = site / "output"
    assert not (out / "outside").exists()
    assert stream_ids(html_page(out / "war/index.html")) == ["extra", "listed", "a"]


def test_deleted_sources_do_not_linger(site):
    out = site / "output"
    write(site / "content/war/b.md", entry_md("2025-03-22T11:00", "B.", title="B"))
    write(site / "content/gone/liveblog.yaml", "title: Gone\ntopics:\n  t: T\n")
    write(site / "content/gone/x.md", entry_md("2025-03-22T11:00", "X.", topics="[t]"))
    build_ok(site)
    assert (out / "gone/topics/t/index.html").is_file()
    assert "b" in stream_ids(html_page(out / "war/index.html"))
    (site / "content/war/b.md").unlink()
    shutil.rmtree(site / "content/gone")
    (site / "static/robots.txt").unlink()
    write(site / LB, LIVEBLOG.replace("  diplomacy: Diplomacy\n", ""))
    build_ok(site)
    assert not (out / "gone").exists()
    assert not (out / "robots.txt").exists()
    assert not (out / "war/topics/diplomacy").exists()
    assert stream_ids(html_page(out / "war/index.html")) == ["listed", "a"]
    assert not [p.name for p in site.iterdir() if p.name.startswith(".output.") and p.name != ".output.lock"]


def test_failed_rebuild_after_incremental_builds_leaves_output(site):
    build_ok(site)  # an incremental build on top of the copied output
    before = snapshot(site / "output")
    _write(site, A, entry_md("2025-03-22T09:30", pinned="maybe"))
    assert build(site).exit_code == 1
    assert snapshot(site / "output") == before
