"""The caches never change the output: every build that uses them writes the same
bytes as a build from scratch without any (the reference).

Cold, warm and incremental builds, `serve`'s in-memory rebuilds, a corrupted, a
truncated and an older cache, a template change, a Markdown setting change, the
forked rendering of many pages, and the pieces those rely on (the <article> root
mark, the sitemap writer, the cache codec)."""

from __future__ import annotations

import re

import errno
import hashlib
import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

import sitegen.incremental.cache
from sitegen.core import forking
from sitegen.incremental import filecache
from sitegen.incremental import filestamps
from sitegen.build import parallel, pipeline
from sitegen.output import staged as staged_module
from sitegen.core.errors import SitegenError
from sitegen.build.pipeline import build, default_options, open_cache
from sitegen.incremental.cache import Cache
from sitegen.source.loader import load_site
from sitegen.render.store import NoStore
from sitegen.config.site_config import load_config
from sitegen.feeds.rss import sitemap
from sitegen.feeds.trees import sitemap_tree
from sitegen.model.site import Entry
from sitegen.render.renderer import ENTRY_TEMPLATE, Renderer, find_theme
from sitegen.core.urls import Links
from sitegen.site.views import entry_view
from sitekit import article, html_page, make_site, snapshot, stream_ids, write

CONFIG = """\
title: Cache test
base_url: https://example.org/sub dir/é/
timezone: Europe/Kyiv
per_page: 3
publisher:
  name: Test desk
  logo: images/pic.svg
"""
LIVEBLOG = "title: Caching\ntopics:\n  a: Topic A\n  b: Topic B\n"
ENTRIES = {
    "liveblog.yaml": LIVEBLOG,
    # the hour repeated when clocks go back (fold) and a time with its own offset
    "dst.md": "---\ntime: 2024-10-27T03:30\ntitle: Ambiguous hour\ntopics: [a]\n---\nFirst 03:30.\n",
    "offset.md": "---\ntime: 2024-10-27T01:00:00-05:00\ntopics: [a, b]\nupdated: 2024-10-27T09:00Z\n---\n"
                 "No title, a table:\n\n| x | y |\n| - | - |\n| 1 | 2 |\n",
    "rich.md": "---\ntime: 2024-10-26T08:00\ntitle: Rich\ntopics: [b]\nauthor: Ana\nkey_event: true\n"
               "image: images/pic.svg\ncaption: A caption\ncredit: Someone\nsource:\n  name: Wire\n"
               "  url: https://wire.example/x\n---\nWith a footnote[^1], ~~struck~~ and ![img](https://i.example/a.png)."
               "\n\n## Sub heading\n\n> quoted\n\n[^1]: The note.\n",
    "pinned.md": "---\ntime: 2024-10-25T10:00\ntitle: Read this first\npinned: true\n---\nPinned.\n",
    "list.yaml": "".join(f"- id: l{n}\n  time: 2024-10-2{n}T1{n}:00\n  title: Listed {n}\n  topics: [a]\n"
                         f"  body: Listed body {n} <b>raw</b>.\n" for n in range(1, 6)),
}
FILES = {"static/images/pic.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>"}


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    return make_site(tmp_path, config=CONFIG, liveblogs={"live": ENTRIES}, files=FILES)


def reference(site: Path, tmp_path: Path, name: str = "reference", previous: Path | None = None) -> dict[str, bytes]:
    """A build from scratch without any cache (on top of `previous` output, so that
    updates.json sees the same earlier build)."""
    output = tmp_path / name
    shutil.rmtree(output, ignore_errors=True)
    if previous is not None:
        shutil.copytree(previous, output)
    build(default_options(site, output, use_cache=False))
    return snapshot(output)


def built(site: Path, output: Path, cache: Cache | None = None) -> dict[str, bytes]:
    build(default_options(site, output), cache)
    return snapshot(output)


def assert_same(got: dict[str, bytes], want: dict[str, bytes]) -> None:
    assert sorted(got) == sorted(want)
    differ = [rel for rel in want if got[rel] != want[rel]]
    assert not differ, f"differ from a build without cache: {differ[:5]}"


