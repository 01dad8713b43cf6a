"""Declarative validation: a frozen dataclass *is* the schema of a YAML mapping.

Each field's type annotation says what the value must be (str, bool, int,
`X | None`, `tuple[str, ...]`, a nested dataclass, or a raw mapping); an optional
`check` in the field's metadata validates or converts further. Every problem in a
mapping is collected with its line, unknown keys get a did-you-mean, and nothing
falls back silently (the Zola way, not the Pelican way).
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from functools import cache
from pathlib import Path
from typing import Any, Callable, TypeVar

from sitegen.core.errors import Problem
from sitegen.core.text import closest
from sitegen.core.yamlsafe import YamlList, YamlMap

T = TypeVar("T")
Check = Callable[[Any], Any]


class Invalid(ValueError):
    """Raised by a check with a message for the user."""


def spec(default: Any = dataclasses.MISSING, check: Check | None = None, doc: str = "",
         derived: bool = False, shapes_output: bool = True) -> Any:
    """A schema field: `default` (absent = required), an extra `check`, a `doc` line.
    A `derived` field is no key of the file: sitegen fills it in (`dataclasses.replace`).
    A field that does not `shapes_output` stays out of the value's repr, which digests
    of what shapes the pages (the render fingerprint) are made of."""
    meta = {"check": check, "doc": doc, "derived": derived}
    if isinstance(default, (list, dict)):
        raise TypeError("use tuples or None for defaults")  # frozen, shareable defaults
    return dataclasses.field(default=default, metadata=meta, repr=shapes_output)


def describe(value: Any) -> str:
    """How a wrong value is named in messages: its YAML kind and a short repr."""
    kinds = {bool: "a boolean", int: "a number", float: "a number", str: "text",
             type(None): "empty", YamlMap: "a mapping", YamlList: "a list"}
    shown = repr(value) if not isinstance(value, (dict, list)) else ""
    return f"{kinds.get(type(value), type(value).__name__)} {shown}".strip()


def parse(cls: type[T], data: Any, path: Path, problems: list[Problem],
          where: str = "", line: int | None = None, doc: str = "") -> T | None:
    """Validate `data` against dataclass `cls`; append problems, return None on any.
    `doc`: what the mapping is for (its field's doc), said when something else stands there."""
    if data is None:
        data = YamlMap()
        data.line, data.key_lines = line or 1, {}
    if not isinstance(data, YamlMap):
        problems.append(Problem(path, getattr(data, "line", 1 if line is None else line),
                                f"{where or 'the file'} must be a mapping of keys to values, "
                                f"not {describe(data)}{_mapping_hint(data) or (': ' + doc if doc else '')}"))
        return None
    fields = _fields(cls)
    before = len(problems)
    _report_unknown_keys(data, fields, path, problems, where)
    values: dict[str, Any] = {}
    for name, (hint, field) in fields.items():
        key_line = data.line_of(name)
        label = f"{where}.{name}" if where else name
        if name not in data:
            if field.default is dataclasses.MISSING:  # (its doc says what to write)
                what = field.metadata.get("doc")
                problems.append(Problem(path, data.line, f"missing required key {label!r}{': ' + what if what else ''}"))
            continue
        try:
            values[name] = _convert(hint, data[name], field, path, problems, label, key_line,
                                    data.text_of(name))
        except _Reported:
            pass  # the nested mapping's own problems are already in `problems`
        except Invalid as exc:
            problems.append(Problem(path, key_line, f"{label}: {exc}"))
    if len(problems) > before:
        return None
    return cls(**values)


@cache
def _fields(cls: type) -> dict[str, tuple[Any, dataclasses.Field[Any]]]:
    hints = typing.get_type_hints(cls)
    return {f.name: (hints[f.name], f) for f in dataclasses.fields(cls)
            if f.init and not f.metadata.get("derived")}


def _report_unknown_keys(data: YamlMap, fields: dict[str, Any], path: Path,
                         problems: list[Problem], where: str) -> None:
    for key in data:
        if key in fields:
            continue
        close = closest(str(key), fields)
        hint = f"; did you mean {close!r}?" if close else f"; known keys: {', '.join(fields)}"
        label = f"{where}.{key}" if where else str(key)
        problems.append(Problem(path, data.line_of(key), f"unknown key {label!r}{hint}"))


def _mapping_hint(data: Any) -> str:
    """`title:Explosion` (no space after the colon) is one piece of text to YAML."""
    if isinstance(data, str) and re.match(r"^[A-Za-z_]+:\S", data):
        key, _, value = data.partition(":")
        return f": put a space after the colon, like this: {key}: {value.split(chr(10))[0]}"
    return ""


def _convert(hint: Any, value: Any, field: dataclasses.Field[Any], path: Path,
             problems: list[Problem], label: str, line: int, written: str | None = None) -> Any:
    optional, hint = _unwrap_optional(hint)
    if value is None and optional:
        return None
    if dataclasses.is_dataclass(hint):
        nested = parse(hint, value, path, problems, label, line, field.metadata.get("doc") or "")
        if nested is None:
            raise _Reported()
        return nested
    if hint is str and written is not None:
        value = written  # a number where text goes: as it was typed (`9.30`, not 9.3)
    result = _convert_plain(hint, value)
    check = field.metadata.get("check")
    return check(result) if check else result


class _Reported(Invalid):
    """A nested mapping already reported its own problems."""


def _unwrap_optional(hint: Any) -> tuple[bool, Any]:
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return True, args[0]
    return False, hint


def _convert_plain(hint: Any, value: Any) -> Any:
    if hint is str:
        if not isinstance(value, str):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return str(value)  # a title like `2025` is still a title
            raise Invalid(f"expected text, got {describe(value)}{_text_hint(value)}")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise Invalid(f"expected true or false, got {describe(value)}: write true or false")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"expected a whole number, got {describe(value)}")
        return value
    if typing.get_origin(hint) is tuple:
        if isinstance(value, str):
            value = [value]  # `topics: energy` means `topics: [energy]`
        if not isinstance(value, list):
            raise Invalid(f"expected a list, got {describe(value)}")
        return tuple(_convert_plain(typing.get_args(hint)[0], item) for item in value)
    if hint is Any or typing.get_origin(hint) in (dict, typing.Mapping) or hint is dict:
        if not isinstance(value, dict):
            raise Invalid(f"expected a mapping, got {describe(value)}")
        return value
    raise TypeError(f"schema cannot check {hint!r}")  # pragma: no cover - a sitegen bug


def _text_hint(value: Any) -> str:
    """What to do when a list or mapping stands where one piece of text goes."""
    if isinstance(value, list):
        return (": write one value after the colon, on the same line, not a list "
                "(lines starting with '- ')")
    if isinstance(value, dict):
        return (": a value that starts with { or holds ': ' is read as a mapping; "
                "put the whole value in quotes")
    return ""


def choice(*allowed: str) -> Check:
    """A check that accepts one of `allowed` words."""
    def check(value: str) -> str:
        if value not in allowed:
            close = closest(value, allowed)
            hint = f"; did you mean {close!r}?" if close else ""
            raise Invalid(f"must be one of {', '.join(allowed)}, not {value!r}{hint}")
        return value
    return check


def at_least(minimum: int) -> Check:
    def check(value: int) -> int:
        if value < minimum:
            raise Invalid(f"must be at least {minimum}, not {value}")
        return value
    return check
