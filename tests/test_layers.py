"""The package layers (docs/architecture.md): a module imports only from its own layer or
the ones below it. Read from the source with ``ast`` (no module is imported), so an
import inside a function counts as much as one at the top.

Lowest first: protocol, config -> agents.llm -> engine -> workspace -> agents -> runtime
-> tui -> benchmark -> cli (every module at the package root but config.py: cli.py,
run_command.py, __main__.py, ...).
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS: list[tuple[str, ...]] = [
    ("protocol", "config"),
    ("agents.llm",),
    ("engine",),
    ("workspace",),
    ("agents",),
    ("runtime",),
    ("tui",),
    ("benchmark",),
    ("cli",),  # and every other module at the root (see layer())
]
# The only imports that reach up, each with why. A CLI module of a lower package that
# starts or looks for an embedded engine: `crewmux probe` and `crewmux init`.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("agents.llm.commands", "engine"): "`crewmux probe` starts the embedded engine for a local model; `crewmux init` lists pulled models",
    ("agents.llm.commands", "runtime"): "`crewmux init` asks runtime.engines.local_engine which pulled model a run would use",
}
NOT_PACKAGE_CODE = {"tests", "bench", "scripts", "docs", "crewmux.egg-info"}


def layer(dotted: str) -> tuple[int, str] | None:
    """The layer of ``crewmux.<dotted>`` and the layer name it matched (longest wins)."""
    parts = dotted.split(".")
    packages = {name.split(".")[0] for names in LAYERS for name in names}
    if len(parts) == 1 and parts[0] not in packages and parts[0] != "__init__":
        return len(LAYERS) - 1, "cli"  # a module at the root is the command line's
    best: tuple[int, str] | None = None
    for index, names in enumerate(LAYERS):
        for name in names:
            if parts[: len(name.split("."))] == name.split(".") and (best is None or len(name) > len(best[1])):
                best = (index, name)
    return best


def package_modules() -> list[tuple[str, Path]]:
    modules = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in NOT_PACKAGE_CODE or rel.parts[0].startswith(".") or "suites" in rel.parts:
            continue  # benchmark/suites holds task data written as a model's project would be
        dotted = ".".join(rel.with_suffix("").parts)
        modules.append((dotted.removesuffix(".__init__"), path))
    return modules


def imported(node: ast.AST) -> list[str]:
    """The crewmux modules an import statement loads, as ``a.b``: ``from crewmux.a import b``
    loads ``a.b`` when that is a module here, else ``a`` (b is one of its names)."""
    if isinstance(node, ast.Import):
        return [a.name.removeprefix("crewmux.") for a in node.names if a.name.startswith("crewmux.")]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and node.module.split(".")[0] == "crewmux":
        base = node.module.removeprefix("crewmux").lstrip(".")
        names = []
        for alias in node.names:
            sub = Path(*base.split("."), alias.name) if base else Path(alias.name)
            is_module = (ROOT / sub).with_suffix(".py").is_file() or (ROOT / sub / "__init__.py").is_file()
            names.append(".".join(sub.parts) if is_module else base)
        return [name for name in names if name]
    return []


@functools.cache
def _imports_of(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, statement, crewmux modules it loads) for every import in one file."""
    tree = ast.parse(path.read_text(), str(path))
    return [(node.lineno, ast.unparse(node), names) for node in ast.walk(tree) if (names := imported(node))]


def upward_imports() -> list[str]:
    found = []
    for dotted, path in package_modules():
        mine = layer(dotted)
        if mine is None:
            continue  # crewmux/__init__.py: the version, importable from anywhere
        for line, statement, names in _imports_of(path):
            layers = [hit for name in names if (hit := layer(name)) is not None]
            if not layers:
                continue
            theirs = max(layers)
            if theirs[0] > mine[0] and (dotted, theirs[1]) not in EXCEPTIONS:
                found.append(f"{path.relative_to(ROOT)}:{line}: {mine[1]} imports {theirs[1]}: {statement}")
    return found


def test_no_package_imports_a_higher_layer() -> None:
    found = upward_imports()
    assert not found, "imports that go up the layers (move the shared fact down, e.g. into protocol/):\n" + "\n".join(found)


def test_every_package_module_has_a_layer() -> None:
    unplaced = [dotted for dotted, _ in package_modules() if dotted != "__init__" and layer(dotted) is None]
    assert not unplaced, f"modules in no layer (add them to LAYERS here and to docs/architecture.md): {unplaced}"


def test_every_exception_is_still_needed() -> None:
    """An exception whose import is gone must go too, so the list only shrinks."""
    saved = dict(EXCEPTIONS)
    try:
        for key in saved:
            EXCEPTIONS.pop(key)
            assert any(line.startswith(key[0].replace(".", "/") + ".py:") for line in upward_imports()), f"unused exception {key}"
            EXCEPTIONS[key] = saved[key]
    finally:
        EXCEPTIONS.clear()
        EXCEPTIONS.update(saved)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from crewmux.runtime.team import TeamRuntime", ["workspace/x.py:1: workspace imports runtime: from crewmux.runtime.team import TeamRuntime"]),
        ("def f():\n    from crewmux.tui import app", ["workspace/x.py:2: workspace imports tui: from crewmux.tui import app"]),
        ("import crewmux.agents.loop", ["workspace/x.py:1: workspace imports agents: import crewmux.agents.loop"]),
        ("from crewmux.agents import llm", []),  # agents.llm is below workspace
        ("from crewmux.protocol.rundir import RunDir", []),
    ],
)
def test_the_checker_sees_an_upward_import_wherever_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, expected: list[str]) -> None:
    (tmp_path / "workspace").mkdir()
    (tmp_path / "workspace" / "x.py").write_text(source + "\n")
    (tmp_path / "agents" / "llm").mkdir(parents=True)
    (tmp_path / "agents" / "llm" / "__init__.py").write_text("")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    assert upward_imports() == expected
