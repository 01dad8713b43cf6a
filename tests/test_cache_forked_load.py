"""A cold build of a long liveblog loads it on every core (incremental/entries.py
and groupwork.py, filecache.py `_read_stamped`): forked workers read the entry files
and make whole groups of entries, the parent keeps only keys, entries and facts.
The parent lets go of the prerendered articles once its
renderers are forked. Same bytes as in one process, every problem reported as in one process, and the
groups the workers made are what later builds decode.

(Named to run beside test_cache.py, before the browser tests: playwright leaves threads
behind, and a process with threads never forks, see forking.can_fork.)"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import jinja2
import pytest

from sitegen.build import parallel
from sitegen.build.pipeline import build, default_options, open_cache
from sitegen.core import forking
from sitegen.core.errors import SitegenError
from sitegen.incremental import entrygroups, filecache, filestamps
from sitegen.incremental.cache import Cache
from sitegen.incremental.entries import CachedEntryReader
from sitegen.incremental.entrygroups import bucket_of
from sitegen.render import renderer
from sitegen.render.renderer import Renderer
from sitekit import DEFAULT_LIVEBLOG, entry_md, make_site, snapshot

COUNT = 60
PEOPLE = "authors:\n  ann:\n    name: Ann Reporter\n    role: Reporter\n"


def _site(root: Path) -> Path:
    entries = {f"e{n:02d}.md": entry_md(f"2025-03-01T{n // 4 + 1:02d}:{n % 4 * 15:02d}", f"Entry *{n}* \u2014 text.",
                                        title=f"Entry {n}", topics="[energy]" if n % 3 else "[]",
                                        author="ann" if n % 2 else "Bob Stringer")
               for n in range(COUNT)}
    entries["list.yaml"] = ("- id: listed-one\n  time: 2025-03-02T09:00\n  body: One *listed*.\n"
                            "- id: listed-two\n  time: 2025-03-02T09:30\n  title: Two\n  body: Two.\n")
    site = make_site(root, liveblogs={"live": {"liveblog.yaml": DEFAULT_LIVEBLOG, **entries}})
    config = site / "sitegen.yaml"
    config.write_text(config.read_text("utf-8") + PEOPLE, "utf-8")
    return site


def _reference(site: Path, out: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """The same site built without a cache, in this one process."""
    with monkeypatch.context() as alone:
        alone.setattr(forking, "can_fork", lambda: False)
        alone.setattr(parallel, "can_fork", lambda: False)
        build(default_options(site, out, use_cache=False))
    return snapshot(out)


def test_a_cold_load_by_forked_workers_writes_the_same_bytes_and_keeps_its_groups(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forked: None) -> None:
    site = _site(tmp_path / "site")
    reads = tmp_path / "reads.log"
    real_read = filecache.read_text

    def logged(path: Path) -> str:
        with open(reads, "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()} {path.name}\n")
        return real_read(path)
    monkeypatch.setattr(filecache, "read_text", logged)
    made: list[list[Path]] = []
    original = CachedEntryReader.group_parts
    monkeypatch.setattr(CachedEntryReader, "group_parts",
                        lambda self, texts, plan, last=None: made.append([t.path for t in texts])
                        or original(self, texts, plan, last))
    let_go: list[int] = []
    forget = Renderer.forget_articles
    monkeypatch.setattr(Renderer, "forget_articles", lambda self: let_go.append(len(self._articles)) or forget(self))
    out = tmp_path / "out"
    build(default_options(site, out))
    readers = [line.split() for line in reads.read_text("utf-8").splitlines()]
    assert made == []  # (made in the workers: this process's spy saw nothing)
    assert let_go == [COUNT + 2]  # every prerendered article let go once the renderers were forked
    files = {p.name for p in (site / "content/live").iterdir() if p.name != "liveblog.yaml"}
    assert {name for _, name in readers} == files
    assert str(os.getpid()) not in {pid for pid, _ in readers}  # this process held no file's text
    assert snapshot(out) == _reference(site, tmp_path / "reference", monkeypatch)
    edited = site / "content/live/e07.md"
    edited.write_text(edited.read_text("utf-8").replace("Entry *7*", "Entry *7*, corrected"), "utf-8")
    made.clear()
    build(default_options(site, out))  # one group made again, in process; the others decoded as the workers kept them
    assert [{bucket_of(p.name) for p in paths} for paths in made] == [{bucket_of(edited.name)}]
    assert edited in made[0]
    assert snapshot(out) == _reference(site, tmp_path / "reference", monkeypatch)


def test_a_first_load_reads_each_file_once_and_stamps_it_for_the_next_build(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forked: None) -> None:
    """A folder new to the cache has every group made by forked workers, which read
    its files themselves: none is read first for its key (groupwork.GroupWork.first).
    Each file's stamp is recorded as a read records it: a later build that must look
    at many files reads only those that changed."""
    site = _site(tmp_path / "site")
    folder = site / "content/live"
    monkeypatch.setattr(filestamps, "RACY_NS", 0)  # (files written just now: their stamps stand all the same)
    monkeypatch.setenv("SITEGEN_VERIFY_INPUTS", "0")  # (which reads unchanged files to check what stands for them)
    reads_log = tmp_path / "reads.log"  # (the forked workers' reads too)
    real_read = filecache.read_text
    monkeypatch.setattr(filecache, "read_text", lambda path: _logged(reads_log, path) or real_read(path))
    out = tmp_path / "out"
    build(default_options(site, out))
    names = reads_log.read_text("utf-8").split()
    assert sorted(names) == sorted(p.name for p in folder.iterdir() if p.name != "liveblog.yaml")  # each once
    edited = sorted(folder.glob("e*.md"))[:2 * forking.CHUNK]  # (many groups: their files are looked up by stamp)
    for path in edited:
        path.write_text(path.read_text("utf-8").replace(" \u2014 text.", " \u2014 text, revised."), "utf-8")
    reads_log.unlink()
    build(default_options(site, out))
    assert set(reads_log.read_text("utf-8").split()) == {path.name for path in edited}
    assert snapshot(out) == _reference(site, tmp_path / "reference", monkeypatch)


def _logged(log: Path, path: Path) -> None:
    with open(log, "a", encoding="utf-8") as file:
        file.write(f"{path.name}\n")


def test_workers_are_forked_for_what_must_be_parsed_not_for_a_groups_known_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forked: None) -> None:
    """One edit in a long liveblog misses one group of hundreds of files, all but one
    known from the group's last value: made in process (a pool would cost more than the
    one parse). Many edits in it are still made by forked workers. Same bytes either way."""
    monkeypatch.setattr(entrygroups, "BUCKETS", 2)  # (~31 files a group: a long liveblog's groups, in small)
    site = _site(tmp_path / "site")
    out = tmp_path / "out"
    build(default_options(site, out))
    made: list[list[Path]] = []
    original = CachedEntryReader.group_parts
    monkeypatch.setattr(CachedEntryReader, "group_parts",
                        lambda self, texts, plan, known=None: made.append([t.path for t in texts])
                        or original(self, texts, plan, known))
    folder = site / "content/live"
    edited = folder / "e07.md"
    edited.write_text(edited.read_text("utf-8").replace("Entry *7*", "Entry *7*, corrected"), "utf-8")
    build(default_options(site, out))
    assert len(made) == 1 and edited in made[0] and len(made[0]) >= forking.POOL_MIN_MISSES  # (in this process)
    assert snapshot(out) == _reference(site, tmp_path / "reference", monkeypatch)
    same_group = [path for path in sorted(folder.glob("e*.md")) if bucket_of(path.name) == bucket_of(edited.name)]
    assert len(same_group) >= 2 * forking.CHUNK
    for path in same_group[:2 * forking.CHUNK]:  # (enough for two workers)
        path.write_text(path.read_text("utf-8").replace(" \u2014 text.", " \u2014 text, revised."), "utf-8")
    made.clear()
    build(default_options(site, out))
    assert made == []  # (made in the workers)
    assert snapshot(out) == _reference(site, tmp_path / "reference2", monkeypatch)


def test_problems_found_by_forked_workers_are_reported_as_in_one_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forked: None) -> None:
    site = _site(tmp_path / "site")
    folder = site / "content/live"
    (folder / "e03.md").write_text("---\ntime: [unclosed\n---\nText.\n", "utf-8")
    (folder / "e21.md").write_text(entry_md("2025-03-01T06:15", "Text.", topics="[enrgy]"), "utf-8")
    (folder / "e40.md").write_text(entry_md("2025-03-01T11:00", "Twin.", id="e41"), "utf-8")
    (folder / "e50.md").write_bytes(b"---\ntime: 2025-03-01T13:30\n---\n\xff\xfe not UTF-8\n")
    with pytest.raises(SitegenError) as forked_build:
        build(default_options(site, tmp_path / "out"))
    with monkeypatch.context() as alone:
        alone.setattr(forking, "can_fork", lambda: False)
        with pytest.raises(SitegenError) as alone_build:
            build(default_options(site, tmp_path / "out", use_cache=False))
    found = [(p.path.name, p.line, p.message) for p in forked_build.value.problems]
    assert found == [(p.path.name, p.line, p.message) for p in alone_build.value.problems]
    assert {"e03.md", "e21.md", "e50.md"} <= {name for name, _, _ in found}
    assert {"e40.md", "e41.md"} & {name for name, _, _ in found}  # (the id twice)


def test_a_worker_told_twice_leaves_its_parents_connection_alone(tmp_path: Path) -> None:
    """A pool's worker makes many groups and is told it is a forked child each time:
    the parent's SQLite connection must stay referenced in it (dropping it would close
    it there, and SQLite may then checkpoint and remove the parent's write-ahead log)."""
    if not forking.can_fork():
        pytest.skip("cannot fork here")
    path = tmp_path / "cache.sqlite3"
    cache = Cache(path)
    cache.put("a", "1")
    cache.flush()
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            cache.in_forked_child()
            cache.put("b", "2")
            cache.in_forked_child()
            kept = cache._parents_db is not None  # (referenced, so never closed here)
            status = 0 if kept and cache.take_pending() == {} and cache.db is None else 2
        finally:
            os._exit(status)
    assert os.waitpid(pid, 0)[1] == 0
    assert Path(str(path) + "-wal").exists()  # (still the parent's)
    cache.put("c", "3")
    cache.flush()
    assert cache.get_many(["a", "c"]) == {"a": "1", "c": "3"}
    cache.close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()


