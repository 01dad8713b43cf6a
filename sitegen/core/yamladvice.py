"""Plain advice for YAML syntax errors: what a journalist typed, and what to type instead.

PyYAML (and libyaml, its C parser) speak of tokens, block ends and indicators. The
mistakes behind them are few and common: a colon or a quote inside an unquoted
title, a tab, a list item out of line, a quote never closed. Each is recognised here
from the parser's message, where it points and the line it points at, and told back
with the line, the column and what to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

_KEY_LINE = re.compile(r"^(?P<indent> *)(?P<key>[^\s:#'\"\[\]{}-][^:#]*?):(?: +(?P<value>.*))?$")
_SPECIAL_START = {
    "@": "'@'", "`": "a backtick", "%": "'%'", "*": "'*'", "&": "'&'", "!": "'!'",
    "|": "'|'", ">": "'>'", "?": "'?'", "[": "'['", "{": "'{'", "-": "'- '",
}


@dataclass(frozen=True)
class Advice:
    """Where to point (0-based line and column in the parsed text) and what to say."""

    line: int
    column: int
    message: str


def explain(exc: yaml.MarkedYAMLError, text: str, first_line: int = 1) -> Advice:
    """The user-facing message for a syntax error in `text`, which starts on line
    `first_line` of its file (front matter starts on line 2)."""
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line, mark.column) if mark else (0, 0)
    lines = _Lines(text.split("\n"))
    lines.first = first_line
    here = lines[line] if line < len(lines) else ""
    problem = (exc.problem or "").lower()
    context = (exc.context or "").lower()
    opened = exc.context_mark
    for rule in _RULES:
        found = rule(problem, context, lines, line, column, here, opened)
        if found is not None:
            return found
    return Advice(line, column, f"this is not valid YAML ({exc.problem or exc.context}): check the quotes "
                                "and the indentation, and put in quotes any value that holds ': ' "
                                "or starts with a character such as [ { * & ! | > @ `")


class _Lines(list):  # type: ignore[type-arg]
    """The parsed text's lines, and the file line of the first (for "line N reads ...")."""

    first: int

    def reads(self, at: int) -> str:
        return f"line {self.first + at} reads {self[at].strip()!r}"


def _quote_it(key: str, value: str) -> str:
    """`key: "value"`, with any double quote inside the value escaped."""
    inner = value.strip().replace("\\", "\\\\").replace('"', '\\"')
    return f'{key}: "{inner}"'


def _tab(problem: str, context: str, lines: _Lines, line: int, column: int, here: str,
         opened: yaml.Mark | None) -> Advice | None:
    if "\t" in here[: column + 1] or "tab" in problem:
        at = here.index("\t") if "\t" in here else column
        return Advice(line, at, "a tab character is used to indent this line: use spaces, not tabs "
                                "(YAML does not allow tabs for indenting)")
    return None


def _unclosed(problem: str, context: str, lines: _Lines, line: int, column: int, here: str,
              opened: yaml.Mark | None) -> Advice | None:
    if opened is None:
        return None
    if "quoted scalar" in context and "end of stream" in problem:
        quote = lines[opened.line][opened.column:opened.column + 1] or '"'
        return Advice(opened.line, opened.column, f"the quote {quote} that starts here is never closed: "
                                                  f"add the closing {quote} at the end of the value")
    if "flow sequence" in context or "flow mapping" in context:
        bracket, closing = ("[", "]") if "sequence" in context else ("{", "}")
        return Advice(opened.line, opened.column,
                      f"the {bracket!r} that starts here is never closed: add {closing!r}, or, if the "
                      f"{bracket} is part of the text, put the whole value in quotes")
    return None


def _special_start(problem: str, context: str, lines: _Lines, line: int, column: int, here: str,
                   opened: yaml.Mark | None) -> Advice | None:
    """A value that starts with a character YAML reserves: `@kyiv`, `*Breaking*`, `> quote`."""
    reserved = ("cannot start any token" in problem or "while scanning an alias" in context
                or "while scanning an anchor" in context or "block scalar" in context
                or "sequence entries are not allowed" in problem or "mapping keys are not allowed" in problem)
    if not reserved:
        return None
    at = opened if opened is not None and opened.line == line and "scanning for the next" not in context else None
    col = at.column if at is not None else column
    char = here[col:col + 1]
    match = _KEY_LINE.match(here)
    if match is None or not match.group("value"):
        return None
    fix = _quote_it(match.group("key"), match.group("value"))
    return Advice(line, col, f"a value cannot start with {_SPECIAL_START.get(char, repr(char))} unless it is in "
                             f"quotes: put the {match.group('key')} in quotes, like this: {fix}")


