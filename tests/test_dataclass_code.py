"""The methods `dataclasses` writes for sitegen's classes, compiled once and kept beside
sitegen's compiled modules (sitegen/core/dataclass_code.py): the same code as
`dataclasses` compiles, kept only where Python would keep bytecode, a damaged file
ignored, and a second process compiling nothing."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import marshal
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from sitegen.core import dataclass_code
from sitegen.core.dataclass_code import MethodCode
from sitekit import DEFAULT_LIVEBLOG, entry_md, make_site

PROBE = '''
from dataclasses import dataclass, field

@dataclass(frozen=True)
class Probe:
    """What sitegen's classes use: frozen, defaults, a factory."""
    name: str
    count: int = 2
    tags: tuple[str, ...] = ()
    extra: dict[str, int] = field(default_factory=dict)

@dataclass(frozen=True, slots=True)
class Slotted:
    a: int
    b: "str | None" = None
'''
METHODS = ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__")


def module_from(source: str, name: str) -> types.ModuleType:
    """`source` run as a module named `name` (`dataclasses` reads the class's module's
    globals from `sys.modules`)."""
    module = types.ModuleType(name)
    sys.modules[name] = module
    try:
        exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    finally:
        del sys.modules[name]
    return module


def with_methods(methods: MethodCode) -> MethodCode:
    """`methods` routing `dataclasses`' compiling for the test (restored by the fixture)."""
    dataclasses.exec = methods.exec  # type: ignore[attr-defined]
    return methods


@pytest.fixture(autouse=True)
def own_hook(monkeypatch: pytest.MonkeyPatch):
    """The process's own routing restored after each test; bytecode may be written (the
    suite may run under PYTHONDONTWRITEBYTECODE, which `save` obeys: tested below)."""
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    before = getattr(dataclasses, "exec", None)
    yield
    if before is None:
        vars(dataclasses).pop("exec", None)
    else:
        dataclasses.exec = before  # type: ignore[attr-defined]


def test_a_class_made_from_kept_code_has_the_methods_dataclasses_compiles(tmp_path: Path) -> None:
    vars(dataclasses).pop("exec", None)  # (the builtin: what `dataclasses` does by itself)
    plain = module_from(PROBE, "plain_probe")
    first = with_methods(MethodCode(str(tmp_path / "kept.marshal")))
    compiled = module_from(PROBE, "sitegen.compiled_probe")
    compiled_first = first.compiled
    first.save()
    second = with_methods(MethodCode(str(tmp_path / "kept.marshal")))
    kept = module_from(PROBE, "sitegen.kept_probe")
    assert compiled_first == len(first.used) > 8 and second.compiled == 0 and len(second.used) == len(first.used)
    for made in (compiled, kept):
        for name in ("Probe", "Slotted"):
            for method in METHODS:
                ours, theirs = getattr(getattr(made, name), method), getattr(getattr(plain, name), method)
                assert ours.__code__ == theirs.__code__, (name, method)
                assert ours.__annotations__ == theirs.__annotations__
    probe = kept.Probe("a", tags=("x",))
    assert repr(probe) == "Probe(name='a', count=2, tags=('x',), extra={})"
    assert probe == kept.Probe("a", 2, ("x",)) and probe != kept.Probe("b")
    assert hash(kept.Slotted(1)) == hash(kept.Slotted(1)) and not hasattr(kept.Slotted(1), "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        probe.count = 3  # type: ignore[misc]


def test_only_sitegens_own_classes_go_through_the_kept_code(tmp_path: Path) -> None:
    methods = with_methods(MethodCode(str(tmp_path / "kept.marshal")))
    module_from(PROBE, "someone_elses")
    assert methods.used == {} and methods.compiled == 0
    module_from(PROBE, "sitegen.ours")
    assert methods.compiled > 0


@pytest.mark.parametrize("damage", [b"", b"not a kept file", importlib.util.MAGIC_NUMBER + b"\x00\x01garbage",
                                    importlib.util.MAGIC_NUMBER + marshal.dumps({"text": 3}),
                                    b"\x00\x00\r\n" + marshal.dumps({})])
def test_a_file_that_does_not_read_back_is_compiled_anew_and_replaced(tmp_path: Path, damage: bytes) -> None:
    path = tmp_path / "kept.marshal"
    path.write_bytes(damage)
    methods = with_methods(MethodCode(str(path)))
    module_from(PROBE, "sitegen.after_damage")
    assert methods.known == {} and methods.compiled == len(methods.used) > 0
    methods.save()
    assert dataclass_code.read_kept(str(path)).keys() == methods.used.keys()


def test_nothing_is_written_when_nothing_was_compiled_or_the_folder_cannot_be_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "kept.marshal"
    MethodCode(str(path)).save()
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    methods = with_methods(MethodCode(str(path)))
    module_from(PROBE, "sitegen.not_written")
    methods.save()
    assert methods.compiled > 0 and not path.exists()
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("x")
    methods = with_methods(MethodCode(str(blocked / "kept.marshal")))
    module_from(PROBE, "sitegen.unwritable")
    methods.save()  # (no error: each process compiles, as before)
    assert methods.compiled > 0 and sorted(p.name for p in tmp_path.iterdir()) == ["a file, not a folder"]


def test_past_the_limit_only_what_the_process_used_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "kept.marshal"
    stale = {f"# an upgrade's text {n}\n": compile("pass", "<string>", "exec") for n in range(5)}
    path.write_bytes(importlib.util.MAGIC_NUMBER + marshal.dumps(stale))
    monkeypatch.setattr(dataclass_code, "MOST_KEPT", 6)
    methods = with_methods(MethodCode(str(path)))
    module_from(PROBE, "sitegen.over_limit")
    methods.save()
    assert dataclass_code.read_kept(str(path)).keys() == methods.used.keys()


PROCESS_REPORT = """
import json, sys, dataclasses
import sitegen.cli, sitegen.build.oneoff, sitegen.build.pipeline
methods = dataclasses.exec.__self__
print(json.dumps({"path": methods.path, "known": len(methods.known), "used": len(methods.used),
                  "compiled": methods.compiled}))
"""


def python_with(env: dict[str, str], *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=240, cwd=cwd,
                          env=env, stdin=subprocess.DEVNULL)


def test_a_command_keeps_what_it_compiled_and_the_next_process_compiles_nothing(tmp_path: Path) -> None:
    site = make_site(tmp_path, liveblogs={"war": {"liveblog.yaml": DEFAULT_LIVEBLOG,
                                                          "a.md": entry_md("2026-03-01T10:00:00+02:00")}})
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path / "compiled")  # (this test's own; the checkout's left alone)
    built = python_with(env, "-m", "sitegen", "build", "-s", str(site), "-o", str(tmp_path / "out"))
    assert built.returncode == 0, built.stderr
    after = json.loads(python_with(env, "-c", PROCESS_REPORT).stdout)
    assert after["path"].startswith(str(tmp_path / "compiled")) and Path(after["path"]).is_file()
    assert after["compiled"] == 0 and after["used"] > 50 and after["known"] >= after["used"]
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path / "not kept")
    again = python_with(env, "-m", "sitegen", "build", "-s", str(site), "-o", str(tmp_path / "out"))
    assert again.returncode == 0, again.stderr
    assert not (tmp_path / "not kept").exists()
