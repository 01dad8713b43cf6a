"""Strict, safe YAML: the C parser where available, a small YAML-1.2-like schema.

Why not `yaml.safe_load`: YAML 1.1 turns `NO` into False and `10:30` into 630,
silently keeps the last of two duplicate keys, expands aliases (the "billion laughs"
attack) and forgets line numbers. Here only `true`/`false` are booleans, only plain
decimal numbers are numbers, timestamps stay strings for the schema to check,
duplicate keys, aliases, merge keys and custom tags are errors, and every mapping
remembers the line of each key so that later validation can say `PATH:LINE`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sitegen.core.errors import ContentError, SitegenError
from sitegen.core.yamladvice import explain

try:  # the C parser is ~10x faster; the schema below is ours either way
    from yaml._yaml import CParser as _Parser  # not re-exported by `yaml` itself
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):  # type: ignore[no-redef]
        """The pure-Python equivalent of CParser: text in, composed nodes out."""

        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)


MAX_DEPTH = 20
_TAG = "tag:yaml.org,2002:"


class _StrictResolver(yaml.resolver.BaseResolver):
    """Implicit types of YAML 1.2's core schema, minus octal/hex and timestamps."""


for _tag, _regexp, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789"),
    ("float", r"^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?$", "-+.0123456789"),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
):
    _StrictResolver.add_implicit_resolver(_TAG + _tag, re.compile(_regexp), list(_first))


class _Loader(_Parser, _StrictResolver):  # type: ignore[misc, valid-type]
    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)
        _StrictResolver.__init__(self)


class YamlMap(dict):  # type: ignore[type-arg]
    """A mapping that knows the source line of itself and of each key, and the text
    as written of each value that YAML read as a number (`time: 9.30` is '9.30', not 9.3)."""

    line: int
    key_lines: dict[str, int]
    written: dict[str, str]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)

    def text_of(self, key: str) -> str | None:
        """How a number was written, for fields that take text and for messages."""
        return getattr(self, "written", {}).get(key)


class YamlList(list):  # type: ignore[type-arg]
    """A sequence that knows the source line of itself and of each item."""

    line: int
    item_lines: list[int]


def load(text: str, path: Path, first_line: int = 1) -> Any:
    """Parse one YAML document; `first_line` is where it starts in `path`."""
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        advice = explain(exc, text, first_line)
        raise ContentError.at(path, first_line + advice.line,
                              f"invalid YAML (column {advice.column + 1}): {advice.message}") from None
    except yaml.reader.ReaderError as exc:  # a character YAML forbids: locate it, name it
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        line = first_line + text.count("\n", 0, exc.position)
        raise ContentError.at(path, line, f"invalid YAML: character U+{ord(char):04X} is not allowed "
                                          "(a control character; delete it)") from None
    except yaml.YAMLError as exc:
        raise ContentError.at(path, None, f"invalid YAML: {exc}") from None
    if node is None:
        return None
    return _Builder(path, first_line).build(node, 0)


def _tag_message(tag: str) -> str:
    return (f"YAML tag {tag!r} is not allowed (a value that starts with '!' is read as one): "
            "put the value in quotes")


class _Builder:
    """Turns composed nodes into Python values, enforcing the strict rules."""

    def __init__(self, path: Path, first_line: int) -> None:
        self.path = path
        self.offset = first_line
        self.seen: set[int] = set()

    def error(self, node: Node, message: str) -> SitegenError:
        return ContentError.at(self.path, self.line(node), message)

    def line(self, node: Node) -> int:
        return self.offset + node.start_mark.line

    def build(self, node: Node, depth: int) -> Any:
        if id(node) in self.seen:
            raise self.error(node, "YAML anchors and aliases (&name, *name) are not allowed")
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            raise self.error(node, f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if isinstance(node, SequenceNode):
            return self.sequence(node, depth)
        if isinstance(node, MappingNode):
            return self.mapping(node, depth)
        raise self.error(node, "unsupported YAML node")  # pragma: no cover

    def scalar(self, node: ScalarNode) -> Any:
        kind = node.tag[len(_TAG):] if node.tag.startswith(_TAG) else node.tag
        value = node.value
        try:
            if kind == "str":
                return value
            if kind == "bool":
                return value.lower() == "true"
            if kind == "int":
                return int(value)
            if kind == "float":
                return float(value)
            if kind == "null":
                return None
        except ValueError:
            raise self.error(node, f"{value!r} is not a valid {kind}") from None
        raise self.error(node, _tag_message(node.tag))

    def sequence(self, node: SequenceNode, depth: int) -> YamlList:
        if node.tag != _TAG + "seq":
            raise self.error(node, _tag_message(node.tag))
        result = YamlList(self.build(item, depth + 1) for item in node.value)
        result.line = self.line(node)
        result.item_lines = [self.line(item) for item in node.value]
        return result

    def mapping(self, node: MappingNode, depth: int) -> YamlMap:
        if node.tag != _TAG + "map":
            raise self.error(node, _tag_message(node.tag))
        result = YamlMap()
        result.line = self.line(node)
        result.key_lines = {}
        result.written = {}
        meanings: dict[Any, str] = {}  # what YAML would read each non-text key as -> the key
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == _TAG + "merge":
                raise self.error(key_node, "a key must be a plain name, not a list or mapping: "
                                           "write `name: value`")
            key = key_node.value  # the key as written: `1`, `1.0` and `true` stay apart
            if key == "<<":
                raise self.error(key_node, "YAML merge keys (<<) are not allowed")
            if key in result:
                first = result.key_lines[key]
                raise self.error(key_node, f"duplicate key {key!r} (first defined on line {first}): "
                                           "write each key once")
            self._check_meaning(key_node, meanings, result.key_lines)
            result.key_lines[key] = self.line(key_node)
            value = self.build(value_node, depth + 1)
            if isinstance(value_node, ScalarNode) and not isinstance(value, str) and value is not None:
                result.written[key] = value_node.value
            result[key] = value
        return result

    def _check_meaning(self, key_node: ScalarNode, meanings: dict[Any, str], lines: dict[str, int]) -> None:
        """Keys are read as written, but other YAML tools read `1`, `1.0` and `true` (or
        `null` and `~`) as one key and keep only the last value: refuse such pairs, so
        the file means the same everywhere."""
        if key_node.tag == _TAG + "str":
            return  # text (quoted, or plain words): the duplicate check covers it
        meaning = self.scalar(key_node)  # (True == 1 == 1.0 as dict keys, as in those tools)
        if meaning in meanings:
            first = meanings[meaning]
            raise self.error(key_node, f"key {key_node.value!r} means the same as {first!r} on line "
                                       f"{lines[first]} to YAML: write the key once, or put both "
                                       "keys in quotes if they are different names")
        meanings[meaning] = key_node.value
