"""The command line: help texts, `python -m sitegen`, `init` + `build`, `new`, and
choosing templates (site `templates/` over the theme, `theme:` from SOURCE/themes)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sitekit import (DEFAULT_CONFIG, REPO_ROOT, build, build_ok, entry_md, feed, html_page, make_site,
                     run_cli, run_module, snapshot, stream_ids, write)

THEME = REPO_ROOT / "themes" / "default"


@pytest.mark.parametrize("command, words", [
    ([], ["build", "init", "new", "serve", "liveblog"]),
    (["build"], ["--source", "--output", "--base-url", "--drafts"]),
    (["init"], ["DIRECTORY"]),
    (["new"], ["LIVEBLOG", "--title", "--topic"]),
])
def test_help_texts(command, words):
    result = run_cli(*command, "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: sitegen {' '.join(command)}".rstrip())
    for word in words:
        assert word in result.stdout.split() or any(w.startswith(word) for w in result.stdout.split()), word
    description = result.stdout.split("\n\n")[1].strip()
    assert len(description.split()) >= 5, "a newcomer needs a sentence, not a word"


@pytest.mark.parametrize("args", [["--help"], ["build", "--help"], ["--version"]])
def test_python_m_sitegen_is_the_same_program(args):
    script = shutil.which("sitegen", path=str(Path(sys.executable).parent))
    assert script, "the `sitegen` console script is installed beside python"
    as_module = run_module(*args)
    as_script = subprocess.run([script, *args], capture_output=True, text=True, timeout=60)
    assert as_module.returncode == as_script.returncode == 0
    assert as_module.stdout == as_script.stdout


def test_unknown_command_is_a_usage_error():
    result = run_module("publish")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_init_then_build_end_to_end(tmp_path):
    site = tmp_path / "mysite"
    created = run_module("init", str(site))
    assert created.returncode == 0, created.stderr
    built = run_module("build", "--source", str(site))
    assert built.returncode == 0, built.stderr
    assert "Traceback" not in built.stderr
    out = site / "output"
    slugs = [p.name for p in (site / "content").iterdir() if (p / "liveblog.yaml").is_file()]
    assert len(slugs) == 1
    page = html_page(out / slugs[0] / "index.html")
    ids = stream_ids(page)
    assert len(ids) == len(list((site / "content" / slugs[0]).glob("*.md")))
    assert page.xpath("//*[@id='comments']")
    assert len(feed(out / slugs[0] / "feed.xml").entries) == len(ids)
    assert (out / "index.html").is_file() and (out / "404.html").is_file()


def test_init_has_git_leave_out_what_sitegen_makes(tmp_path):
    fresh = tmp_path / "fresh"
    assert run_cli("init", str(fresh)).exit_code == 0
    assert (fresh / ".gitignore").read_text("utf-8").splitlines() == ["/output/", "/.sitegen-cache/"]
    repo = tmp_path / "repo"  # a folder under git already, ignoring things of its own
    write(repo / ".gitignore", "node_modules/\noutput/")
    result = run_cli("init", str(repo))
    assert result.exit_code == 0 and f"wrote {repo / '.gitignore'}" in result.stderr
    assert (repo / ".gitignore").read_text("utf-8").splitlines() == ["node_modules/", "output/", "/.sitegen-cache/"]


def test_init_never_overwrites(tmp_path):
    site = tmp_path / "s"
    assert run_cli("init", str(site)).exit_code == 0
    write(site / "sitegen.yaml", "title: mine\n")
    before = snapshot(site)
    again = run_cli("init", str(site))
    assert again.exit_code == 1 and again.exception is None
    assert f"{site / 'sitegen.yaml'}: " in again.stderr
    assert snapshot(site) == before


def test_new_writes_an_entry_that_builds(tmp_path):
    site = make_site(tmp_path, liveblogs={"war": {
        "liveblog.yaml": "title: W\ntimezone: Asia/Tokyo\ntopics:\n  energy: Energy\n"}})
    result = run_cli("new", "war", "--title", 'Drones: "hit" Kyiv #1', "--topic", "energy", "--source", str(site))
    assert result.exit_code == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path.parent == site / "content/war" and path.suffix == ".md"
    refused = build(site)  # the scaffold's placeholder body never publishes
    lines = path.read_text("utf-8").split("\n")
    at = lines.index("Write the update here.") + 1
    assert refused.exit_code == 1 and refused.stderr.startswith(f"{path}:{at}: ")
    assert "replace it with the update" in refused.stderr
    path.write_text("\n".join(lines).replace("Write the update here.", "Drones were heard."), "utf-8")
    out = build_ok(site)
    page = html_page(out / "war/index.html")
    assert stream_ids(page) == [path.stem]
    assert 'Drones: "hit" Kyiv #1' in [t.strip() for t in page.xpath("//article//text()")]
    assert stream_ids(html_page(out / "war/topics/energy/index.html")) == [path.stem]
    time = page.xpath("//article//time/@datetime")[0]
    assert time.endswith("+09:00")  # stamped in the liveblog's timezone


def test_new_refuses_unknown_liveblog_and_topic(tmp_path):
    site = make_site(tmp_path, liveblogs={"war": {"liveblog.yaml": "title: W\n"}})
    assert run_cli("new", "nope", "--source", str(site)).exit_code == 1
    bad_topic = run_cli("new", "war", "--topic", "sport", "--source", str(site))
    assert bad_topic.exit_code == 1 and "sport" in bad_topic.stderr and bad_topic.exception is None
    assert sorted(p.name for p in (site / "content/war").iterdir()) == ["liveblog.yaml"]


# --- templates and themes -----------------------------------------------------

LIVEBLOGS = {"war": {"liveblog.yaml": "title: W\n", "a.md": entry_md("2025-03-01T10:00", "Body.", title="A")}}


def test_site_template_overrides_the_theme_by_name(tmp_path):
    site = make_site(tmp_path, liveblogs=LIVEBLOGS, files={"templates/entry.html": (
        '<article id="{{ entry.anchor }}" class="custom-entry"><h3>{{ entry.title }}</h3>'
        '{{ entry.body_html }}</article>\n')})
    out = build_ok(site)
    page = html_page(out / "war/index.html")
    assert page.xpath("//article[@id='entry-a']/@class") == ["custom-entry"]
    assert page.xpath("//main")  # every other template still comes from the theme


def test_theme_selects_a_theme_in_the_site_folder(tmp_path):
    files = {f"themes/mine/templates/{p.name}": p.read_text("utf-8") for p in (THEME / "templates").iterdir()
             if p.is_file()}
    files["themes/mine/templates/home.html"] = (
        '{% extends "base.html" %}{% block main %}<p id="my-theme">{{ page.site.title }}</p>{% endblock %}\n')
    files["themes/mine/static/mine.css"] = "body { color: black }\n"
    site = make_site(tmp_path, config=DEFAULT_CONFIG + "theme: mine\n", liveblogs=LIVEBLOGS, files=files)
    out = build_ok(site)
    assert html_page(out / "index.html").xpath("//p[@id='my-theme']/text()") == ["Test Site"]
    # (besides the build's own texts script for sitegen.js, which any theme's pages may load)
    published = [p.name for p in (out / "assets").iterdir() if not p.name.startswith("texts-")]
    assert len(published) == 1 and re.fullmatch(r"mine\.[0-9a-f]{10}\.css", published[0])  # content-hashed
    assert (out / "assets" / published[0]).read_text() == "body { color: black }\n"  # nothing from the default theme


def test_missing_template_names_every_place_searched(tmp_path):
    site = make_site(tmp_path, liveblogs=LIVEBLOGS, files={
        "templates/home.html": '{% extends "base.html" %}\n{% block main %}\n{% include "cards2.html" %}\n'
                               '{% endblock %}\n'})
    result = build(site)
    assert result.exit_code == 1 and result.exception is None
    (line,) = [ln for ln in result.stderr.splitlines() if "cards2.html" in ln]
    assert line.startswith(f"{site / 'templates/home.html'}:3: ")
    assert str(site / "templates/cards2.html") in line
    assert str(THEME / "templates/cards2.html") in line or "themes/default/templates/cards2.html" in line


def test_template_syntax_error_names_template_and_line(tmp_path):
    site = make_site(tmp_path, liveblogs=LIVEBLOGS, files={
        "templates/404.html": '{% extends "base.html" %}\n{% block main %}\n<p>{{ page.site.title }</p>\n'
                              '{% endblock %}\n'})
    result = build(site)
    assert result.exit_code == 1 and result.exception is None and "Traceback" not in result.stderr
    assert [ln for ln in result.stderr.splitlines() if ln.startswith(f"{site / 'templates/404.html'}:3: ")]


def test_build_defaults_to_the_current_folder(tmp_path):
    site = make_site(tmp_path, liveblogs=LIVEBLOGS)
    result = run_cli("build", cwd=site)
    assert result.exit_code == 0, result.stderr
    assert stream_ids(html_page(site / "output/war/index.html")) == ["a"]


def test_errors_outside_build_do_not_claim_a_build(tmp_path):
    result = run_cli("new", "war", "--source", str(tmp_path))
    assert result.exit_code == 1 and result.exception is None
    assert result.stderr.startswith(f"{tmp_path / 'sitegen.yaml'}: ")
    assert "published" not in result.stderr
