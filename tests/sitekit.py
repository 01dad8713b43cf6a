"""Tiny sites from literal text, built in-process or end to end, and their output parsed.

    site = make_site(tmp_path, liveblogs={"war": {"liveblog.yaml": LB, "a.md": ENTRY}})
    result = build(site)                  # sitegen build via click's CliRunner
    page = html_page(site / "output/war/index.html")

Every text given to `make_site` is dedented, so tests can indent literal YAML.
Helpers here parse output (lxml, feedparser); they never match loose substrings.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import feedparser
import lxml.etree
import lxml.html
from click.testing import CliRunner

from sitegen.cli import cli

REPO_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_CONFIG = """\
title: Test Site
base_url: https://example.org/
timezone: UTC
"""

DEFAULT_LIVEBLOG = """\
title: Test liveblog
description: A liveblog for tests.
topics:
  energy: Energy talks
  diplomacy: Diplomacy
"""


def entry_md(time: str, body: str = "Body text.", **fields: object) -> str:
    """An entry file: front matter from `time` and `fields` (values written verbatim)."""
    lines = ["---", f"time: {time}"] + [f"{key}: {value}" for key, value in fields.items()]
    return "\n".join(lines + ["---", "", body, ""])


def make_site(root: Path, config: str | None = None,
              liveblogs: dict[str, dict[str, str | bytes]] | None = None,
              files: dict[str, str | bytes] | None = None) -> Path:
    """Write a site into `root/site`: `sitegen.yaml`, `content/<slug>/<file>`, and any
    other `files` by relative path. Returns the site folder."""
    site = root / "site"
    site.mkdir(parents=True, exist_ok=True)
    write(site / "sitegen.yaml", DEFAULT_CONFIG if config is None else config)
    (site / "content").mkdir(exist_ok=True)
    for slug, entries in (liveblogs or {}).items():
        for name, text in entries.items():
            write(site / "content" / slug / name, text)
    for rel, text in (files or {}).items():
        write(site / rel, text)
    return site


def tiny_png(width: int = 4, height: int = 3) -> bytes:
    """A real (if tiny) PNG made with Pillow: sitegen processes every image entries use."""
    import io

    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(out, "PNG")
    return out.getvalue()


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Run:
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None = None


def run_cli(*args: str, cwd: Path | None = None) -> Run:
    """`sitegen ARGS` in-process; stderr kept apart from stdout."""
    runner = CliRunner()
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = runner.invoke(cli, list(args), prog_name="sitegen", catch_exceptions=True)
    finally:
        os.chdir(old)
    exception = result.exception if not isinstance(result.exception, SystemExit) else None
    return Run(result.exit_code, result.stdout, result.stderr, exception)


def build(site: Path, *args: str, output: Path | None = None) -> Run:
    """`sitegen build --source SITE [--output OUTPUT] ARGS` in-process, with its own cache
    folder inside the site (so tests never share a cache)."""
    extra = ["--output", str(output)] if output is not None else []
    return run_cli("build", "--source", str(site), *extra, *args)


def build_ok(site: Path, *args: str, output: Path | None = None) -> Path:
    """Build and insist on success; returns the output folder."""
    result = build(site, *args, output=output)
    assert result.exception is None, result.exception
    assert result.exit_code == 0, result.stderr
    return output or site / "output"


def run_module(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m sitegen ARGS` in a real subprocess (end-to-end checks)."""
    return subprocess.run([sys.executable, "-m", "sitegen", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


# ---------------------------------------------------------------------------
# Reading the output
# ---------------------------------------------------------------------------

def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (relative path -> bytes), to compare before/after."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def html_page(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_bytes())


def html_files(output: Path) -> list[Path]:
    return sorted(output.rglob("*.html"))


def stream_ids(page: lxml.html.HtmlElement) -> list[str]:
    """Ids of the entries shown as <article>s (pinned and stream), in page order."""
    return [a.get("id")[len("entry-"):] for a in page.xpath("//article[starts-with(@id, 'entry-')]")]


def article(page: lxml.html.HtmlElement, entry_id: str) -> lxml.html.HtmlElement:
    found = page.xpath("//*[@id=$id]", id=f"entry-{entry_id}")
    assert len(found) == 1, f"expected one #entry-{entry_id}, found {len(found)}"
    return found[0]


def feed(path: Path) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(path.read_bytes())
    assert parsed.bozo == 0, f"{path}: {parsed.get('bozo_exception')}"
    return parsed


def xml_tree(path: Path) -> lxml.etree._ElementTree:
    """Strict XML parse (raises on anything not well formed)."""
    return lxml.etree.parse(str(path), lxml.etree.XMLParser(resolve_entities=False, no_network=True))


# ---------------------------------------------------------------------------
# Link checking
# ---------------------------------------------------------------------------

LINK_ATTRS = (("a", "href"), ("link", "href"), ("img", "src"), ("script", "src"),
              ("source", "src"), ("form", "action"), ("iframe", "src"))


def _target_file(output: Path, site_path: str) -> Path | None:
    """The output file a site-relative path is served from, like a static host would."""
    rel = unquote(site_path).lstrip("/")
    candidate = output / rel
    if rel == "" or rel.endswith("/"):
        candidate = candidate / "index.html"
    elif candidate.is_dir():
        return None  # a static host would redirect; sitegen should link to the folder with a slash
    return candidate if candidate.is_file() else None


def _ids(path: Path, cache: dict[Path, set[str]]) -> set[str]:
    if path not in cache:
        page = html_page(path)
        cache[path] = {el.get("id") for el in page.xpath("//*[@id]")} | \
                      {el.get("name") for el in page.xpath("//a[@name]")}
    return cache[path]


def check_links(output: Path, base_url: str) -> tuple[int, list[str]]:
    """Resolve every internal link and fragment of every HTML page in `output`.

    A page `output/x/index.html` is served at `base_url + "x/index.html"`;
    relative hrefs resolve against that, absolute ones count as internal when
    they start with `base_url`. Returns (links checked, problems)."""
    base = urlsplit(base_url)
    problems: list[str] = []
    checked = 0
    ids: dict[Path, set[str]] = {}
    for page_path in html_files(output):
        rel = page_path.relative_to(output).as_posix()
        page_url = base_url + rel
        page = html_page(page_path)
        urls_found: list[tuple[str, str]] = []
        for tag, attr in LINK_ATTRS:
            for el in page.iter(tag):
                if el.get(attr) is not None:
                    urls_found.append((f"<{tag} {attr}>", el.get(attr)))
        for el in page.xpath("//meta[@property='og:url' or @property='og:image']"):
            urls_found.append(("<meta og>", el.get("content")))
        for what, raw in urls_found:
            url = urljoin(page_url, raw.strip())
            parts = urlsplit(url)
            if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
                continue  # external
            checked += 1
            if not parts.path.startswith(base.path):
                problems.append(f"{rel}: {what} {raw!r} leaves the site's path {base.path}")
                continue
            target = _target_file(output, parts.path[len(base.path):])
            if target is None:
                problems.append(f"{rel}: {what} {raw!r} -> {url} has no output file")
                continue
            if parts.fragment and target.suffix == ".html":
                if unquote(parts.fragment) not in _ids(target, ids):
                    problems.append(f"{rel}: {what} {raw!r} -> no id {parts.fragment!r} in "
                                    f"{target.relative_to(output)}")
    return checked, problems


def failing_move(monkeypatch, at: int, errno: int, strerror: str):  # noqa: ANN001, ANN201 - fixture, function
    """Make the output's `at`-th file move fail as the system would (errno 13: a refused
    permission, 28: a full disk) while the others go through; returns the real move, for a
    test that then 'fixes' it."""
    from sitegen.output import publish
    real, moves = publish._move, [0]

    def move(source: str, target: str) -> None:
        moves[0] += 1
        if moves[0] == at:
            raise OSError(errno, strerror, source)  # (errno 13 makes a PermissionError)
        real(source, target)
    monkeypatch.setattr(publish, "_move", move)
    return real