def test_a_preview_lets_go_of_the_articles_its_forked_renderers_inherited(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forked: None) -> None:
    """`serve`'s first build into a new folder forks renderers, which inherit every
    article; its session does not keep them all (~100 MB at 50,000 entries, for the preview's
    life), and its next build reads back only those of the pages an edit changed."""
    site = _site(tmp_path / "site")
    out = tmp_path / "out"
    options = default_options(site, out)
    session = open_cache(options, keep_in_memory=True)  # (as serve's Rebuilder keeps it)
    kept = session.memo.partition("articles", limit=1)
    try:
        build(options, session)
        (articles,) = kept.values.values()
        assert len(articles) < COUNT / 2  # (those this process joined since: the live updates')
        edited = site / "content/live/e07.md"
        edited.write_text(edited.read_text("utf-8").replace("Entry *7*", "Entry *7*, corrected"), "utf-8")
        build(options, session, changed=frozenset({edited}))
        assert len(articles) < COUNT / 2
    finally:
        session.close()
    assert snapshot(out) == _reference(site, tmp_path / "reference", monkeypatch)


def test_a_previews_next_build_compiles_no_template_its_renderers_compiled(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forked: None) -> None:
    """A build that makes every page compiles the theme's templates before it forks its
    renderers: they inherit them, and so does `serve`'s next build in this process, which
    the renderers' own compiling would not reach (an edit would compile them again)."""
    monkeypatch.setattr(renderer, "_PROCESS_CODES", {})  # (as in a new process)
    compiled: list[str | None] = []
    compile_template = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):  # type: ignore[no-untyped-def]
        compiled.append(name)
        return compile_template(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    site = _site(tmp_path / "site")
    options = default_options(site, tmp_path / "out")
    session = open_cache(options, keep_in_memory=True)  # (as serve's Rebuilder keeps it)
    try:
        build(options, session)
        assert "liveblog.html" in compiled and "entry.html" in compiled  # (here, before the fork)
        edited = site / "content/live/e07.md"
        edited.write_text(edited.read_text("utf-8").replace("Entry *7*", "Entry *7*, corrected"), "utf-8")
        compiled.clear()
        build(options, session, changed=frozenset({edited}))
        assert compiled == []
    finally:
        session.close()


def test_templates_no_page_uses_do_not_stop_a_build_that_compiles_them_first(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forked: None) -> None:
    """A theme's folder may hold what no page uses: a Mac's .DS_Store, a broken draft of a
    template. Compiling the templates before the fork skips them, as rendering does."""
    site = _site(tmp_path / "site")
    (site / "templates").mkdir()
    (site / "templates" / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1\xff\xfe\x80")
    (site / "templates" / "draft.html").write_text("{% if %}never finished", "utf-8")
    (site / "templates" / "notes.html").write_bytes(b"\xff\xfe not UTF-8")
    out = tmp_path / "out"
    build(default_options(site, out))
    assert snapshot(out) == _reference(site, tmp_path / "reference", monkeypatch)
