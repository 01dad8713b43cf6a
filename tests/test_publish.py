"""Publication under faults: kills during the commit, errors, two builds at once, leftovers.

A rebuild of a few hundred entries (new entries, edited ones, removed ones, a page
more) is killed after the Nth move of its commit, for many N; after each kill a
link walker follows, from everything a reader can already open, every link of
every page, feed and `updates.json`, and finds each target there. Then the next
build finishes the publication and its output equals a cache-less build byte for byte.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import lxml.etree
import lxml.html
import pytest

from sitekit import LINK_ATTRS, build, build_ok, entry_md, failing_move, make_site, snapshot, write
from sitegen.build.pipeline import build as run_build, default_options, manifest_path
from sitegen.output import publish
from sitegen.output.lock import output_lock
from sitegen.output.publish import journal_path

BASE = "https://example.org/news/"
CONFIG = f"title: Faults\nbase_url: {BASE}\ntimezone: UTC\nper_page: 20\n"
LIVEBLOG = "title: Storm\ndescription: Coverage.\ntopics:\n  wind: Wind\n  rain: Rain\n  power: Power\n"
ENTRIES = 120


def _entry(i: int, edited: bool = False) -> str:
    topics = ["wind", "rain", "power"][i % 3]
    body = f"Update {i}{' (corrected)' if edited else ''}. See [the first](#entry-e0)."
    return entry_md(f"2025-03-{1 + i // 96:02d}T{(i // 4) % 24:02d}:{(i % 4) * 15:02d}:00Z", body,
                    title=f"Entry {i}", topics=f"[{topics}]")


def _site(root: Path) -> Path:
    files = {f"e{i}.md": _entry(i) for i in range(ENTRIES)}
    return make_site(root, CONFIG, {"storm": {"liveblog.yaml": LIVEBLOG, **files}},
                     files={"static/logo.txt": "logo\n"})


def _change(site: Path) -> None:
    """State B: 25 new entries (a page more), 8 edited, 8 removed, one static file more."""
    content = site / "content/storm"
    for i in range(ENTRIES, ENTRIES + 25):
        write(content / f"e{i}.md", _entry(i))
    for i in range(5, 85, 10):
        write(content / f"e{i}.md", _entry(i, edited=True))
    for i in range(7, 87, 10):
        (content / f"e{i}.md").unlink()
    write(site / "static/extra.txt", "extra\n")


def _said(result) -> str:  # type: ignore[no-untyped-def]
    """stderr without the config warnings every build of these sites prints."""
    return "".join(ln for ln in result.stderr.splitlines(True) if not ln.startswith("warning:"))


# ------------------------------------------------------------------ the link walker

def _links(path: Path, page_url: str) -> list[str]:
    """Every URL a file refers to: HTML attributes, feed links, updates.json's pages."""
    data = path.read_bytes()
    if path.name == "updates.json":
        manifest = json.loads(data)
        urls = [urljoin(page_url, "entries/" + e["id"] + "/") for e in manifest["entries"]]
        for entry in manifest["entries"]:
            urls += _links_in_html(lxml.html.fragment_fromstring(entry["html"], create_parent="div"), page_url)
        return urls
    if path.suffix == ".html":
        return _links_in_html(lxml.html.fromstring(data), page_url)
    if path.suffix == ".xml":
        tree = lxml.etree.fromstring(data)
        return [el.text.strip() for el in tree.iter("{*}link", "{*}loc") if el.text and el.text.strip()] + \
               [el.get("href") for el in tree.iter("{*}link") if el.get("href")]
    if path.name == "feed.json":
        return [item["url"] for item in json.loads(data)["items"] if "url" in item]
    return []


def _links_in_html(page: lxml.html.HtmlElement, page_url: str) -> list[str]:
    return [urljoin(page_url, el.get(attr).strip()) for tag, attr in LINK_ATTRS
            for el in page.iter(tag) if el.get(attr) is not None]


