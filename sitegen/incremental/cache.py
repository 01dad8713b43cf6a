"""A persistent cache of derived data (rendered Markdown, rendered <article>s).

Keys are content hashes of *everything* that shapes a value, so a hit can never
be stale and a build that uses the cache writes the same bytes as one that does
not. It lives outside the output folder, is safe to delete, survives a corrupt
or foreign file (it starts afresh), and two builds may share it (SQLite, WAL).
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import time
from pathlib import Path
from typing import Iterator

from sitegen import __version__
from sitegen.core.memo import Memo

log = logging.getLogger("sitegen")

SCHEMA = 1
PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # every subpackage: a moved module still counts
KEEP_UNUSED_SECONDS = 30 * 24 * 3600
TOUCH_SECONDS = 24 * 3600


def code_digest(package: Path = PACKAGE_ROOT, only: tuple[str, ...] | None = None) -> str:
    """sitegen's own source: a change to the code that shapes values (even without a
    new version number, as while developing) must never reuse old values. `only`: the
    modules (paths in the package) that alone shape some values, which then outlive
    an upgrade that leaves those modules as they were (see `narrow_key`)."""
    if only:
        digest, paths = hashlib.sha256(f"sitegen/{SCHEMA}".encode()), [package / name for name in only]
    else:  # (every module and catalog, and the version)
        digest = hashlib.sha256(f"sitegen/{__version__}/{SCHEMA}".encode())
        paths = [*package.rglob("*.py"), *package.glob("i18n/catalogs/*.yaml")]
    for path in sorted(paths):
        digest.update(path.relative_to(package).as_posix().encode() + b"\x00" + path.read_bytes())
    return digest.hexdigest()


_BASE = hashlib.sha256(code_digest().encode())
BATCH = 500  # keys per SELECT: below SQLite's limit on bound parameters
FLUSH_CHARS = 4 << 20  # new values held before they are written (see `put`)


def cache_key(*parts: str) -> str:
    """A key naming a value by all of its inputs (and sitegen's code)."""
    return _named(_BASE.copy(), parts)


def narrow_key(code: str, *parts: str) -> str:
    """A key naming a value by its inputs and `code` (the `code_digest` of the modules
    that shape it) instead of all of sitegen's code: for values that are costly to make
    again and that an upgrade elsewhere leaves the same (a photo's processed files take
    seconds each; a newsroom's first publish after an upgrade must not take minutes)."""
    return _named(hashlib.sha256(f"sitegen/{SCHEMA}/{code}".encode()), parts)


def _named(digest: "hashlib._Hash", parts: tuple[str, ...]) -> str:  # (typeshed's name for a hash object)
    """`digest` (of the code) with each part after a NUL: no two lists of parts collide."""
    for part in parts:
        digest.update(b"\x00" + part.encode("utf-8", "surrogatepass"))  # (file names need not be UTF-8)
    return digest.hexdigest()


class Cache:
    """A key-value store with writes buffered (see `put`); memory-only without a path."""

    def __init__(self, path: Path | None, keep_in_memory: bool = False) -> None:
        self.path = path
        self.keep_in_memory = keep_in_memory  # a long-lived session (`serve`): see `keeps_values`
        self.db: sqlite3.Connection | None = None
        self._parents_db: sqlite3.Connection | None = None  # (see `in_forked_child`)
        self.pending: dict[str, str | bytes] = {}  # (bytes: UTF-8 text, see `put`)
        self.pending_chars = 0  # the length of the values in `pending`
        self.touched: list[str] = []
        self.memory: dict[str, str | bytes] = {}  # every value seen, kept across builds (see `keeps_values`)
        self.loaded: dict[str, str] = {}  # values fetched in bulk for the current build
        self.memo = Memo()  # the session's derived values (serve keeps its cache, and so this, between builds)
        self.pid = os.getpid()  # (a forked process never writes through its parent's connection)
        if path is not None:
            self.db = self._open(path)
        # A long-lived session (`serve`) holds every value in memory only when it has no
        # file to read them back from: with one, what a rebuild needs again is read from
        # it as a fresh build reads it (at 50,000 entries the values are ~300 MB of text
        # a rebuild never reads again: each file's parse and body, every <article>).
        self.keeps_values = keep_in_memory and self.db is None

    def in_forked_child(self) -> None:
        """A forked renderer reads what it inherited in memory and writes nothing: the values
        waiting to be written are the parent's to write, and the parent's connection stays
        referenced (`_parents_db`), never used nor closed here (either would disturb it)."""
        if self.db is not None:  # (a pool's worker may be told again: keep the parent's connection)
            self._parents_db, self.db = self.db, None
        self.pending, self.pending_chars = {}, 0

    def take_pending(self) -> dict[str, str | bytes]:
        """The values put since the last call (or `in_forked_child`), no longer waiting
        here: a forked worker hands them to its parent, which writes them."""
        pending, self.pending, self.pending_chars = self.pending, {}, 0
        return pending

    def _open(self, path: Path) -> sqlite3.Connection | None:
        for attempt in (1, 2):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
                db.execute("PRAGMA page_size=65536")  # a new file only: fewer, larger writes
                db.execute("PRAGMA journal_mode=WAL")
                # Derived data: a crash may lose the last build's values, never corrupt
                # the file (WAL), so commits need not wait for the disk.
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
                db.execute("CREATE TABLE IF NOT EXISTS fragments "
                           "(key TEXT PRIMARY KEY, value TEXT NOT NULL, used REAL NOT NULL)")
                row = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
                if row is None:
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA),))
                elif row[0] != str(SCHEMA):
                    raise sqlite3.DatabaseError(f"cache schema {row[0]}, expected {SCHEMA}")
                return db
            except (sqlite3.Error, OSError) as exc:
                log.warning("%s: cache unusable (%s); starting a new one", path, exc)
                self._remove(path)
        return None

    @staticmethod
    def _remove(path: Path) -> None:
        for suffix in ("", "-wal", "-shm"):
            try:
                Path(str(path) + suffix).unlink()
            except OSError:
                pass

    def _held(self, key: str) -> str | None:
        """The value of `key` if this process holds it (kept, fetched, or waiting to be written)."""
        for found in (self.memory, self.loaded, self.pending):
            if key in found:
                return _text(found[key])
        return None

    def get(self, key: str, keep: bool = True) -> str | None:
        """The value of `key` if stored (held to the build's end unless not `keep`: see `get_many`)."""
        held = self._held(key)
        if held is not None:
            return held
        if self.db is None:
            return None
        return self.get_many([key], keep).get(key)

    def get_many(self, keys: list[str], keep: bool = True) -> dict[str, str]:
        """The values of those keys that are stored, fetched with few queries; those
        fetched are held until the build's end (`flush`) unless not `keep` (the caller
        keeps what it needs in a form of its own)."""
        result = {}
        for key in keys:
            held = self._held(key)
            if held is not None:
                result[key] = held
        wanted = [k for k in dict.fromkeys(keys) if k not in result]
        if self.db is None or not wanted:
            return result
        rows: list[tuple[str, object]] = []
        try:
            for batch in _batches(wanted):
                rows += self.db.execute(f"SELECT key, value FROM fragments WHERE key IN ({','.join('?' * len(batch))})",
                                        batch).fetchall()
        except sqlite3.Error as exc:
            self._broken(exc)
            return result
        found = {k: v for k, v in rows if isinstance(v, str)}
        self.touched += found
        if keep:
            (self.memory if self.keeps_values else self.loaded).update(found)
        return result | found

    def holds_any(self, keys: list[str]) -> bool:
        """Whether a value of any of those keys is stored or held, without fetching one."""
        if any(self._held(key) is not None for key in keys):
            return True
        if self.db is None or not keys:
            return False
        try:
            return any(self.db.execute(f"SELECT 1 FROM fragments WHERE key IN ({','.join('?' * len(batch))}) LIMIT 1",
                                       batch).fetchone() for batch in _batches(keys))
        except sqlite3.Error as exc:
            self._broken(exc)
            return False

    def each(self, keys: list[str]) -> Iterator[tuple[str, str]]:
        """(key, value) of those keys that are stored, one at a time and not kept: for
        values a build reads once and decodes (a folder's entry groups, 65 of ~1 MB at
        50,000 entries, most 2 bytes a character as text), which `get_many` would hold
        until the build ends. What this process holds comes first."""
        wanted = []
        for key in dict.fromkeys(keys):
            held = self._held(key)
            if held is None:
                wanted.append(key)
            else:
                yield key, held
        for key in wanted:  # (a query each, fetched whole: no statement stays open while the caller decodes)
            value = self.get(key, keep=False)
            if value is not None:
                yield key, value

    def _broken(self, exc: sqlite3.Error) -> None:
        """A file that fails to read (truncated, corrupted) is replaced by a new one."""
        log.warning("%s: cache unreadable (%s); starting a new one", self.path, exc)
        self.close()
        if self.path is not None:
            self._remove(self.path)
            self.db = self._open(self.path)

    def put(self, key: str, value: str | bytes) -> None:
        """Keep `value` (text, or its UTF-8 bytes) under `key`. New values are written in
        batches as they come (a cold build of a long liveblog makes hundreds of megabytes
        of them, which need not wait in memory for the end of the build): every value is
        named by its content, so one written by a build that fails later is still right.
        Without a file (--no-cache) a batch is let go instead, as writing it would: a miss
        only means making the value again. A session without a file keeps them all in
        memory (`keeps_values`)."""
        self.pending[key] = value
        self.pending_chars += len(value)
        if self.pending_chars >= FLUSH_CHARS and not self.keeps_values and os.getpid() == self.pid:
            self._write_pending()

    def _write_pending(self) -> None:
        pending, self.pending, self.pending_chars = self.pending, {}, 0
        if self.db is None:
            return
        try:
            with self.db:
                self.db.execute("BEGIN")
                self._insert(pending, time.time())
        except sqlite3.Error as exc:
            log.warning("cache write failed (%s); the build is unaffected", exc)

    def _insert(self, values: dict[str, str | bytes], now: float) -> None:
        """Each value bound as its UTF-8 bytes, stored as the same text: bound as a str, a
        non-ASCII one (most rendered HTML: an English time holds U+202F) would keep a UTF-8
        copy of itself for as long as it lives, and pages still use many of them.
        In key order: the keys are hashes, so a batch in the order it was made lands all
        over the key index, which outgrows SQLite's page cache (2 MB) in a long liveblog's
        cache file (8 MB at 50,000 entries) and was read back page by page for each key:
        sorted, each of its pages is visited once a batch (a cold build of 50,000 entries
        spent 1.04 s of CPU writing, now 0.53 s; 10,000: 0.08 s either way)."""
        assert self.db is not None
        self.db.executemany("INSERT OR REPLACE INTO fragments VALUES (?, CAST(? AS TEXT), ?)",
                            ((k, v if type(v) is bytes else v.encode("utf-8"), now) for k, v in sorted(values.items())))

    def flush(self) -> None:
        """Write new values, mark used ones, forget values unused for a month."""
        now = time.time()
        pending, touched = self.pending, self.touched
        if self.keeps_values:
            self.memory.update(pending)
        self.pending, self.pending_chars, self.touched, self.loaded = {}, 0, [], {}
        if self.db is None or not (pending or touched):
            return
        try:
            with self.db:
                self.db.execute("BEGIN")
                self._insert(pending, now)
                if self._touch_due(now):  # once a day is enough to keep used values a month
                    self.db.executemany("UPDATE fragments SET used=? WHERE key=? AND used<?",
                                        [(now, k, now - TOUCH_SECONDS) for k in touched])
                    self.db.execute("INSERT OR REPLACE INTO meta VALUES ('touched', ?)", (str(now),))
                    self.db.execute("DELETE FROM fragments WHERE used<?", (now - KEEP_UNUSED_SECONDS,))
        except sqlite3.Error as exc:
            log.warning("cache write failed (%s); the build is unaffected", exc)

    def _touch_due(self, now: float) -> bool:
        assert self.db is not None
        row = self.db.execute("SELECT value FROM meta WHERE key='touched'").fetchone()
        try:
            return row is None or float(row[0]) < now - TOUCH_SECONDS
        except ValueError:
            return True

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


def _batches(keys: list[str]) -> Iterator[list[str]]:
    """The keys in batches small enough for one query's parameters."""
    for start in range(0, len(keys), BATCH):
        yield keys[start:start + BATCH]


def _text(value: str | bytes) -> str:
    return value.decode("utf-8") if type(value) is bytes else value
