"""Parsed source files and the entries made from them, by content hash.

Reading YAML front matter, validating it and building entries is most of the
cost of loading a long liveblog. Keys name the files' paths and texts (and,
through `cache_key`, sitegen's code and `salt`, the Markdown renderer's
fingerprint), so a hit is what parsing would give:

- each file's parse result: in memory for `serve`, as JSON in the persistent
  cache for the next `sitegen build`;
- a whole liveblog's entries when none of its files changed (the usual warm
  build): one cached value instead of thousands;
- in `serve`, each file's finished entries, so one edit rebuilds one entry.

A file that had problems is never kept, so its messages come back every time.
JSON, never pickle: a cache file must not be able to run code.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator
from zoneinfo import ZoneInfo

from sitegen.cache import Cache, cache_key
from sitegen.config import read_text
from sitegen.errors import Problem, SitegenError

log = logging.getLogger("sitegen")

Parse = Callable[[Path, str, list[Problem]], list[Any]]


class Unencodable(TypeError):
    """A value this codec does not round-trip exactly; it is simply not kept."""


class Codec:
    """JSON for trees of frozen dataclasses, tuples, dicts, paths, datetimes and plain values."""

    def __init__(self, classes: tuple[type, ...]) -> None:
        self.classes = {cls.__name__: cls for cls in classes}

    def dumps(self, value: Any) -> str:
        text = json.dumps(self.encode(value), separators=(",", ":"))
        if _verifying() and repr(self.loads(text)) != repr(value):
            raise AssertionError(f"cache codec does not round-trip {value!r:.200}")
        return text

    def encode(self, value: Any) -> Any:
        if value is None or type(value) in (str, int, float, bool):
            return value
        if type(value) is tuple:
            return {"@t": [self.encode(v) for v in value]}
        if type(value) is list:
            return [self.encode(v) for v in value]
        if type(value) is dict and all(type(k) is str and not k.startswith("@") for k in value):
            return {"@d": {k: self.encode(v) for k, v in value.items()}}
        if isinstance(value, Path):
            return {"@p": str(value)}
        if type(value) is datetime:
            return self._datetime(value)
        name = type(value).__name__
        if dataclasses.is_dataclass(value) and self.classes.get(name) is type(value):
            return {"@": name, **{f.name: self.encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
        raise Unencodable(f"cannot keep a {type(value).__name__} in the cache")

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
            cls = self.classes[value.pop("@")]
            return cls(**value)
        return value


def _verifying() -> bool:
    """The test suite checks every value kept against its decoded copy (see output.py)."""
    return os.environ.get("SITEGEN_VERIFY_INPUTS") == "1"


@dataclass(frozen=True)
class SourceText:
    path: Path
    text: str
    key: str  # names the path and its text


class ParsedFiles:
    """Reads source files and keeps what is derived from them (see the module docstring)."""

    def __init__(self, cache: Cache, codec: Codec, salt: str = "") -> None:
        self.cache = cache
        self.codec = codec
        self.salt = salt
        self.memory = cache.objects  # decoded values, kept across builds by `serve`

    def key(self, *parts: str) -> str:
        return cache_key("parsed", self.salt, *parts)

    def read_all(self, paths: list[Path], problems: list[Problem]) -> list[SourceText]:
        texts = []
        for path in paths:
            try:
                text = read_text(path)
            except SitegenError as exc:
                problems += exc.problems
                continue
            texts.append(SourceText(path, text, self.key("file", str(path), text)))
        return texts

    def parsed(self, texts: list[SourceText], parse: Parse, problems: list[Problem]) -> Iterator[tuple[SourceText, list[Any]]]:
        """(file, parse(path, text, problems)) for each file, from the cache when possible."""
        known = self._lookup([t.key for t in texts])
        for source in texts:
            if source.key in known:
                yield source, known[source.key]
                continue
            before = len(problems)
            result = parse(source.path, source.text, problems)
            if len(problems) == before:
                self.keep(source.key, result)
            yield source, result

    def recall_whole(self, name: str, key: str) -> Any | None:
        """The value last kept for `name` (say, a liveblog's folder) if it was kept under
        `key`. Not in `serve`, which keeps each file's part in memory instead."""
        if self.cache.keep_in_memory:
            return None
        stored = self.cache.get(self.key("whole", name))
        if stored is None or not stored.startswith(key + "\n"):
            return None
        try:
            return self.codec.loads(stored[len(key) + 1:])
        except (ValueError, KeyError, TypeError) as exc:
            log.debug("cache: ignoring %s (%s)", name, exc)
            return None

    def keep_whole(self, name: str, key: str, value: Any) -> None:
        """One value per `name`, replaced each time: a long liveblog's entries are large."""
        if self.cache.keep_in_memory:
            return
        try:
            self.cache.put(self.key("whole", name), key + "\n" + self.codec.dumps(value))
        except Unencodable as exc:
            log.debug("cache: %s", exc)

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
        if self.cache.keep_in_memory:
            self.memory[key] = value

    def derived(self, key: str) -> Any | None:
        """A value kept in memory only (by `serve`), or None."""
        return self.memory.get(key)

    def keep_derived(self, key: str, value: Any) -> None:
        self._remember(key, value)