def _file_for(output: Path, url: str) -> Path | None:
    """The file an internal URL is served from, or None for another site's URL."""
    parts = urlsplit(url)
    if not url.startswith(BASE) and (parts.scheme, parts.netloc) == urlsplit(BASE)[:2]:
        return output / "__outside_the_site__"
    if not url.startswith(BASE):
        return None
    rel = unquote(parts.path[len(urlsplit(BASE).path):])
    return output / rel / "index.html" if rel == "" or rel.endswith("/") else output / rel


def broken_links(output: Path, roots: set[str]) -> list[str]:
    """Walk from `roots` (output paths a reader can open: the home, bookmarks of pages
    published before, feeds, updates.json) along every link; each missing target."""
    seen: set[Path] = set()
    todo = [output / rel for rel in roots if (output / rel).is_file()]
    broken: list[str] = []
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for url in _links(path, BASE + path.relative_to(output).as_posix()):
            target = _file_for(output, url)
            if target is None:
                continue
            if not target.is_file():
                broken.append(f"{path.relative_to(output)} -> {url}")
            elif target.suffix in (".html", ".xml", ".json") and target not in seen:
                todo.append(target)
    return broken


def _readable(output: Path) -> set[str]:
    return {rel for rel in snapshot_names(output) if rel.endswith((".html", ".xml", ".json"))}


def snapshot_names(output: Path) -> set[str]:
    return {p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file()}


# ------------------------------------------------------------------ kills during the commit

def _killed_build(site: Path, after: int, use_cache: bool = True) -> int:
    """Build `site` in a forked process that SIGKILLs itself before its `after`th move
    (counted from 0); returns the moves it made, or -1 when it finished first."""
    read, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        os.close(read)
        moves = [0]
        real = publish._move

        def move(source: str, target: str) -> None:
            if moves[0] == after:
                os.write(write_end, str(moves[0]).encode())
                os.kill(os.getpid(), signal.SIGKILL)
            moves[0] += 1
            real(source, target)
        publish._move = move
        try:
            run_build(default_options(site, use_cache=use_cache))
        finally:
            os._exit(0)
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    said = os.read(read, 32)
    os.close(read)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return int(said)
    assert os.WEXITSTATUS(status) == 0
    return -1


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """A site built in state A (its output and cache kept), and a cache-less build of state B."""
    root = tmp_path_factory.mktemp("states")
    site = _site(root / "a")
    build_ok(site)
    fresh = shutil.copytree(site, root / "b" / "site", symlinks=True)
    _change(fresh)
    shutil.rmtree(fresh / "output")
    build_ok(fresh, "--no-cache")
    return site, snapshot(fresh / "output")


def _copy(site: Path, to: Path) -> Path:
    """A copy of a built site whose build record follows it (it is kept per output path);
    copy2 keeps each file's mtime, so the record still describes the copied output."""
    copy = shutil.copytree(site, to / "site", symlinks=True)
    old, new = manifest_path(default_options(site)), manifest_path(default_options(copy))
    (copy / old.relative_to(site)).rename(new)
    return copy


def _reset(site_a: Path, site: Path) -> None:
    """Put state A's output and its build record back into `site` (whose sources are B)."""
    shutil.rmtree(site / "output")
    shutil.copytree(site_a / "output", site / "output")
    shutil.copy2(manifest_path(default_options(site_a)), manifest_path(default_options(site)))