def _colon_in_value(problem: str, context: str, lines: _Lines, line: int, column: int, here: str,
                    opened: yaml.Mark | None) -> Advice | None:
    if "mapping values are not allowed" not in problem:
        return None
    match = _KEY_LINE.match(here)
    if match is not None and match.group("value") and column > len(match.group("indent")) + len(match.group("key")):
        key = match.group("key")
        return Advice(line, column, f"the {key} holds ': ', which YAML reads as a new key: put the {key} "
                                    f"in quotes, like this: {_quote_it(key, match.group('value'))}")
    above = _line_above(lines, line)
    if above is not None and ":" not in lines[above] and not lines[above].lstrip().startswith("-"):
        return Advice(above, len(lines[above]) - len(lines[above].lstrip()),
                      f"this line has no ': ' after its name: write it as `name: value` "
                      f"(it reads {lines[above].strip()!r})")
    return _indentation(line, column, here, lines)


def _after_closing_quote(problem: str, context: str, lines: _Lines, line: int, column: int, here: str,
                         opened: yaml.Mark | None) -> Advice | None:
    """`title: 'It's here'`, `title: "Zelensky" says`, `title: [Live] Kyiv`: text after a
    closed quote or bracket on the same line."""
    expected_key = "expected key" in problem or "expected <block end>" in problem
    if not expected_key or "block mapping" not in context:
        return None
    match = _KEY_LINE.match(here)
    value = (match.group("value") or "") if match else ""
    if not value or column <= len(here) - len(value):
        return None
    key = match.group("key") if match else "value"
    if value[0] == "'":
        return Advice(line, column, f"the {key} starts with a quote ' and has text after the closing one: "
                                    f"write an apostrophe inside single quotes as '' (two of them), or use "
                                    f"double quotes, like this: {_quote_it(key, value[1:-1] if value.endswith(chr(39)) else value[1:])}")
    if value[0] in "[{":
        return Advice(line, column, f"a value that starts with {value[0]} is read as a list or mapping: put the "
                                    f"{key} in quotes, like this: {_quote_it(key, value)}")
    return Advice(line, column, f"the {key} has text after its closing quote: put the whole {key} in quotes, "
                                f"like this: {key}: '{value.replace(chr(39), chr(39) * 2)}'")


def _list_item_out_of_place(problem: str, context: str, lines: _Lines, line: int, column: int, here: str,
                            opened: yaml.Mark | None) -> Advice | None:
    if not here.lstrip().startswith("-") or "block mapping" not in context:
        return None
    above = _line_above(lines, line)
    owner = above if above is not None else line
    return Advice(line, column, "a list item ('- ') where a key was expected: indent the item under its key "
                                f"with spaces ({lines.reads(owner)}), and start every "
                                "item of one list in the same column")


def _misaligned(problem: str, context: str, lines: _Lines, line: int, column: int, here: str,
                opened: yaml.Mark | None) -> Advice | None:
    if not ("block mapping" in context or "block collection" in context or "document start" in problem
            or "expected '-' indicator" in problem):
        return None
    return _indentation(line, column, here, lines)


def _missing_colon(problem: str, context: str, lines: _Lines, line: int, column: int, here: str,
                   opened: yaml.Mark | None) -> Advice | None:
    if "expected ':'" not in problem:
        return None
    at = opened.line if opened is not None else line
    return Advice(at, 0, f"this line has no ': ' after its name: write it as `name: value` "
                         f"(it reads {lines[at].strip()!r})")


def _indentation(line: int, column: int, here: str, lines: _Lines) -> Advice:
    above = _line_above(lines, line)
    reads = f" ({lines.reads(above)})" if above is not None else ""
    return Advice(line, column, "this line's indentation does not line up with the lines above" + reads +
                                ": keys at the same level start in the same column, indented with spaces; "
                                "a list's '- ' items too")


def _line_above(lines: _Lines, line: int) -> int | None:
    """The nearest line above `line` with something on it (not a comment)."""
    for at in range(min(line, len(lines)) - 1, -1, -1):
        if lines[at].strip() and not lines[at].lstrip().startswith("#"):
            return at
    return None


_RULES = (_tab, _unclosed, _special_start, _colon_in_value, _missing_colon, _after_closing_quote,
          _list_item_out_of_place, _misaligned)
