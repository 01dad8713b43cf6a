"""The small error tree every user-facing failure belongs to.

The CLI catches `SitegenError` and prints it once, without a traceback; anything
else escaping is a bug in sitegen, not a user's mistake.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One located message: `PATH:LINE: message` (LINE when known)."""

    path: Path | None
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        where = str(self.path) if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


class SitegenError(Exception):
    """Base of every error caused by the user's sources, config or templates."""

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = Problem(None, None, problems)
        self.problems: tuple[Problem, ...] = (
            (problems,) if isinstance(problems, Problem) else tuple(problems)
        )
        super().__init__("\n".join(str(p) for p in self.problems))


class ConfigError(SitegenError):
    """`sitegen.yaml` (or a command-line override of it) is invalid."""


class ContentError(SitegenError):
    """A liveblog or entry source is invalid."""

    @classmethod
    def at(cls, path: Path | None, line: int | None, message: str) -> "ContentError":
        return cls(Problem(path, line, message))


class TemplateError(SitegenError):
    """A theme or site template is missing or fails to render."""


def raise_all(problems: list[Problem], kind: type[SitegenError]) -> None:
    """Raise every collected problem at once, so a user fixes them in one pass."""
    if problems:
        raise kind(sorted(problems, key=_problem_order))


def _problem_order(p: Problem) -> tuple[str, int]:
    return (str(p.path or ""), p.line or 0)