def test_a_rebuild_killed_anywhere_in_its_commit_never_shows_a_broken_link(states, tmp_path):
    site_a, expected = states
    before = snapshot_names(site_a / "output")
    site = _copy(site_a, tmp_path)
    _change(site)
    out = site / "output"
    total = _count_moves(site)  # the moves of one uninterrupted commit
    points = sorted({*range(0, total, max(1, total // 20)), total - 1})
    kills = consistent = compared = 0
    for n in points:
        _reset(site_a, site)
        assert _killed_build(site, n) == n
        kills += 1
        assert journal_path(out).is_file()
        broken = broken_links(out, _readable(out) & before | {"index.html", "storm/index.html"})
        assert not broken, f"killed after {n} of {total} moves: {broken[:5]}"
        consistent += 1
        result = build(site)
        assert result.exit_code == 0, result.stderr
        assert "interrupted" in result.stderr
        assert not journal_path(out).exists()
        assert not [p for p in site.iterdir() if p.name.startswith(".output.") and p.name != ".output.lock"]
        got = snapshot(out)
        assert got == expected
        compared += sum(len(b) for b in got.values())
    print(f"\nkills: {kills} of {total} moves; consistent after each: {consistent}; bytes compared: {compared}")
    assert kills >= 20


def _count_moves(site: Path) -> int:
    """Build `site` (in a forked process) counting its commit's moves; the output is reset after."""
    read, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        moves = [0]
        real = publish._move

        def count(source: str, target: str) -> None:
            moves[0] += 1
            real(source, target)
        publish._move = count
        try:
            run_build(default_options(site))
            os.write(write_end, str(moves[0]).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    said = os.read(read, 32)
    os.close(read)
    return int(said)


# ------------------------------------------------------------------ the whole-folder swap

def _killing(after_exchange: bool):  # type: ignore[no-untyped-def]
    """An `exchange` that kills the process just before or just after trading the folders."""
    real = publish.exchange

    def exchange(a: Path, b: Path) -> None:
        if not after_exchange:
            os.kill(os.getpid(), signal.SIGKILL)
        real(a, b)
        os.kill(os.getpid(), signal.SIGKILL)
    return exchange


@pytest.mark.parametrize("after_exchange", [False, True], ids=["before", "after"])
def test_a_swap_killed_around_its_one_step_leaves_an_output_and_the_next_build_finishes(
        states, tmp_path, after_exchange):
    site_a, expected = states
    site = _copy(site_a, tmp_path)
    _change(site)
    old = snapshot(site / "output")
    pid = os.fork()
    if pid == 0:
        try:
            publish.exchange = _killing(after_exchange)
            run_build(default_options(site, use_cache=False))
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status)
    out = site / "output"
    assert snapshot(out) == (expected if after_exchange else old)  # one or the other, whole
    assert journal_path(out).is_file()
    result = build(site)
    assert result.exit_code == 0, result.stderr
    assert snapshot(out) == expected
    assert sorted(p.name for p in site.iterdir() if p.name.startswith(".output.")) == [".output.lock"]


def test_without_an_exchange_the_swap_moves_files_in_order_and_never_removes_the_folder(
        states, tmp_path, monkeypatch):
    site_a, expected = states
    site = _copy(site_a, tmp_path)
    _change(site)
    before = snapshot_names(site / "output")
    out = site / "output"
    inode = out.stat().st_ino
    seen: list[int] = []

    def no_exchange(a: Path, b: Path) -> None:
        raise OSError(22, "Invalid argument", str(b))
    real = publish._move

    def move(source: str, target: str) -> None:
        if len(seen) % 15 == 0:  # now and then, what a reader would find
            assert not broken_links(out, _readable(out) & before | {"index.html"})
        seen.append(out.stat().st_ino)
        real(source, target)
    monkeypatch.setattr(publish, "exchange", no_exchange)
    monkeypatch.setattr(publish, "_move", move)
    build_ok(site, "--no-cache")
    assert snapshot(out) == expected
    assert set(seen) == {inode} and len(seen) > 100  # file by file into the same folder


# ------------------------------------------------------------------ errors while publishing

def test_a_move_refused_midway_says_how_much_was_published_and_the_next_build_completes_it(
        states, tmp_path, monkeypatch):
    site_a, expected = states
    site = _copy(site_a, tmp_path)
    _change(site)
    out = site / "output"
    real = failing_move(monkeypatch, 3, 13, "Permission denied")
    result = build(site)
    assert result.exit_code == 1 and result.exception is None
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert any(ln.startswith(f"{out}/") and "permission denied" in ln for ln in lines), result.stderr
    assert ".staging-" not in result.stderr  # the output path the user knows, not the staging file
    assert lines[-1].startswith("error: 1 problem(s); published 2 of ") and \
        lines[-1].endswith(" files; the next build completes it"), result.stderr
    assert not broken_links(out, _readable(out) & snapshot_names(site_a / "output"))
    monkeypatch.setattr(publish, "_move", real)  # the user fixed it
    result = build(site)
    assert result.exit_code == 0, result.stderr
    assert snapshot(out) == expected


def test_a_read_only_output_folder_is_named_and_nothing_is_published(states, tmp_path, monkeypatch):
    site_a, _ = states
    site = _copy(site_a, tmp_path)
    _change(site)
    out = site / "output"
    before = snapshot(out)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if Path(path) == out / "storm" else
                        real_access(path, mode))  # (as root, chmod would not stop this process)
    result = build(site)
    assert result.exit_code == 1 and result.exception is None
    assert _said(result).startswith(f"{out / 'storm'}: this folder is read-only"), result.stderr
    assert result.stderr.splitlines()[-1] == "error: 1 problem(s); nothing was published"
    assert snapshot(out) == before
    assert not journal_path(out).exists()
    _assert_no_leftovers(site)


def _assert_no_leftovers(site: Path) -> None:
    assert sorted(p.name for p in site.iterdir() if p.name.startswith(".output.")) == [".output.lock"]
    assert not list((site / ".sitegen-cache").glob("*.tmp-*"))


@pytest.mark.parametrize("use_cache", [True, False], ids=["changes", "swap"])
def test_a_first_step_that_fails_publishes_nothing_and_leaves_nothing(states, tmp_path, monkeypatch, use_cache):
    site_a, _ = states
    site = _copy(site_a, tmp_path)
    _change(site)
    out = site / "output"
    before = snapshot(out)

    def full(*args: object) -> None:
        raise OSError(28, "No space left on device", str(args[0]))
    monkeypatch.setattr(publish, "_move" if use_cache else "exchange", full)
    result = build(site, *([] if use_cache else ["--no-cache"]))
    assert result.exit_code == 1 and result.exception is None
    assert _said(result).splitlines() == [
        f"{out}: the disk holding the output folder is full (No space left on device); free some space "
        "(or choose another --output) and build again", "error: 1 problem(s); nothing was published"]
    assert snapshot(out) == before
    assert not journal_path(out).exists()
    _assert_no_leftovers(site)


def test_a_full_disk_while_copying_a_static_file_names_the_disk_not_the_file(tmp_path, monkeypatch):
    site = make_site(tmp_path, files={"static/big.bin": b"x" * 1000})
    import shutil as shutil_module

    def full(source: object, target: object, *args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device", str(source))
    monkeypatch.setattr(shutil_module, "copyfile", full)
    result = build(site)
    assert result.exit_code == 1 and result.exception is None
    out = site / "output"
    assert _said(result).startswith(f"{out}: the disk holding the output folder is full"), result.stderr
    assert "big.bin" not in result.stderr


# ------------------------------------------------------------------ one build at a time

def test_a_second_build_waits_or_refuses_while_the_output_is_locked(tmp_path):
    site = _site(tmp_path)
    out = site / "output"
    with output_lock(out):
        result = build(site, "--no-wait")
        assert result.exit_code == 1 and result.exception is None
        assert _said(result).startswith(f"{out}: another sitegen (process {os.getpid()}) is writing"), result.stderr
        assert not out.exists()
        waiting = subprocess.Popen([sys.executable, "-m", "sitegen", "build", "--source", str(site)],
                                   stderr=subprocess.PIPE, text=True)
        try:
            first = waiting.stderr.readline()  # type: ignore[union-attr]
            assert first.startswith(f"Waiting for another sitegen (process {os.getpid()}) to finish writing")
            time.sleep(0.3)
            assert waiting.poll() is None and not out.exists()
        except BaseException:
            waiting.kill()
            raise
    assert waiting.wait(timeout=120) == 0
    assert (out / "storm/index.html").is_file()


def test_two_builds_into_one_output_end_with_the_later_ones_sources(tmp_path):
    one = _site(tmp_path / "one")
    two = _site(tmp_path / "two")
    _change(two)
    write(two / "sitegen.yaml", CONFIG.replace(BASE, "https://other.example/"))
    out = tmp_path / "shared"
    with output_lock(out):  # both start while a third holds the output, then race for it
        procs = {site: subprocess.Popen([sys.executable, "-m", "sitegen", "build", "--source", str(site),
                                         "--output", str(out)], stderr=subprocess.PIPE, text=True)
                 for site in (one, two)}
        firsts = [proc.stderr.readline() for proc in procs.values()]  # type: ignore[union-attr]
        assert all(line.startswith("Waiting for another sitegen") for line in firsts), firsts
    errors = {site: proc.communicate(timeout=120)[1] for site, proc in procs.items()}
    assert all(proc.returncode == 0 for proc in procs.values()), errors
    last = int((tmp_path / ".shared.lock").read_text())  # the last to hold the lock
    later = next(site for site, proc in procs.items() if proc.pid == last)
    earlier = one if later == two else two
    for site in (earlier, later):  # the same builds, one after the other (updates.json lists
        build_ok(site, "--no-cache", output=tmp_path / "in-turn")  # what the earlier had and not the later)
    assert snapshot(out) == snapshot(tmp_path / "in-turn")


# ------------------------------------------------------------------ leftovers

def test_leftover_folders_of_dead_builds_are_removed_and_a_live_ones_kept(tmp_path):
    site = _site(tmp_path)
    build_ok(site)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    dead_pid = int(dead.stdout)
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        for name in (f".output.staging-{dead_pid}", f".output.old-{dead_pid}", f".output.staging-{live.pid}"):
            write(site / name / "storm/index.html", "<p>stale</p>")
        write(site / f".output.journal.tmp-{dead_pid}", "{}")
        write(site / ".output.journal.tmp-copy", "{}")  # (not a build's: no process id, left alone)
        write(site / "content/storm/new.md", _entry(999))
        build_ok(site)
        left = sorted(p.name for p in site.iterdir() if p.name.startswith(".output."))
        assert left == [".output.journal.tmp-copy", ".output.lock", f".output.staging-{live.pid}"]
    finally:
        live.kill()
        live.wait()


# ------------------------------------------------------------------ a later build's staging

def test_a_later_build_stages_its_changes_side_by_side_and_publishes_the_fresh_builds_bytes(
        states, tmp_path, monkeypatch):
    site_a, expected = states
    site = _copy(site_a, tmp_path)
    _change(site)
    staged: list[list[tuple[str, bool]]] = []
    real = publish._move

    def looking(source: str, target: str) -> None:
        if not staged:  # (at the first move: what the build staged, every changed file)
            staging = Path(source).parent
            staged.append([(p.name, p.is_dir()) for p in staging.iterdir()])
        real(source, target)

    monkeypatch.setattr(publish, "_move", looking)
    build_ok(site)
    assert snapshot(site / "output") == expected
    names = [name for name, _ in staged[0]]
    assert not any(is_dir for _, is_dir in staged[0]) and "storm%2Fentries%2Fe5%2Findex.html" in names
    assert "extra.txt" in names and publish.MARKER in names
    assert not list(tmp_path.glob("site/.output.staging-*"))


def test_staged_names_spell_each_path_once():
    paths = ["a/b.html", "a%2Fb.html", "a%b/c.html", "a%25b/c.html", "a/b/c.html", "a%2Fb%2Fc.html",
             "x/" + "y" * 300 + ".html", "x/" + "y" * 301 + ".html", "%%x"]
    names = [publish.staged_name(p) for p in paths]
    assert len(set(names)) == len(paths) and not any("/" in name for name in names)
    assert all(len(name.encode()) <= publish.MAX_STAGED_NAME for name in names)
    assert names[0] == "a%2Fb.html" and names[1] == "a%252Fb.html" and names[6].startswith("%%")


def test_a_journal_an_earlier_sitegen_left_with_its_changes_staged_as_a_tree_is_finished(states, tmp_path):
    site_a, expected = states
    site = _copy(site_a, tmp_path)
    out = site / "output"
    staging = site / ".output.staging-1"
    write(staging / "storm/entries/e0/index.html", "<p>moved in</p>")
    journal = {"staging": str(staging), "moves": ["storm/entries/e0/index.html"], "deletions": [],
               "manifest": None, "manifest_staged": None, "swap_inode": None}  # (no "flat": a tree)
    journal_path(out).write_text(json.dumps(journal), "utf-8")
    assert publish.recover(out) == 1
    assert (out / "storm/entries/e0/index.html").read_text() == "<p>moved in</p>"
    assert not journal_path(out).exists() and not staging.exists()
