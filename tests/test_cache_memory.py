"""What a build holds in memory for the cache: new values are written in batches as
they come, not all at the end; a value given as UTF-8 bytes (the articles a cold
build renders) is the same text whichever way it is read back; a forked worker never
writes through its parent's database connection. The output stays what a build
without any cache writes."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from sitegen.build.pipeline import build, default_options
from sitegen.core import forking
from sitegen.incremental import cache as cache_module
from sitegen.incremental.cache import Cache
from sitekit import DEFAULT_LIVEBLOG, entry_md, make_site, snapshot

TEXT = "Updated 10:00\u202fAM \u201cquoted\u201d \U0001f4f0 caf\u00e9"  # 1, 2, 3 and 4 bytes a character


def _stored(path: Path, key: str) -> object:
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT value FROM fragments WHERE key=?", (key,)).fetchone()
    return None if row is None else row[0]


@pytest.mark.parametrize("value", [TEXT, TEXT.encode("utf-8")])
def test_a_value_is_the_same_text_from_memory_and_from_the_file(tmp_path: Path, value: str | bytes) -> None:
    path = tmp_path / "cache.sqlite3"
    cache = Cache(path)
    cache.put("k", value)
    assert cache.get("k") == TEXT and cache.get_many(["k"]) == {"k": TEXT}  # (still pending)
    cache.flush()
    assert _stored(path, "k") == TEXT  # stored as text, not as a blob
    cache.close()
    again = Cache(path)
    assert again.get("k") == TEXT and again.get_many(["k"]) == {"k": TEXT}
    again.close()
    serve = Cache(None, keep_in_memory=True)
    serve.put("k", value)
    serve.flush()
    assert serve.get("k") == TEXT


def test_new_values_are_written_in_batches(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "cache.sqlite3"
    monkeypatch.setattr(cache_module, "FLUSH_CHARS", 10)
    cache = Cache(path)
    cache.put("a", "12345")
    assert cache.pending and _stored(path, "a") is None
    cache.put("b", TEXT.encode("utf-8"))  # 10 characters reached: both written
    assert not cache.pending and cache.pending_chars == 0
    assert (_stored(path, "a"), _stored(path, "b")) == ("12345", TEXT)
    assert cache.get("b") == TEXT
    cache.close()


def test_a_forked_process_never_writes_through_its_parents_connection(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "cache.sqlite3"
    monkeypatch.setattr(cache_module, "FLUSH_CHARS", 1)
    cache = Cache(path)
    assert forking.can_fork()
    pid = os.fork()
    if pid == 0:  # (a pool's worker: it inherits the cache, and must not write)
        status = 1
        try:
            cache.put("child", "value")
            status = 0 if cache.pending == {"child": "value"} else 2
        finally:
            os._exit(status)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    assert _stored(path, "child") is None
    cache.put("parent", "value")
    assert _stored(path, "parent") == "value"
    cache.close()


def _site(root: Path) -> Path:
    entries = {f"e{n:03d}.md": entry_md(f"2025-03-01T{n // 60:02d}:{n % 60:02d}", f"Entry \u201c{n}\u201d, *text*.",
                                        title=f"Entry {n}", topics="[energy]")
               for n in range(120)}
    return make_site(root, liveblogs={"live": {"liveblog.yaml": DEFAULT_LIVEBLOG, **entries}})


def _waiting_sizes(monkeypatch) -> list[int]:
    """The characters waiting to be written after each `Cache.put`, as the build goes."""
    largest: list[int] = []
    put = Cache.put

    def spy(self: Cache, key: str, value: str | bytes) -> None:
        put(self, key, value)
        largest.append(self.pending_chars)
    monkeypatch.setattr(Cache, "put", spy)
    return largest


def test_a_build_writing_its_values_in_small_batches_writes_the_same_bytes(tmp_path: Path, monkeypatch) -> None:
    """Cold (articles prerendered, kept as bytes), warm from the cache with the output
    gone (articles read back as text), and after an edit: each as without any cache."""
    site = _site(tmp_path)
    reference = tmp_path / "reference"
    build(default_options(site, reference, use_cache=False))
    monkeypatch.setattr(cache_module, "FLUSH_CHARS", 1000)
    monkeypatch.setattr(forking, "POOL_MIN_MISSES", 10)  # articles rendered by forked workers, too
    largest = _waiting_sizes(monkeypatch)
    out = tmp_path / "out"
    build(default_options(site, out))
    assert snapshot(out) == snapshot(reference)
    assert largest and max(largest) < 1000  # never more than a batch waits
    shutil.rmtree(out)
    build(default_options(site, out))
    assert snapshot(out) == snapshot(reference)
    edited = site / "content/live/e007.md"
    edited.write_text(edited.read_text("utf-8").replace("*text*", "*edited*"), "utf-8")
    build(default_options(site, reference, use_cache=False))
    build(default_options(site, out))
    assert snapshot(out) == snapshot(reference)


def test_without_a_file_a_batch_is_let_go_and_the_build_is_the_same(tmp_path: Path, monkeypatch) -> None:
    """--no-cache: values wait no longer than a batch (writing them would go nowhere); a
    value let go is made again when asked for, so the bytes are the same. `serve` (in
    memory) keeps them all."""
    monkeypatch.setattr(cache_module, "FLUSH_CHARS", 10)
    alone, serve = Cache(None), Cache(None, keep_in_memory=True)
    for cache in (alone, serve):
        cache.put("a", "12345")
        cache.put("b", "123456")  # 11 characters wait: a batch
    assert alone.get("a") is None and alone.pending == {} and alone.pending_chars == 0
    assert serve.get("a") == "12345" and serve.get("b") == "123456"
    site = _site(tmp_path)
    reference = tmp_path / "reference"
    monkeypatch.setattr(cache_module, "FLUSH_CHARS", 1 << 40)  # (everything kept until the end)
    build(default_options(site, reference, use_cache=False))
    monkeypatch.setattr(cache_module, "FLUSH_CHARS", 1000)
    monkeypatch.setattr(forking, "POOL_MIN_MISSES", 10)
    monkeypatch.setattr(forking, "CHUNK", 8)  # (entries and articles made by forked workers)
    largest = _waiting_sizes(monkeypatch)
    out = tmp_path / "out"
    build(default_options(site, out, use_cache=False))
    assert snapshot(out) == snapshot(reference)
    assert largest and max(largest) < 1000


def test_values_read_once_come_one_at_a_time_and_are_not_held(tmp_path: Path) -> None:
    """`each` hands stored values (and those still waiting to be written) out one at a
    time and keeps none: a fresh build decodes a long liveblog's entry groups, ~1 MB
    each at 50,000 entries, and lets each go before the next."""
    path = tmp_path / "cache.sqlite3"
    cache = Cache(path)
    cache.put("a", TEXT)
    cache.put("b", "two")
    cache.flush()
    cache.put("c", TEXT.encode("utf-8"))  # (still waiting)
    values = cache.each(["a", "missing", "b", "c", "a"])
    assert next(values) == ("c", TEXT)  # (what is held comes first, as it is)
    first = next(values)
    assert first in {("a", TEXT), ("b", "two")} and cache.loaded == {}
    assert dict([first, *values]) == {"a": TEXT, "b": "two"}
    assert cache.loaded == {} and sorted(cache.touched) == ["a", "b"]  # (their use is still recorded)
    cache.close()
    serve = Cache(path, keep_in_memory=True)  # `serve` reads them back from its file too, holding none
    assert dict(serve.each(["a", "b"])) == {"a": TEXT, "b": "two"} and serve.memory == serve.loaded == {}
    serve.close()
    again = Cache(path)  # (values fetched in bulk to be kept in a form of the caller's own: not held)
    assert again.get_many(["a", "b"], keep=False) == {"a": TEXT, "b": "two"} and again.loaded == {}
    assert again.get_many(["a"]) == {"a": TEXT} and set(again.loaded) == {"a"}
    again.close()
    unfiled = Cache(None, keep_in_memory=True)  # (a session whose file cannot be opened keeps every value)
    unfiled.put("a", TEXT)
    unfiled.flush()
    assert dict(unfiled.each(["a", "b"])) == {"a": TEXT} and set(unfiled.memory) == {"a"}


def test_a_cache_file_found_damaged_value_by_value_is_set_aside(tmp_path: Path) -> None:
    """A file that opens but fails while its values are read one by one (a disk error
    in the middle of it): what was read stands, the rest counts as not stored (made
    again), and the file is replaced, never an exception."""
    path = tmp_path / "cache.sqlite3"
    cache = Cache(path)
    values = {key: key * 300_000 for key in "abc"}  # (each on pages of its own)
    for key, value in values.items():
        cache.put(key, value)
    cache.flush()
    cache.close()
    with open(path, "r+b") as damaged:
        damaged.seek(path.stat().st_size // 2)
        damaged.write(b"\xff" * 50_000)
    damaged_size = path.stat().st_size
    again = Cache(path)
    assert again.db is not None  # (it opens)
    read = dict(again.each(list(values)))
    assert len(read) < len(values) and all(values[key] == value for key, value in read.items())
    assert path.stat().st_size < damaged_size / 4 and again.db is not None  # (a new, empty file in its place)
    again.close()


def test_a_fresh_build_holds_no_entry_group_after_decoding_it(tmp_path: Path, monkeypatch) -> None:
    """After an edit, a fresh build reads every group of the liveblog's entries through
    `each`: none of them is still held when the build's values are flushed."""
    entries = {f"e{n:02d}.md": entry_md(f"2025-03-01T{n // 4 + 1:02d}:{n % 4 * 15:02d}", f"Entry {n}.")
               for n in range(30)}
    site = make_site(tmp_path / "site", liveblogs={"live": {"liveblog.yaml": DEFAULT_LIVEBLOG, **entries}})
    out = tmp_path / "out"
    build(default_options(site, out))
    (site / "content/live/e07.md").write_text(entry_md("2025-03-01T02:45", "Entry 7, corrected."), "utf-8")
    asked: list[str] = []
    held: list[str] = []
    real_each, real_flush = Cache.each, Cache.flush
    monkeypatch.setattr(Cache, "each", lambda self, keys: asked.extend(keys) or real_each(self, keys))
    monkeypatch.setattr(Cache, "flush", lambda self: held.extend(self.loaded) or real_flush(self))
    build(default_options(site, out))
    assert len(asked) > 10  # (the groups' names, and the folder's file stamps)
    assert set(asked) & set(held) == set()
    reference = tmp_path / "reference"
    build(default_options(site, reference, use_cache=False))
    assert snapshot(out) == snapshot(reference)
