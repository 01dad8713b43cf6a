"""Finding and splitting source files: which files count, and front matter vs body.

Editors leave lock, swap and backup files beside the entries they edit, and a
symlink can lead anywhere: those are skipped with a warning, never read.
"""

from __future__ import annotations

import errno
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from sitegen.core import yamlsafe
from sitegen.config.site_config import read_text
from sitegen.core.errors import ContentError, Problem, raise_all

log = logging.getLogger("sitegen")

# Locks (`.#x`, `#x#`), swap/backup/partial files; hidden files are skipped silently.
_LITTER_EXTENSIONS = ("swp", "swo", "swx", "tmp", "bak", "orig", "part", "crdownload")
_EDITOR_LITTER = re.compile(rf"(^\.?#|~$|\.({'|'.join(_LITTER_EXTENSIONS)})$|^4913$)")
# What every name the pattern finds begins or ends with (`$` also matches before a final
# newline): a name with none of these is not litter, without a regex search (the
# up-to-date check asks of every source file's name).
_LITTER_STARTS = ("#", ".#", "4")
_LITTER_ENDINGS = ("~", "\n", *(f".{extension}" for extension in _LITTER_EXTENSIONS))
_FRONT_MATTER_FENCE = re.compile(r"^---[ \t]*$", re.MULTILINE)


# Hidden names a static host needs (RFC 8615: security.txt, app links, ACME).
_PUBLISHED_HIDDEN = frozenset({".well-known"})


def is_editor_litter(name: str) -> bool:
    """Lock, swap, backup and hidden files that editors write next to real ones."""
    hidden = name.startswith(".") and name not in _PUBLISHED_HIDDEN
    return hidden or is_litter(name)


def is_litter(name: str) -> bool:
    """An editor's lock, swap or backup file: skipped with a warning."""
    if not name.startswith(_LITTER_STARTS) and not name.endswith(_LITTER_ENDINGS):
        return False
    return bool(_EDITOR_LITTER.search(name))


def is_inside(path: Path, root: Path) -> bool:
    """True when `path`, with every symlink resolved, stays inside `root` (a symlink loop,
    which resolves nowhere, does not: see `link_loop`)."""
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a loop (before Python 3.13)
        return False
    return True


def readable_name(name: str) -> str:
    """A file name as a person can read it: bytes that are not UTF-8 as `\\xff`."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def link_loop(path: Path, ancestors: frozenset[Path] = frozenset()) -> bool:
    """A symlink that leads back to itself, or to a folder it is inside (`ln -s . loop`)."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        return isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP
    home = path.parent.resolve()
    return target in ancestors or target == home or target in home.parents


def listed_files(folder: Path, root: Path, strict: bool = True) -> list[Path]:
    """The real files of one folder, sorted, minus litter and escaping symlinks."""
    return scan_folder(folder, root, strict)[0]


def child_path_maker(folder: Path) -> Callable[[str], Path]:
    """What makes `folder / name` for many names: the maker `iterdir()` uses (fast), where
    this Python's pathlib has it, else `joinpath` (the same paths either way)."""
    return getattr(folder, "_make_child_relpath", folder.joinpath)


def scan_folder(folder: Path, root: Path, strict: bool = True) -> tuple[list[Path], bool]:
    """`listed_files`, and whether any of them is a symlink (scandir knows without a stat).

    A name that is not UTF-8 and a symlink loop cannot be published: in `content/`
    (`strict`) they are errors, collected for the whole folder; in `static/` they are
    skipped with a warning each."""
    files = []
    symlinks = False
    problems: list[Problem] = []
    with os.scandir(folder) as found:
        items = sorted(found, key=lambda item: item.name)  # the order of sorted(iterdir())
    child = child_path_maker(folder)
    for item in items:
        if not item.name.isascii() and not is_utf8_name(item.name):
            problems.append(Problem(folder / readable_name(item.name), None,
                                    "the file name is not valid UTF-8 text (shown with \\x codes for the "
                                    "bytes that are not): rename it, e.g. with letters, digits and '-'"))
            continue
        path = child(item.name)
        if is_editor_litter(item.name):
            if is_litter(item.name):
                log.warning("%s: skipped (looks like an editor's temporary file)", path)
            continue
        if item.is_symlink():
            if link_loop(path):
                problems.append(Problem(path, None, "a symlink loop (the link leads back to itself or to a "
                                                    "folder it is in): remove the link"))
                continue
            if not is_inside(path, root):
                log.warning("%s: skipped (symlink leads outside the site folder)", path)
                continue
            symlinks = True
        files.append(path)
    if strict:
        raise_all(problems, ContentError)
    for problem in problems:
        log.warning("%s (skipped)", problem)
    return files, symlinks


def is_utf8_name(name: str) -> bool:
    """False for a name holding bytes that were not UTF-8 (Python keeps them as surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def walk_files(folder: Path, root: Path, ancestors: frozenset[Path] = frozenset()) -> list[Path]:
    """Every usable file below `folder`, recursively, in a stable order; for `static/`,
    so problems are warnings and the file or folder is skipped (see `scan_folder`).
    `ancestors` (the real folders being walked) catches a loop through a symlinked
    folder deeper down; each is reported once, where it is met."""
    found: list[Path] = []
    ancestors = ancestors | {folder.resolve()}
    for path in listed_files(folder, root, strict=False):
        if path.is_dir():
            if path.is_symlink() and path.resolve() in ancestors:
                log.warning("%s: skipped (a symlink loop: it leads back to a folder it is in)", path)
                continue
            found += walk_files(path, root, ancestors)
        elif path.is_file():
            found.append(path)
    return found


@dataclass(frozen=True)
class MarkdownSource:
    front_matter: Any
    body: str
    body_line: int


def split_markdown(path: Path, text: str | None = None) -> MarkdownSource:
    """Split `---` front matter from the body; the front matter starts on line 2."""
    text = read_text(path) if text is None else text
    if not text.startswith("---"):
        first = text.split("\n", 1)[0].strip()
        hint = ("delete what comes before it" if "---" in text.split("\n", 3)[1:3] or first.endswith("---")
                else "add a line '---' above the fields, and another below them")
        raise ContentError.at(path, 1, "the first line of an entry must be '---' (the front matter, "
                                       f"time: and the other fields, stands between two '---' lines): {hint}")
    fences = list(_FRONT_MATTER_FENCE.finditer(text, 0))
    if len(fences) < 2 or fences[0].start() != 0:
        raise ContentError.at(path, 1, "front matter is not closed: add a line '---' after it")
    closing = fences[1]
    yaml_text = text[fences[0].end() + 1: closing.start()]
    rest = text[closing.end():]
    body = rest.lstrip("\n")
    body_line = text.count("\n", 0, closing.end()) + 1 + max(1, len(rest) - len(body))  # its first line
    data = yamlsafe.load(yaml_text, path, first_line=2)
    return MarkdownSource(data, body.rstrip() + "\n", body_line)


def load_yaml_file(path: Path, text: str | None = None) -> Any:
    return yamlsafe.load(read_text(path) if text is None else text, path)
