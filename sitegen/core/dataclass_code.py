"""The methods `dataclasses` writes for sitegen's classes, compiled once and kept beside
sitegen's own compiled modules, as Python keeps those.

For every dataclass, `dataclasses` writes out the source of its methods (`__init__`,
`__repr__`, `__eq__`, `__hash__`, and a frozen class's `__setattr__` and `__delattr__`)
and compiles each with `exec` at import time; Python's `__pycache__` keeps the modules'
bytecode, never that. On Python 3.11 it took about 0.6 ms a frozen class: 50 ms of the
140 ms a fresh `sitegen build` spent importing its 85 classes, paid again by every
command, the no-op build and the cron job's publish after one edit among them.

So the first process compiles them as `dataclasses` would (the same text, the same
flags: the same code objects, a test compares them) and keeps them in
`__pycache__/dataclass-methods.<python>.marshal` beside sitegen's `.pyc` files (where
`importlib.util.cache_from_source` puts those: `PYTHONPYCACHEPREFIX` is obeyed), by
their source text; later processes `exec` the kept code instead of compiling it again.
The file is trusted as the `.pyc` files beside it are (whoever may write it may write
those), is written only where Python itself would write bytecode (not under
`PYTHONDONTWRITEBYTECODE`, nor where the package's folder is read-only: then each
process compiles, as before), and is replaced whole. A file that does not read back
(damaged, another Python's) is ignored and written anew. Only sitegen's own modules'
classes go through it; for every other call `dataclasses.exec` is the builtin.
"""

from __future__ import annotations

import builtins
import dataclasses
import importlib.util
import marshal
import os
import sys
from types import CodeType
from typing import Any

FILE_NAME = "dataclass-methods"
MOST_KEPT = 4000  # texts: past this (many upgrades' worth), only what this process used is kept
_OWN_PREFIX = "sitegen."


class MethodCode:
    """The kept code, by source text, for one process: what it read, what it compiled."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.known: dict[str, CodeType] = read_kept(path) if path else {}
        self.used: dict[str, CodeType] = {}

    @property
    def compiled(self) -> int:
        """How many texts this process compiled (not found kept)."""
        return len(self.used.keys() - self.known.keys())

    def exec(self, source: Any, globals: dict[str, Any] | None = None, locals: Any = None) -> None:
        """`dataclasses`' call of `exec(text, module globals, namespace)`: for a class of
        sitegen's, the kept code of `text` (compiled now if not kept yet)."""
        if type(source) is str and globals is not None and str(globals.get("__name__", "")).startswith(_OWN_PREFIX):
            source = self._code(source)
        builtins.exec(source, globals, locals)

    def _code(self, source: str) -> CodeType:
        code = self.known.get(source)
        if code is None:
            # `dont_inherit`: compiled under the flags of `dataclasses` (no `__future__`
            # import), as its own `exec` of the text is, not under this module's.
            code = compile(source, "<string>", "exec", dont_inherit=True)
        self.used[source] = code
        return code

    def save(self) -> None:
        """Keep what this process compiled, beside what was kept (or, past `MOST_KEPT`,
        only what it used). Nothing to do when it compiled nothing; a folder that cannot
        be written is left as it is, as Python leaves `__pycache__`."""
        if not self.compiled or self.path is None or sys.dont_write_bytecode:
            return
        kept = {**self.known, **self.used}
        if len(kept) > MOST_KEPT:
            kept = dict(self.used)
        temporary = f"{self.path}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            with open(temporary, "wb") as out:
                out.write(importlib.util.MAGIC_NUMBER + marshal.dumps(kept))
            os.replace(temporary, self.path)
        except OSError:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            return
        self.known = kept


def read_kept(path: str) -> dict[str, CodeType]:
    """The kept code at `path`; empty when there is none or it does not read back whole
    as this Python's (its magic number first, as in a `.pyc`)."""
    try:
        with open(path, "rb") as kept_file:
            data = kept_file.read()
    except OSError:
        return {}
    magic = importlib.util.MAGIC_NUMBER
    if not data.startswith(magic):
        return {}
    try:
        kept = marshal.loads(memoryview(data)[len(magic):])
    except (ValueError, EOFError, TypeError):
        return {}
    if type(kept) is not dict or not all(type(k) is str and type(v) is CodeType for k, v in kept.items()):
        return {}
    return kept


def kept_path() -> str | None:
    """Where Python keeps the compiled form of sitegen's `__init__.py`, with this file's
    name instead; None when this Python keeps no compiled modules."""
    tag = sys.implementation.cache_tag
    if tag is None:
        return None
    package_init = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "__init__.py")
    try:
        compiled_init = importlib.util.cache_from_source(os.path.normpath(package_init))
    except (NotImplementedError, ValueError):
        return None
    return os.path.join(os.path.dirname(compiled_init), f"{FILE_NAME}.{tag}.marshal")


def install() -> MethodCode:
    """Route `dataclasses`' compiling through the kept code, once per process (sitegen's
    package does so before any of its modules defines a class)."""
    methods = installed()
    if methods is not None:
        return methods
    methods = MethodCode(kept_path())
    dataclasses.exec = methods.exec  # type: ignore[attr-defined]  # (a module global shadows the builtin)
    return methods


def save() -> None:
    """Keep what this process compiled (the command line's last step)."""
    methods = installed()
    if methods is not None:
        methods.save()


def installed() -> MethodCode | None:
    """The kept code `dataclasses` compiles through in this process, if `install` ran."""
    owner = getattr(getattr(dataclasses, "exec", None), "__self__", None)
    return owner if isinstance(owner, MethodCode) else None