def test_the_site_has_what_the_cache_must_get_right(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(default_options(site, out))
    front = html_page(out / "live/index.html")
    assert stream_ids(front)[0] == "pinned"
    assert len(list((out / "live/page").iterdir())) >= 2  # archive pages
    assert (out / "live/topics/a/page/1/index.html").is_file()
    rich = article(html_page(out / "live/entries/rich/index.html"), "rich")
    assert rich.xpath(".//sup//a") and rich.xpath(".//h5")  # footnote; heading moved down
    (src,) = rich.xpath(".//figure/img/@src")
    assert re.fullmatch(r"\.\./\.\./\.\./media/pic-[0-9a-f]{12}\.svg", src)  # checked, content-hashed


def test_cold_warm_and_incremental_builds_match_builds_without_cache(site: Path, tmp_path: Path) -> None:
    want = reference(site, tmp_path)
    out = tmp_path / "out"
    assert_same(built(site, out), want)  # cold
    assert_same(built(site, out), want)  # warm: cache and output present
    write(site / "content/live/dst.md", ENTRIES["dst.md"].replace("First", "Edited"))
    write(site / "content/live/new.md", "---\ntime: 2024-10-28T12:00\ntopics: [b]\n---\nNew entry.\n")
    (site / "content/live/pinned.md").unlink()
    previous = tmp_path / "previous"
    shutil.copytree(out, previous)
    got = built(site, out)
    assert_same(got, reference(site, tmp_path, "after", previous))
    assert b"Edited 03:30" in got["live/entries/dst/index.html"]


def test_serve_rebuilds_with_one_cache_in_memory(site: Path, tmp_path: Path, monkeypatch) -> None:
    """`serve` keeps parsed files, entries, listings and output records in memory."""
    monkeypatch.setattr(filecache, "RACY_NS", -10**15)  # trust file stats at once (else for 2 s)
    out = tmp_path / "out"
    options = default_options(site, out)
    cache = open_cache(options, keep_in_memory=True)
    try:
        built(site, out, cache)
        for n in range(3):
            time.sleep(0.02)  # a new ctime for the rewritten file
            write(site / "content/live/dst.md", ENTRIES["dst.md"].replace("First", "Edit " * (n + 1)))
            if n == 1:
                write(site / "content/live/new.md", "---\ntime: 2024-10-29T12:00\ntopics: [a]\n---\nNew.\n")
            previous = tmp_path / "previous"
            shutil.rmtree(previous, ignore_errors=True)
            shutil.copytree(out, previous)
            got = built(site, out, cache)
            assert_same(got, reference(site, tmp_path, "fresh", previous))
            assert ("Edit " * (n + 1)).encode() in got["live/entries/dst/index.html"]
    finally:
        cache.close()


def test_unchanged_files_are_not_read_and_a_changed_one_always_is(site: Path, tmp_path: Path, monkeypatch) -> None:
    """Files are known unchanged by inode, size, mtime and ctime (filestamps.py): a warm
    build reads none, and a file rewritten with the same size and its old mtime put
    back (ctime cannot be) is read again."""
    monkeypatch.setattr(filestamps, "RACY_NS", -10**15)  # trust the stamps at once (else after 2 s)
    monkeypatch.delenv("SITEGEN_VERIFY_INPUTS")  # (whose check reads the edited file's neighbours in its group)
    reads: list[Path] = []
    real_read = filecache.read_text
    monkeypatch.setattr(filecache, "read_text", lambda path: reads.append(path) or real_read(path))
    out = tmp_path / "out"
    built(site, out)
    assert len(reads) == len(ENTRIES) - 1  # every entry file once (liveblog.yaml is read elsewhere)
    reads.clear()
    warm = built(site, out)
    assert reads == []
    assert_same(warm, reference(site, tmp_path))
    entry = site / "content/live/dst.md"
    before = entry.stat()
    time.sleep(0.02)
    entry.write_text(ENTRIES["dst.md"].replace("First", "Fixed"), "utf-8")  # the same length
    os.utime(entry, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (entry.stat().st_size, entry.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    previous = tmp_path / "previous"
    shutil.copytree(out, previous)
    reads.clear()
    got = built(site, out)
    assert reads == [entry]
    assert b"Fixed 03:30" in got["live/entries/dst/index.html"]
    assert_same(got, reference(site, tmp_path, "after", previous))


def test_a_previews_first_build_reads_only_what_the_stamps_do_not_know(site: Path, tmp_path: Path,
                                                                         monkeypatch) -> None:
    """`serve`'s first build (a new session: nothing in memory) takes the files the last
    build's stamps know without reading them, as a fresh build does; its next rebuild,
    told by the watcher what changed, reads only that; one that was not told reads only the
    file it has not seen, and leaves the stamps of every other file in place for the next
    build."""
    monkeypatch.setattr(filestamps, "RACY_NS", -10**15)  # trust the stamps at once (else after 2 s)
    monkeypatch.setattr(filecache, "RACY_NS", -10**15)  # and the session's own file stats
    monkeypatch.setattr(filestamps, "MIN_STALE", 0)  # (stamps stored again for any change: this site is small)
    monkeypatch.delenv("SITEGEN_VERIFY_INPUTS")  # (whose check reads the edited file's neighbours in its group)
    reads: list[Path] = []
    real_read = filecache.read_text
    monkeypatch.setattr(filecache, "read_text", lambda path: reads.append(path) or real_read(path))
    out, previous = tmp_path / "out", tmp_path / "previous"
    built(site, out)
    shutil.copytree(out, previous)
    edited, told = site / "content/live/dst.md", site / "content/live/pinned.md"
    edited.write_text(ENTRIES["dst.md"].replace("First", "Edited"), "utf-8")
    session = open_cache(default_options(site, out), keep_in_memory=True)
    try:
        reads.clear()
        got = built(site, out, session)
        assert reads == [edited]
        assert b"Edited 03:30" in got["live/entries/dst/index.html"]
        assert_same(got, reference(site, tmp_path, "after", previous))
        shutil.rmtree(previous)
        shutil.copytree(out, previous)
        told.write_text(ENTRIES["pinned.md"].replace("Pinned.", "Pinned, told."), "utf-8")
        reads.clear()
        build(default_options(site, out), session, changed=frozenset({told}))
        assert reads == [told]
        assert_same(snapshot(out), reference(site, tmp_path, "told", previous))
        added = write(site / "content/live/added.md", "---\ntime: 2024-10-27T12:00\n---\nAdded.\n")
        reads.clear()
        build(default_options(site, out), session)  # (not told: the watcher lost track, say)
        assert reads == [added]
    finally:
        session.close()
    reads.clear()
    built(site, out)  # a fresh build: the stamps the session's first build left still stand
    assert sorted(reads) == sorted([told, added])  # (changed since, or never stamped)


@pytest.mark.parametrize("stored", ["not json", "[1, 2]", '{"taken": "x", "files": []}',
                                    '{"taken": 0, "files": {"/x": [1, 2, "3", 4, "k"]}}'])
def test_damaged_file_stamps_mean_reading_every_file(tmp_path: Path, stored: str) -> None:
    path = tmp_path / "a.md"
    path.write_text("text", "utf-8")
    cache = Cache(None)
    cache.put("stamps", stored)
    assert filestamps.FileStamps(cache, "stamps").known(path)[0] is None


def _cache_file(site: Path) -> Path:
    return site / ".sitegen-cache" / "fragments.sqlite3"


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_cache_file_is_replaced(site: Path, tmp_path: Path, damage: str) -> None:
    want = reference(site, tmp_path)
    out = tmp_path / "out"
    built(site, out)
    path = _cache_file(site)
    for extra in ("-wal", "-shm"):
        Path(str(path) + extra).unlink(missing_ok=True)
    data = path.read_bytes()
    path.write_bytes(os.urandom(4096) if damage == "garbage" else data[: len(data) // 2])
    shutil.rmtree(out)
    assert_same(built(site, out), want)
    assert_same(built(site, out), want)
    with sqlite3.connect(path) as db:  # a working cache again
        assert db.execute("SELECT count(*) FROM fragments").fetchone()[0] > 0


def test_a_cache_of_another_schema_is_started_afresh(site: Path, tmp_path: Path) -> None:
    want = reference(site, tmp_path)
    out = tmp_path / "out"
    built(site, out)
    with sqlite3.connect(_cache_file(site)) as db:
        db.execute("UPDATE meta SET value='0' WHERE key='schema'")
        db.execute("UPDATE fragments SET value='<p>stale</p>'")
    shutil.rmtree(out)
    assert_same(built(site, out), want)


def test_values_of_an_older_sitegen_are_never_used(site: Path, tmp_path: Path, monkeypatch) -> None:
    """Keys name sitegen's code: an older version's values, even poisoned, are misses."""
    want = reference(site, tmp_path)
    out = tmp_path / "out"
    with monkeypatch.context() as patched:
        patched.setattr(sitegen.incremental.cache, "_BASE", hashlib.sha256(b"sitegen 0.0.1"))
        built(site, out)
    with sqlite3.connect(_cache_file(site)) as db:
        db.execute("UPDATE fragments SET value='<p>stale</p>'")
    shutil.rmtree(out)
    assert_same(built(site, out), want)


def test_a_template_change_renders_entries_again(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    built(site, out)
    theme = find_theme(site, "default").templates[-1]
    original = (theme / ENTRY_TEMPLATE).read_text("utf-8")
    write(site / "templates" / ENTRY_TEMPLATE, original.replace('class="entry', 'class="changed entry', 1))
    previous = tmp_path / "previous"
    shutil.copytree(out, previous)
    got = built(site, out)
    assert_same(got, reference(site, tmp_path, "fresh", previous))
    assert article(html_page(out / "live/index.html"), "pinned").get("class").startswith("changed ")


def test_a_markdown_setting_change_renders_bodies_again(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = built(site, out)
    assert b"&lt;b&gt;raw&lt;/b&gt;" in first["live/entries/l1/index.html"]
    write(site / "sitegen.yaml", CONFIG + "markdown:\n  allow_html: true\n")
    previous = tmp_path / "previous"
    shutil.copytree(out, previous)
    got = built(site, out)
    assert_same(got, reference(site, tmp_path, "fresh", previous))
    assert article(html_page(out / "live/entries/l1/index.html"), "l1").xpath(".//b/text()") == ["raw"]


def _many_entries(site: Path, count: int) -> None:
    for n in range(count):
        topics = "[a]" if n % 2 else "[b]"
        write(site / f"content/live/m{n:03d}.md",
              f"---\ntime: 2024-09-{1 + n // 24:02d}T{n % 24:02d}:00\ntopics: {topics}\n---\nEntry *{n}*.\n")


def _forked_renderers(monkeypatch) -> list[int]:  # type: ignore[no-untyped-def]
    """Pages made by forked renderers even on a small site; their pids, as they are forked."""
    monkeypatch.setattr(parallel, "MIN_TASKS", 2)
    monkeypatch.setattr(pipeline, "FEW_PAGES", 10)
    pids: list[int] = []
    real = parallel._fork_renderer

    def counted(*args):  # type: ignore[no-untyped-def]
        renderer = real(*args)
        pids.append(renderer.pid)
        return renderer
    monkeypatch.setattr(parallel, "_fork_renderer", counted)
    assert forking.can_fork()
    return pids


def _all_reaped(pids: list[int]) -> bool:
    """Every one of these children was waited for (none left running or a zombie)."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False
    return True


def _renderer_failing_midway(tasks, writer, cache) -> None:  # type: ignore[no-untyped-def]
    """A forked renderer that stages its first group of pages, then dies without a report."""
    tasks[0](writer.making_deferred().into(writer.staged.share()))
    os._exit(3)


def _renderer_raising(tasks, writer, cache) -> None:  # type: ignore[no-untyped-def]
    """A forked renderer that meets an error of its own (its share made again, where it is reported)."""
    raise OSError("renderer's own error")


@pytest.mark.parametrize("child_fails", [False, True, "midway", "raises"])
def test_forked_rendering_writes_the_same_bytes(site: Path, tmp_path: Path, monkeypatch, child_fails) -> None:
    """Markdown in a pool, entry pages split between forked renderers, each staging its
    own; or, when a renderer fails (at once, or after staging some pages), its share
    made again by the parent."""
    _many_entries(site, 60)
    want = reference(site, tmp_path)
    renderers = _forked_renderers(monkeypatch)
    monkeypatch.setattr(forking, "POOL_MIN_MISSES", 10)
    monkeypatch.setattr(forking, "CHUNK", 8)
    if child_fails == "midway":
        monkeypatch.setattr(parallel, "_rendered", _renderer_failing_midway)
    elif child_fails == "raises":
        monkeypatch.setattr(parallel, "_rendered", _renderer_raising)
    elif child_fails:
        monkeypatch.setattr(parallel, "_rendered", lambda *args: os._exit(3))
    assert_same(built(site, tmp_path / "out"), want)
    assert len(renderers) >= 2 and _all_reaped(renderers)


def test_a_disk_error_writing_forked_renderers_pages_fails_the_build_cleanly(site: Path, tmp_path: Path,
                                                                             monkeypatch) -> None:
    """Pages rendered by forked renderers are staged by them: a full disk there fails the
    renderers, the parent making their shares again meets it too and reports it, located,
    and the previous output stays as it was."""
    _many_entries(site, 60)
    out = tmp_path / "out"
    before = built(site, out)
    (site / "content/live/dst.md").write_text(ENTRIES["dst.md"].replace("First", "Changed"), "utf-8")
    shutil.rmtree(site / ".sitegen-cache")  # no record of the last output: every page is made again
    renderers = _forked_renderers(monkeypatch)
    real = staged_module.StagedBuild.put

    def full_disk(self, rel, *args):  # type: ignore[no-untyped-def]
        if rel.startswith("live/entries/"):
            raise OSError(errno.ENOSPC, "No space left on device", rel)
        return real(self, rel, *args)
    monkeypatch.setattr(staged_module.StagedBuild, "put", full_disk)
    with pytest.raises(SitegenError, match="No space left on device"):
        build(default_options(site, out))
    assert renderers and _all_reaped(renderers)
    assert snapshot(out) == before
    assert not list(tmp_path.glob(".out.staging-*"))


def test_a_clash_met_while_forked_renderers_make_the_pages_fails_the_build_cleanly(site: Path, tmp_path: Path,
                                                                                  monkeypatch) -> None:
    """The feeds, live updates and static files are written while the renderers make the
    pages: a static file clashing with a feed is the build's error all the same, the
    renderers are reaped, and the previous output stays as it was."""
    _many_entries(site, 60)
    out = tmp_path / "out"
    before = built(site, out)
    shutil.rmtree(site / ".sitegen-cache")  # every page made again, by forked renderers
    write(site / "static/live/feed.xml", "<rss/>")
    renderers = _forked_renderers(monkeypatch)
    with pytest.raises(SitegenError, match="live/feed.xml"):
        build(default_options(site, out))
    assert renderers and _all_reaped(renderers)
    assert snapshot(out) == before
    assert not list(tmp_path.glob(".out.staging-*"))


@pytest.mark.parametrize("base_url", ["https://example.org/", "https://ex.org/a b/ü/"])
@pytest.mark.parametrize("route", ["live/", "live/page/2/", "live/topics/a/page/3/", "404.html"])
def test_an_article_rendered_once_for_all_depths_is_as_rendered_for_one(
        site: Path, tmp_path: Path, base_url: str, route: str) -> None:
    config = load_config(site, base_url)
    loaded = load_site(site, config, False, lambda pairs: [f"<p>{body}</p>" for _, body in pairs])
    renderer = Renderer(find_theme(site, config.theme), config, NoStore())
    links = Links.rooted(config.base_url) if route == "404.html" else Links.from_page(config.base_url, route)
    for liveblog in loaded.liveblogs:
        for entry in liveblog.entries:
            direct = renderer._render(ENTRY_TEMPLATE, entry=entry_view(entry, liveblog, links), t=liveblog.lang.t)
            assert renderer.fragment(entry, liveblog, links) == direct


def test_an_entry_holding_the_root_mark_is_rendered_on_its_own(site: Path, tmp_path: Path) -> None:
    config = load_config(site)
    loaded = load_site(site, config, False, lambda pairs: ["<p>\x01x</p>" for _ in pairs])
    renderer = Renderer(find_theme(site, config.theme), config, NoStore())
    liveblog = loaded.liveblogs[0]
    entry: Entry = liveblog.entries[0]
    links = Links.from_page(config.base_url, "live/page/1/")
    assert renderer.fragment(entry, liveblog, links) == renderer._render(
        ENTRY_TEMPLATE, entry=entry_view(entry, liveblog, links), t=liveblog.lang.t)


def test_a_cold_builds_prerendering_leaves_an_entry_holding_the_root_mark_to_each_page(site: Path) -> None:
    config = load_config(site)
    loaded = load_site(site, config, False,
                       lambda pairs: [("<p>\x01" if n == 0 else "<p>") + f"{body}</p>" for n, (_, body) in enumerate(pairs)])
    renderer = Renderer(find_theme(site, config.theme), config, NoStore())
    renderer.prerender(loaded)
    links = Links.from_page(config.base_url, "live/page/1/")
    liveblog = loaded.liveblogs[0]
    assert any("\x01" in entry.body_html for entry in liveblog.entries)
    for entry in liveblog.entries:
        assert renderer.fragment(entry, liveblog, links) == renderer._render(
            ENTRY_TEMPLATE, entry=entry_view(entry, liveblog, links), t=liveblog.lang.t)


def test_the_sitemap_is_what_elementtree_would_write() -> None:
    from datetime import datetime, timedelta, timezone
    from zoneinfo import ZoneInfo
    routes = [("", None), ("a&b/<c>/ é/", datetime(2024, 10, 27, 3, 30, fold=1, tzinfo=ZoneInfo("Europe/Kyiv"))),
              ("404.html", datetime(2024, 1, 1, 1, 2, 3, 4, tzinfo=timezone(timedelta(hours=-3))))]
    for base in ("https://example.org/", "https://ex.org/a&b/ü/"):
        assert sitemap(routes, base) == sitemap_tree(routes, base)
        assert sitemap([], base) == sitemap_tree([], base)


def test_a_change_to_any_module_of_any_subpackage_changes_the_code_digest(tmp_path: Path) -> None:
    """Cached values are keyed by sitegen's code: a module moved into a subpackage (or a
    new one) must count as much as a top-level one did."""
    from sitegen.incremental.cache import PACKAGE_ROOT, code_digest

    copy = tmp_path / "sitegen"
    shutil.copytree(PACKAGE_ROOT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert code_digest(copy) == code_digest(PACKAGE_ROOT)
    seen = {code_digest(copy)}
    for module in ("source/loader.py", "site/pages.py", "render/renderer.py", "core/urls.py"):
        (copy / module).write_text((copy / module).read_text() + "\n# changed\n")
        seen.add(code_digest(copy))
    (copy / "site" / "new_module.py").write_text("VALUE = 1\n")
    seen.add(code_digest(copy))
    assert len(seen) == 6


def test_the_digest_of_the_modules_that_shape_pictures_follows_those_modules_only(tmp_path: Path) -> None:
    """Processed photos are keyed by the code of `SHAPING_MODULES` (build/media.py): a
    change to one of them makes every picture again, a change anywhere else (or a new
    version number) keeps them."""
    from sitegen.incremental.cache import PACKAGE_ROOT, code_digest
    from sitegen.media.records import SHAPING_MODULES

    copy = tmp_path / "sitegen"
    shutil.copytree(PACKAGE_ROOT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = code_digest(copy, SHAPING_MODULES)
    assert before == code_digest(PACKAGE_ROOT, SHAPING_MODULES) != code_digest(copy)
    for module in ("site/pages.py", "__init__.py", "media/embeds.py"):
        (copy / module).write_text((copy / module).read_text() + "\n__version__ = '99.0'\n")
        assert code_digest(copy, SHAPING_MODULES) == before
    seen = {before}
    for module in SHAPING_MODULES:
        (copy / module).write_text((copy / module).read_text() + "\n# changed\n")
        seen.add(code_digest(copy, SHAPING_MODULES))
    assert len(seen) == len(SHAPING_MODULES) + 1


def test_every_module_that_makes_pictures_is_among_those_that_key_them() -> None:
    """A picture's files and record are made by images.py and records.py: each sitegen module
    they import either shapes pictures (and is in `SHAPING_MODULES`, whose code keys them) or
    is known not to. A new import makes whoever adds it decide which (else, an upgrade that
    changed it would leave photos made by the old code)."""
    import ast

    from sitegen.incremental.cache import PACKAGE_ROOT
    from sitegen.media.records import SHAPING_MODULES

    not_shaping = {"config/media_config.py": "its settings reach every key by value (ImageSettings.fingerprint)",
                   "core/memo.py": "where records are kept in memory, not what they hold"}
    imported = set()
    for module in ("media/images.py", "media/records.py"):
        for node in ast.walk(ast.parse((PACKAGE_ROOT / module).read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sitegen."):
                imported.add(node.module.removeprefix("sitegen.").replace(".", "/") + ".py")
    assert imported and imported <= set(SHAPING_MODULES) | set(not_shaping), imported


def test_the_cache_says_whether_it_holds_any_of_some_keys_without_fetching_them(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache.db")
    many = [f"missing-{n}" for n in range(1200)]  # (more than one query's parameters)
    assert not cache.holds_any(many)
    cache.put("waiting", "value")
    assert cache.holds_any([*many, "waiting"])
    cache.flush()
    cache.close()
    stored = Cache(tmp_path / "cache.db")
    assert stored.holds_any([*many, "waiting"]) and not stored.holds_any(many)
    assert stored.loaded == {} and stored.memory == {}  # (nothing fetched)
    stored.close()
