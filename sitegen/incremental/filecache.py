"""Parsed source files and the entries made from them, by content hash.

Reading YAML front matter, validating it and building entries is most of the
cost of loading a long liveblog. Keys name the files' paths and texts (and,
through `cache_key`, sitegen's code and `salt`, the Markdown renderer's
fingerprint), so a hit is what parsing would give:

- each file's parse result: as JSON in the persistent cache for the next build
  (and, decoded, in memory for a `serve` without a cache file);
- in `serve`, each file's finished entries, so one edit rebuilds one entry (a
  fresh build keeps them in groups of files: entrygroups.py).

A file that had problems is never kept, so its messages come back every time.
JSON, never pickle: a cache file must not be able to run code.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from stat import S_ISLNK
from typing import Any, Callable, Iterator
from zoneinfo import ZoneInfo

from sitegen.core.forking import fork_map, pool_size
from sitegen.incremental.cache import Cache, cache_key
from sitegen.config.site_config import read_text
from sitegen.core.errors import Problem, SitegenError
from sitegen.incremental.filestamps import RACY_NS, FileStamps, Signature, Stamped, signature, stat_signature
from sitegen.incremental.listings import Listings

log = logging.getLogger("sitegen")

Parse = Callable[[Path, str, list[Problem]], list[Any]]


class Unencodable(TypeError):
    """A value this codec does not round-trip exactly; it is simply not kept."""


class Codec:
    """JSON for trees of frozen dataclasses, tuples, dicts, paths, datetimes and plain values."""

    def __init__(self, classes: tuple[type, ...]) -> None:
        self.classes = {cls.__name__: cls for cls in classes}
        self.fields = {cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in classes}
        self.field_sets = {cls: frozenset(names) for cls, names in self.fields.items()}

    def dumps(self, value: Any) -> str:
        text = json.dumps(self.encode(value), separators=(",", ":"))
        if _verifying() and repr(self.loads(text)) != repr(value):
            raise AssertionError(f"cache codec does not round-trip {value!r:.200}")
        return text

    def encode(self, value: Any) -> Any:
        kind = type(value)
        if kind is str or value is None or kind is int or kind is bool or kind is float:
            return value
        names = self.fields.get(kind)
        if names is not None:
            result = {"@": kind.__name__}
            for name in names:
                result[name] = self.encode(getattr(value, name))
            return result
        if kind is tuple:
            return {"@t": [self.encode(v) for v in value]}
        if kind is list:
            return [self.encode(v) for v in value]
        if kind is dict and all(type(k) is str and not k.startswith("@") for k in value):
            return {"@d": {k: self.encode(v) for k, v in value.items()}}
        if isinstance(value, Path):
            return {"@p": str(value)}
        if kind is datetime:
            return self._datetime(value)
        raise Unencodable(f"cannot keep a {kind.__name__} in the cache")

    @staticmethod
    def _datetime(value: datetime) -> dict[str, Any]:
        if isinstance(value.tzinfo, ZoneInfo) and value.tzinfo.key:
            return {"@z": [value.replace(tzinfo=None).isoformat(), value.fold, value.tzinfo.key]}
        if value.fold:
            raise Unencodable("a datetime with fold=1 and a fixed offset")
        return {"@dt": value.isoformat()}

    def loads(self, text: str) -> Any:
        return json.loads(text, object_hook=self._object)

    def _object(self, value: dict[str, Any]) -> Any:
        """Called by the JSON parser for each object, innermost first."""
        if "@t" in value:
            return tuple(value["@t"])
        if "@d" in value:
            return value["@d"]
        if "@p" in value:
            return Path(value["@p"])
        if "@z" in value:
            stamp, fold, key = value["@z"]
            return datetime.fromisoformat(stamp).replace(tzinfo=ZoneInfo(key), fold=fold)
        if "@dt" in value:
            return datetime.fromisoformat(value["@dt"])
        if "@" in value:
            return self._instance(self.classes[value.pop("@")], value)
        return value

    def _instance(self, cls: type, values: dict[str, Any]) -> Any:
        """What `cls(**values)` makes, without its frozen __init__ setting one field at a
        time (a long liveblog's entries are decoded on every warm build). The classes
        kept have no __post_init__; a value missing a field, or with an extra one, is
        refused as the constructor would refuse it."""
        if values.keys() != self.field_sets[cls]:
            raise TypeError(f"{cls.__name__}: fields {sorted(values)} do not match")
        instance = object.__new__(cls)
        if hasattr(instance, "__dict__"):
            instance.__dict__.update(values)
        else:  # (a slotted class: SourceRef)
            for name, value in values.items():
                object.__setattr__(instance, name, value)
        return instance


def _parse_many(items: list[tuple[Path, str]], parse: Parse,
                codec: Codec | None) -> list[tuple[Any, list[Problem], str | None]]:
    """(result, problems, JSON of the result or None: not to be kept, or not `codec`) for each (path, text)."""
    out = []
    for path, text in items:
        problems: list[Problem] = []
        result = parse(path, text, problems)
        encoded = None
        if not problems and codec is not None:
            try:
                encoded = codec.dumps(result)
            except Unencodable as exc:
                log.debug("cache: %s", exc)
        out.append((result, problems, encoded))
    return out



def _plain_signature(path: Path) -> tuple[Signature, bool]:
    """The signature, and whether `path` is a plain file (not a symlink): a change to a
    symlink's target is reported by the watcher under the target's path, not this one."""
    stat = os.lstat(path)
    return (stat_signature(path), False) if S_ISLNK(stat.st_mode) else (signature(stat), True)


def _verifying() -> bool:
    """The test suite checks every value kept against its decoded copy (see output.py)."""
    return os.environ.get("SITEGEN_VERIFY_INPUTS") == "1"


@dataclass(frozen=True, slots=True)  # (no instance dict: `serve` keeps one for every file of a long liveblog)
class SourceText:
    path: Path
    text: str | None  # None: not read, as it is unchanged since the last build (filestamps.py)
    key: str  # names the path and its text


class ParsedFiles:
    """Reads source files and keeps what is derived from them (see the module docstring)."""

    def __init__(self, cache: Cache, codec: Codec, salt: str = "",
                 changed: frozenset[Path] | None = None, stamped: Stamped | None = None) -> None:
        """`changed`: in `serve`, the paths its file watcher saw change since the last
        successful build (None: unknown, so every file is checked); `stamped`: the
        files' signatures as the up-to-date check took them (a fresh build's: `serve`,
        which keeps its own records of what it read, goes by none)."""
        self.cache = cache
        self.stamped = None if cache.keep_in_memory else stamped
        self.codec = codec
        self.salt = salt
        self.memory = cache.memo.partition("parsed files")  # decoded values, kept across builds by `serve`
        self.changed = changed if cache.keep_in_memory else None
        self.listings = Listings(cache.memo.partition("folder listings"), self.changed, cache.keep_in_memory)

    def key(self, *parts: str) -> str:
        return cache_key("parsed", self.salt, *parts)

    def listing(self, folder: Path, list_files: Callable[[], tuple[list[Path], bool]],
                wanted: Callable[[str], bool] | None = None) -> list[Path]:
        """The paths of `list_files()`; `serve` keeps them (see listings.py); a fresh
        build takes them from what the up-to-date check saw (`Stamped.listed`)."""
        if self.stamped is not None and wanted is not None:
            known = self.stamped.listed(folder, wanted)
            if known is not None:
                return known
        return self.listings.listing(folder, list_files, wanted)

    def listed(self, folder: Path, paths: list[Path]) -> frozenset[Path] | None:
        return self.listings.listed(folder, paths)

    def told(self, folder: Path) -> frozenset[Path] | None:
        """The changed paths the watcher reported, if it reports `folder`'s files (`serve`)."""
        return self.changed if folder in self.listings.watched else None

    def read_all(self, paths: list[Path], problems: list[Problem], folder: Path | None = None) -> list[SourceText]:
        """The files' texts; `paths` all in `folder`, when given, which may let the
        watcher's word (`serve`) or the files' stamps (`build`, and `serve`'s first look
        at a file) stand in for reading each file (see `_unchanged`, `_stamped` and
        filestamps.py)."""
        if folder is not None and not self.cache.keep_in_memory:
            return self._read_stamped(paths, problems, self.folder_stamps(folder, self.stamped))
        told = self.changed if folder in self.listings.watched else None
        stamps: FileStamps | None = None
        stamped = 0  # files looked up in `stamps`: all of them on serve's first look at the folder
        texts = []
        for path in paths:
            known = self._unchanged(path, told)
            taken = None
            if known is None and folder is not None and self.changed is None:  # (not told: every file looked at)
                stamps = stamps or self.folder_stamps(folder)
                known, taken = self._stamped(path, stamps)
                stamped += 1
            if known is not None:
                texts.append(known)
                continue
            started = time.time_ns()
            source = self._read(path, problems)
            if source is not None:
                texts.append(source)
                self._remember_read(path, source, started)
                if stamps is not None:
                    stamps.remember(path, taken, source.key)
        if stamps is not None and stamped == len(paths):  # (the records of a few would replace all)
            stamps.save()
        return texts

    def folder_stamps(self, folder: Path, stamped: Stamped | None = None) -> FileStamps:
        """The stamps the last build (or preview) stored for `folder`'s files."""
        return FileStamps(self.cache, self.key("stamps", str(folder)), stamped)

    def _read_stamped(self, paths: list[Path], problems: list[Problem], stamps: FileStamps) -> list[SourceText]:
        """Each file's key, from its stamps or read. When many files must be read (a cold
        build of a long liveblog), forked workers read them and send back only their keys:
        the reading runs on every core and no process holds every text at once; what must
        be parsed is then read again where it is parsed (the page cache's copy; entries.py
        has forked workers do most of it), and a text changed meanwhile shows as a key not
        the one asked for."""
        texts: list[SourceText | None] = []
        unread: list[tuple[int, Path, Signature | None]] = []
        for path in paths:
            key, taken = stamps.known(path)
            texts.append(None if key is None else SourceText(path, None, key))
            if key is None:
                unread.append((len(texts) - 1, path, taken))
        workers = pool_size(len(unread))
        keys = None if workers < 2 else fork_map(lambda start, stop: [self._key_of(path) for _, path, _ in unread[start:stop]],
                                                 len(unread), workers)
        for n, (at, path, taken) in enumerate(unread):
            if keys is None:
                source = self._read(path, problems)  # (its text kept: it is parsed in this process)
            else:
                key, found = keys[n]
                problems += found
                source = None if key is None else SourceText(path, None, key)
            if source is not None:
                texts[at] = source
                stamps.remember(path, taken, source.key)
        stamps.save()
        return [text for text in texts if text is not None]

    def _key_of(self, path: Path) -> tuple[str | None, list[Problem]]:
        """In a forked worker: the key of the file's text (None, and why, when it cannot be read)."""
        problems: list[Problem] = []
        source = self._read(path, problems)
        return (None if source is None else source.key), problems

    def _read(self, path: Path, problems: list[Problem]) -> SourceText | None:
        try:
            text = read_text(path)
        except SitegenError as exc:
            problems += exc.problems
            return None
        return SourceText(path, text, self.key("file", str(path), text))

    def _unchanged(self, path: Path, told: frozenset[Path] | None) -> SourceText | None:
        """In `serve`, a file is not read again while nothing says it changed: the watcher
        did not report it, or (without the watcher's word) its inode, size, mtime and
        ctime are as when it was read. Git's rule against "racy" files applies to the
        latter: a file changed in the two seconds before it was read is read again (the
        same timestamp could hide a second write), and ctime cannot be set back."""
        if not self.cache.keep_in_memory:
            return None
        known = self.memory.get(f"read:{path}")
        if known is None:
            return None
        signature, plain, source = known  # type: ignore[misc]
        if told is not None and plain:
            return None if path in told else source
        try:
            return source if signature is not None and stat_signature(path) == signature else None
        except OSError:
            return None

    def _stamped(self, path: Path, stamps: FileStamps) -> tuple[SourceText | None, Signature | None]:
        """In `serve`, a file it has not seen yet: its key from the stamps the last build
        (or preview) of the folder left, without reading it, as a fresh build takes it
        (filestamps.py), and kept as if read; else None (it is read). With its signature
        as taken now, for the stamps (None when it is not a plain file)."""
        try:
            signature, plain = _plain_signature(path)
        except OSError:
            return None, None
        key = stamps.key_if_same(str(path), signature) if plain else None
        if key is None:
            return None, signature if plain else None
        source = SourceText(path, None, key)
        self.memory[f"read:{path}"] = (signature, plain, source)  # (as `_remember_read`: the stamps are never racy)
        return source, signature

    def _remember_read(self, path: Path, source: SourceText, started_ns: int) -> None:
        if not self.cache.keep_in_memory:
            return
        try:
            signature, plain = _plain_signature(path)
        except OSError:
            return
        racy = signature[3] >= started_ns - RACY_NS
        unread = dataclasses.replace(source, text=None)  # (its parse is found by key; a text is read again if needed)
        self.memory[f"read:{path}"] = (None if racy else signature, plain, unread)

    def parsed(self, texts: list[SourceText], parse: Parse, problems: list[Problem],
               keep: bool = True) -> Iterator[tuple[SourceText, list[Any]]]:
        """(file, parse(path, text, problems)) for each file, from the cache when possible;
        new parses are kept in it unless not `keep` (a file whose finished entries its
        group's value keeps: entrygroups.py)."""
        known = self._lookup([t.key for t in texts])
        if any(t.text is None and t.key not in known for t in texts):  # not read, and needed now
            texts = [t if t.text is not None or t.key in known else self._read(t.path, problems) for t in texts]
            texts = [t for t in texts if t is not None]
        misses = [t for t in texts if t.key not in known]
        for source, (result, found, encoded) in zip(misses, self._parse_all(misses, parse, keep)):
            problems += found
            if not found:
                self._keep_encoded(source.key, result, encoded)
            known[source.key] = result
        return ((source, known[source.key]) for source in texts)

    def _parse_all(self, misses: list[SourceText], parse: Parse,
                   keep: bool) -> list[tuple[Any, list[Problem], str | None]]:
        """Parse (and encode, to `keep`) the files, in a pool of forked processes when there are many."""
        items = [(s.path, s.text) for s in misses]  # every miss has been read (see `parsed`)
        codec = self.codec if keep else None
        return fork_map(lambda start, stop: _parse_many(items[start:stop], parse, codec), len(items),
                        pool_size(len(items)))

    def _keep_encoded(self, key: str, value: Any, encoded: str | None) -> None:
        if encoded is not None:
            self.cache.put(key, encoded)
            self._remember(key, value)

    def _lookup(self, keys: list[str]) -> dict[str, Any]:
        found = {k: self.memory[k] for k in keys if k in self.memory}
        stored = self.cache.get_many([k for k in keys if k not in found])
        for key, text in stored.items():
            try:
                found[key] = self.codec.loads(text)
            except (ValueError, KeyError, TypeError) as exc:  # written by other code: derive afresh
                log.debug("cache: ignoring %s (%s)", key, exc)
                continue
            self._remember(key, found[key])
        return found

    def keep(self, key: str, value: Any) -> None:
        """Keep `value` for later builds (persistent cache, and memory in `serve`)."""
        try:
            text = self.codec.dumps(value)
        except Unencodable as exc:
            log.debug("cache: %s", exc)
            return
        self.cache.put(key, text)
        self._remember(key, value)

    def _remember(self, key: str, value: Any) -> None:
        """Keep a decoded parse for the session's next build, when it keeps every value
        (`Cache.keeps_values`): otherwise one is decoded again from the cache when needed
        (the full path), as `serve`'s merges need only the changed files'."""
        if self.cache.keeps_values:
            self.memory[key] = value

    def derived(self, key: object) -> Any | None:
        """A value kept in memory only (by `serve`), or None."""
        return self.memory.get(key)

    def keep_derived(self, key: object, value: Any) -> None:
        if self.cache.keep_in_memory:
            self.memory[key] = value  # type: ignore[index]
