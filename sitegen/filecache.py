"""Parsed source files, by content hash: an unchanged entry file is not parsed again.

Reading YAML front matter and validating it against the schema is most of the
cost of loading a long liveblog. The result of parsing a file (frozen dataclasses)
is kept under a key made of the file's path and text (and, through `cache_key`,
sitegen's code): in memory for `serve`, and as JSON in the persistent cache for
the next `sitegen build`. A file that had problems is never kept, so its
messages come back every time. JSON, never pickle: a cache file must not be
able to run code.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path
from typing import Any, Callable, Iterator

from sitegen.cache import Cache, cache_key
from sitegen.config import read_text
from sitegen.errors import Problem, SitegenError

log = logging.getLogger("sitegen")

Parse = Callable[[Path, str, list[Problem]], list[Any]]


class Unencodable(TypeError):
    """A value this codec does not round-trip exactly; such a file is simply not cached."""


class Codec:
    """JSON for trees of frozen dataclasses, tuples, dicts, paths and plain values."""

    def __init__(self, classes: tuple[type, ...]) -> None:
        self.classes = {cls.__name__: cls for cls in classes}

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
        name = type(value).__name__
        if dataclasses.is_dataclass(value) and self.classes.get(name) is type(value):
            return {"@": name, **{f.name: self.encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
        raise Unencodable(f"cannot keep a {type(value).__name__} in the cache")

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
        if "@" in value:
            cls = self.classes[value.pop("@")]
            return cls(**value)
        return value


class ParsedFiles:
    """Reads source files and parses each through the cache."""

    def __init__(self, cache: Cache, codec: Codec) -> None:
        self.cache = cache
        self.codec = codec
        self.memory = cache.objects  # for `serve`: parsed objects, no JSON round trip

    def parsed(self, paths: list[Path], parse: Parse, problems: list[Problem]) -> Iterator[tuple[Path, list[Any]]]:
        """(path, parse(path, text, problems)) for each readable file, in order."""
        texts: dict[Path, str] = {}
        for path in paths:
            try:
                texts[path] = read_text(path)
            except SitegenError as exc:
                problems += exc.problems
        keys = {path: cache_key("parsed-file", str(path), text) for path, text in texts.items()}
        known = self._lookup(list(keys.values()))
        for path, text in texts.items():
            key = keys[path]
            if key in known:
                yield path, known[key]
                continue
            before = len(problems)
            result = parse(path, text, problems)
            if len(problems) == before:
                self._keep(key, result)
            yield path, result

    def _lookup(self, keys: list[str]) -> dict[str, list[Any]]:
        found = {k: self.memory[k] for k in keys if k in self.memory}
        stored = self.cache.get_many([k for k in keys if k not in found])
        for key, text in stored.items():
            try:
                found[key] = self.codec.loads(text)
            except (ValueError, KeyError, TypeError) as exc:  # written by other code: parse afresh
                log.debug("cache: ignoring a parsed file (%s)", exc)
                continue
            self._remember(key, found[key])
        return found

    def _keep(self, key: str, result: list[Any]) -> None:
        try:
            text = json.dumps(self.codec.encode(result), ensure_ascii=False, separators=(",", ":"))
        except Unencodable as exc:
            log.debug("cache: %s", exc)
            return
        self.cache.put(key, text)
        self._remember(key, result)

    def _remember(self, key: str, result: list[Any]) -> None:
        if self.cache.keep_in_memory:
            self.memory[key] = result
