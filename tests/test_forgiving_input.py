"""Input as journalists' editors and fingers produce it: any line ending, a byte-order
mark, and the common YAML mistakes, each told back with file, line and what to do."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sitekit import DEFAULT_CONFIG, build, build_ok, html_page, make_site, snapshot

LIVEBLOG = """\
title: War live
description: "Day 1: what we know"
timezone: Europe/Kyiv
topics:
  energy: Energy talks
  diplomacy: Diplomacy
"""

ENTRY = """\
---
time: 2025-03-22T09:30
title: "Breaking: talks resume"
topics: [energy]
---

First paragraph,
still the first.

- a list
- of two

```
code line 1
code line 2
```
"""

LISTED = """\
- id: listed
  time: 2025-03-22T10:00
  title: Listed
  body: |
    Line one
    line two.

    Second paragraph.
- id: other
  time: 2025-03-22T11:00
  body: "Quoted\\nbody"
"""

CONFIG = DEFAULT_CONFIG + "description: |\n  Two\n  lines\n"


def _site(root: Path, encode) -> Path:
    """The same site with every source file passed through `encode` (text -> bytes)."""
    texts = {"sitegen.yaml": CONFIG, "content/war/liveblog.yaml": LIVEBLOG,
             "content/war/a.md": ENTRY, "content/war/list.yaml": LISTED}
    site = make_site(root, config="", files={})
    for rel, text in texts.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(encode(text))
    return site


ENCODINGS = {
    "crlf": lambda t: t.replace("\n", "\r\n").encode(),
    "cr": lambda t: t.replace("\n", "\r").encode(),
    "bom-crlf": lambda t: b"\xef\xbb\xbf" + t.replace("\n", "\r\n").encode(),
    "bom-lf": lambda t: b"\xef\xbb\xbf" + t.encode(),
    "mixed": lambda t: "".join(line + ("\r\n", "\n", "\r")[i % 3]
                               for i, line in enumerate(t.split("\n")[:-1])).encode(),
}


@pytest.fixture(scope="module")
def lf_output(tmp_path_factory) -> dict[str, bytes]:
    site = _site(tmp_path_factory.mktemp("lf"), lambda t: t.encode())
    return snapshot(build_ok(site))


@pytest.mark.parametrize("kind", list(ENCODINGS))
def test_any_line_ending_builds_what_its_lf_twin_builds(tmp_path, lf_output, kind):
    site = _site(tmp_path, ENCODINGS[kind])
    assert snapshot(build_ok(site)) == lf_output
    # the cached and up-to-date paths read sources the same way: a second build, and one
    # after touching an entry, change nothing
    assert snapshot(build_ok(site)) == lf_output
    (site / "content/war/a.md").write_bytes(ENCODINGS[kind](ENTRY))
    assert snapshot(build_ok(site)) == lf_output


@pytest.mark.parametrize("kind", ["crlf", "cr"])
def test_lines_are_counted_in_messages_whatever_the_line_ending(tmp_path, kind):
    site = _site(tmp_path, ENCODINGS[kind])
    broken = ENTRY.replace("topics: [energy]", "topics: [energi]")
    (site / "content/war/a.md").write_bytes(ENCODINGS[kind](broken))
    result = build(site)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{site / 'content/war/a.md'}:4: unknown topic 'energi'")


def test_serve_reads_crlf_like_build(tmp_path, lf_output):
    """`serve`'s in-memory caches go through the same reader: an entry saved again with
    CRLF, reported by the watcher, rebuilds to the same bytes."""
    from sitegen.build.pipeline import build as run_build, default_options
    from sitegen.incremental.cache import Cache

    site = _site(tmp_path, lambda t: t.encode())
    cache = Cache(None, keep_in_memory=True)
    options = default_options(site, tmp_path / "out", use_cache=True)
    run_build(options, cache=cache)
    assert snapshot(tmp_path / "out") == lf_output
    entry = (site / "content/war/a.md").resolve()
    entry.write_bytes(ENCODINGS["bom-crlf"](ENTRY))
    run_build(options, cache=cache, changed=frozenset({entry}))
    assert snapshot(tmp_path / "out") == lf_output


# --- the common mistakes -------------------------------------------------------------

A = "content/war/a.md"
LB = "content/war/liveblog.yaml"
LIST = "content/war/list.yaml"
HEAD = "---\ntime: 2025-03-22T09:30\n"

# id, file, its text, the line the message must name, words it must hold (the advice)
MISTAKES = [
    ("colon-in-title", A, HEAD + "title: Breaking: explosion heard in Kyiv\n---\nx\n", 3,
     ["column 16", "put the title in quotes", 'title: "Breaking: explosion heard in Kyiv"']),
    ("tab-indent", LB, LIVEBLOG.replace("  energy:", "\tenergy:"), 5, ["use spaces, not tabs"]),
    ("tab-before-list-item", A, HEAD + "topics:\n\t- energy\n---\nx\n", 4, ["use spaces, not tabs"]),
    ("clock-time-as-number", A, "---\ntime: 9.30\n---\nx\n", 2, ["'9.30'", "ISO 8601", "2025-03-23T09:15"]),
    ("unclosed-double-quote", A, HEAD + 'title: "Explosion in Kyiv\n---\nx\n', 3,
     ["column 8", "never closed", 'add the closing "']),
    ("unclosed-single-quote", LB, "title: 'War live\ntimezone: UTC\n", 1, ["never closed", "closing '"]),
    ("apostrophe-in-single-quotes", A, HEAD + "title: 'It's here'\n---\nx\n", 3,
     ["apostrophe", "''", 'title: "It\'s here"']),
    ("text-after-quotes", A, HEAD + 'title: "Zelensky" says talks resume\n---\nx\n', 3,
     ["text after its closing quote", "put the whole title in quotes"]),
    ("title-starts-with-bracket", A, HEAD + "title: [Live] Kyiv under attack\n---\nx\n", 3,
     ["starts with [", 'title: "[Live] Kyiv under attack"']),
    ("title-starts-with-at", A, HEAD + "title: @Ukraine says\n---\nx\n", 3, ["'@'", "put the title in quotes"]),
    ("title-starts-with-star", A, HEAD + "title: *Breaking* Kyiv\n---\nx\n", 3, ["'*'", "in quotes"]),
    ("title-starts-with-quote-mark", A, HEAD + "title: > Eyewitness account\n---\nx\n", 3, ["'>'", "in quotes"]),
    ("title-starts-with-bang", A, HEAD + "title: !Urgent update\n---\nx\n", 3, ["'!'", "in quotes"]),
    ("key-indented-too-far", A, HEAD + "title: Talks\n  author: Olena\n---\nx\n", 4,
     ["indentation does not line up", "same column"]),
    ("nested-key-out-of-line", A, HEAD + "source:\n  name: Reuters\n url: https://reuters.com/\n---\nx\n", 5,
     ["indentation does not line up", "line 4 reads 'name: Reuters'"]),
    ("list-item-out-of-line", A, HEAD + "topics:\n  - energy\n - diplomacy\n---\nx\n", 5,
     ["list item", "same column"]),
    ("list-entry-field-out-of-line", LIST, "- id: x\n  time: 2025-03-22T10:00\n body: y\n", 3,
     ["indentation does not line up"]),
    ("missing-colon", A, HEAD + "title Talks resume\n---\nx\n", 3, ["no ': ' after its name", "name: value"]),
    ("no-space-after-colon", LB, "title:War live\n", 1, ["put a space after the colon", "title: War live"]),
    ("list-where-a-value-goes", A, HEAD + "title:\n  - Talks\n  - resume\n---\nx\n", 3,
     ["title: expected text, got a list", "one value after the colon"]),
    ("topics-with-commas", A, HEAD + "title: t\ntopics: energy, diplomacy\n---\nx\n", 4,
     ["unknown topic 'energy, diplomacy'", "topics: [energy, diplomacy]"]),
    ("list-item-without-space", A, HEAD + "title: t\ntopics:\n  -energy\n---\nx\n", 4,
     ["unknown topic '-energy'", "space after '-'"]),
    ("yes-for-true", A, HEAD + "pinned: yes\n---\nx\n", 3, ["'yes'", "write true or false"]),
    ("missing-opening-dashes", A, "time: 2025-03-22T09:30\ntitle: t\n---\nx\n", 1, ["first line", "---"]),
    ("missing-closing-dashes", A, HEAD + "title: t\n\nBody text.\n", 1, ["not closed", "'---'"]),
    ("unclosed-bracket-list", A, HEAD + "topics: [energy, diplomacy\n---\nx\n", 3, ["'['", "never closed"]),
    ("same-key-twice", A, HEAD + "title: one\ntitle: two\n---\nx\n", 4, ["duplicate key 'title'", "write each key once"]),
    ("updated-before-time", A, HEAD + "title: t\nupdated: 2025-03-22T09:00\n---\nx\n", 4,
     ["updated", "before time", "comes after"]),
    ("not-utf8", A, (HEAD + "title: caf\xe9\n---\nx\n").encode("latin-1"), 3, ["UTF-8", "Save As"]),
]


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    site = make_site(tmp_path_factory.mktemp("good"), liveblogs={"war": {
        "liveblog.yaml": LIVEBLOG, "a.md": HEAD + "title: fine\n---\nx\n",
        "list.yaml": "- id: l\n  time: 2025-03-22T10:00\n  body: b\n"}})
    build_ok(site)
    return site


@pytest.mark.parametrize("rel, text, line, words", [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_common_mistakes_get_plain_advice(good, tmp_path, rel, text, line, words):
    site = tmp_path / "site"
    shutil.copytree(good, site, symlinks=True)
    before = snapshot(site / "output")
    path = site / rel
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    result = build(site)
    assert result.exit_code == 1 and result.exception is None, result.stderr
    assert "Traceback" not in result.stderr
    located = [ln for ln in result.stderr.splitlines() if ln.startswith(f"{path}:{line}: ")]
    assert located, result.stderr
    assert any(all(w in ln for w in words) for ln in located), result.stderr
    assert snapshot(site / "output") == before


def test_at_least_fifteen_mistakes_are_covered():
    assert len(MISTAKES) >= 15 and len({m[0] for m in MISTAKES}) == len(MISTAKES)


# --- keys read as written ------------------------------------------------------------

@pytest.mark.parametrize("first, second", [("1", "true"), ("1", "1.0"), ("0", "false"), ("null", "~"),
                                           ("1", "+1"), ("2", "2.0")])
def test_keys_that_yaml_would_merge_are_an_error_naming_the_line(good, tmp_path, first, second):
    site = tmp_path / "site"
    shutil.copytree(good, site, symlinks=True)
    path = site / LB
    path.write_text(LIVEBLOG + f"  {first}: One\n  {second}: Two\n", "utf-8")
    result = build(site)
    assert result.exit_code == 1, result.stderr
    assert result.stderr.startswith(f"{path}:8: key {second!r} means the same as {first!r} on line 7")


@pytest.mark.parametrize("where", ["sitegen.yaml", "front-matter", "list", "extra"])
def test_merging_keys_are_refused_everywhere_a_mapping_is_read(good, tmp_path, where):
    site = tmp_path / "site"
    shutil.copytree(good, site, symlinks=True)
    rel, text, line = {
        "sitegen.yaml": ("sitegen.yaml", DEFAULT_CONFIG + "extra:\n  1: a\n  true: b\n", 6),
        "front-matter": (A, HEAD + "source:\n  name: x\n  1: a\n  1.0: b\n---\nx\n", 6),
        "list": (LIST, "- id: l\n  time: 2025-03-22T10:00\n  body: b\n  1: a\n  true: b\n", 5),
        "extra": ("sitegen.yaml", DEFAULT_CONFIG + "extra:\n  nested:\n    - null: a\n      ~: b\n", 7),
    }[where]
    (site / rel).write_text(text, "utf-8")
    result = build(site)
    assert result.exit_code == 1
    assert f"{site / rel}:{line}: key " in result.stderr and "means the same as" in result.stderr


def test_different_keys_and_quoted_keys_stay_apart(good, tmp_path):
    """`1` and `"1.0"`, or `true` and `"1"`, are different keys to every YAML tool."""
    site = tmp_path / "site"
    shutil.copytree(good, site, symlinks=True)
    (site / LB).write_text(LIVEBLOG + "  '1': One\n  \"true\": Two\n  '2025': Year\n", "utf-8")
    out = build_ok(site)
    assert {"1", "true", "2025"} <= {p.name for p in (out / "war/topics").iterdir()}


def test_numbers_are_kept_as_typed_where_text_goes(good, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(good, site, symlinks=True)
    (site / A).write_text(HEAD + "title: 1.50\n---\nx\n", "utf-8")
    page = html_page(build_ok(site) / "war/index.html")
    assert "1.50" in page.xpath("//article[@id='entry-a']//h2//text() | //article[@id='entry-a']//h3//text()")


def test_an_empty_comments_section_means_no_comment_provider(good, tmp_path):
    """`comments:` with nothing under it (YAML reads null) is the default, not a crash."""
    site = tmp_path / "site"
    shutil.copytree(good, site, symlinks=True)
    (site / "sitegen.yaml").write_text(CONFIG + "comments:\n", "utf-8")
    page = html_page(build_ok(site) / "war/index.html")
    assert page.xpath("//*[@id='comments']")
