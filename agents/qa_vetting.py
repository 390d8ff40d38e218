"""Whose fault is a failing QA test? Pure checks of QA's own Python tests.

Before they run: a test may call only what the contract names (or, with no contract, what
the task's files define), with as many arguments as it takes; two tests expecting
different results from the same call contradict each other. After they run: a test that
errors inside itself (NameError, an import of something the contract does not promise,
a missing fixture) is the test's fault; a test the previous attempt's code failed the same
way for the same reason is stuck. Such tests are dropped with a note, never held against
the coder.
"""

from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from crewmux.agents.contract import Callable_

TEST_FAULTS = ("NameError", "ImportError", "ModuleNotFoundError", "SyntaxError", "IndentationError", "UnboundLocalError")


@dataclass
class Vetted:
    source: str | None  # the tests that may run; None when none is left
    dropped: list[str] = field(default_factory=list)  # "test_x: why", one per test dropped


def defined_callables(path: str, source: str) -> dict[str, Callable_]:
    """Top-level functions and classes of one Python file, with their positional arity."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    module = path
    found: dict[str, Callable_] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            found[node.name] = Callable_(node.name, -1 if args.vararg else len(args.posonlyargs) + len(args.args), module)
        elif isinstance(node, ast.ClassDef):
            init = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
            count = -1 if init is None or init.args.vararg else len(init.args.args) - 1
            found[node.name] = Callable_(node.name, count, module)
    return found


def module_names(files: list[str]) -> set[str]:
    """The import names of the project's Python files (``pkg/core.py`` -> pkg.core, core)."""
    names: set[str] = set()
    for path in files:
        pure = PurePosixPath(path)
        if pure.suffix != ".py":
            continue
        parts = list(pure.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        for i in range(len(parts)):
            names.add(".".join(parts[i:]))
    return names


def vet_python_tests(source: str, allowed: dict[str, Callable_], project_modules: set[str]) -> Vetted:
    """Drop the tests that call outside ``allowed`` or contradict each other."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return Vetted(None, [f"the whole test file: it does not parse ({exc.msg} at line {exc.lineno})"])
    imported: dict[str, str] = {}  # local name -> the project name it stands for ("" for a module)
    modules: set[str] = set()
    dropped: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and _is_project(node.module, project_modules):
            kept = []
            for alias in node.names:
                if alias.name in allowed or alias.name == "*":
                    kept.append(alias)
                    imported[alias.asname or alias.name] = alias.name
                else:
                    imported[alias.asname or alias.name] = "!" + alias.name
            node.names = kept or [ast.alias(name="__name__", asname="_unused_module_name")]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _is_project(alias.name, project_modules):
                    modules.add(alias.asname or alias.name.split(".")[0])
    tests = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name.startswith("test")]
    bad: dict[str, str] = {}
    for test in tests:
        why = _outside_contract(test, imported, modules, allowed)
        if why:
            bad[test.name] = why
    for test in tests:
        if test.name not in bad:
            why = _expects_a_value_from_nothing(test, imported, allowed)
            if why:
                bad[test.name] = why
    for names, why in _contradictions([t for t in tests if t.name not in bad]):
        for name in names:
            bad.setdefault(name, why)
    dropped += [f"{name}: {why}" for name, why in bad.items()]
    tree.body = [n for n in tree.body if not (isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name in bad)]
    left = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name.startswith("test")]
    if not left:
        return Vetted(None, dropped)
    return Vetted(source if not bad and not any(isinstance(v, str) and v.startswith("!") for v in imported.values())
                  else ast.unparse(tree) + "\n", dropped)


def _is_project(module: str, project_modules: set[str]) -> bool:
    return module in project_modules or module.split(".")[0] in {m.split(".")[0] for m in project_modules}


def _outside_contract(test: ast.AST, imported: dict[str, str], modules: set[str], allowed: dict[str, Callable_]) -> str:
    for node in ast.walk(test):
        if not isinstance(node, ast.Call):
            continue
        name = None
        if isinstance(node.func, ast.Name) and node.func.id in imported:
            name = imported[node.func.id]
        elif isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) and node.func.value.id in modules:
            name = node.func.attr if node.func.attr in allowed else "!" + node.func.attr
        if name is None:
            continue
        if name.startswith("!"):
            return f"calls {name[1:]}, which the contract does not name"
        spec = allowed.get(name)
        given = len(node.args) + len(node.keywords)
        starred = any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords)
        if spec is not None and spec.params >= 0 and not starred and given > spec.params:
            return f"calls {name} with {given} argument(s); the contract gives it {spec.params}"
    return ""


def _expects_a_value_from_nothing(test: ast.AST, imported: dict[str, str], allowed: dict[str, Callable_]) -> str:
    """A test comparing a call's result with a value, when the contract says it returns nothing."""
    for node in ast.walk(test):
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Call) and isinstance(node.left.func, ast.Name):
            spec = allowed.get(imported.get(node.left.func.id, ""))
            right = node.comparators[0]
            if spec is not None and spec.returns_nothing and not (isinstance(right, ast.Constant) and right.value is None):
                return f"expects a value from {spec.name}, which the contract says returns nothing"
    return ""


def _contradictions(tests: list[ast.FunctionDef | ast.AsyncFunctionDef]) -> list[tuple[list[str], str]]:
    """Tests asserting different literal results for the same call."""
    seen: dict[str, list[tuple[str, object]]] = {}
    for test in tests:
        for node in ast.walk(test):
            if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq) and isinstance(node.left, ast.Call):
                try:
                    value = ast.literal_eval(node.comparators[0])
                except (ValueError, SyntaxError, TypeError):
                    continue
                seen.setdefault(ast.unparse(node.left), []).append((test.name, value))
    found = []
    for call, uses in seen.items():
        values = []
        for _, v in uses:
            if v not in values:
                values.append(v)
        if len(values) > 1:
            names = list(dict.fromkeys(n for n, _ in uses))
            found.append((names, f"{' and '.join(names)} expect different results from {call}"))
    return found


# -- after a run ------------------------------------------------------------------------------

@dataclass
class CaseRun:
    name: str
    outcome: str  # passed, failed, error, skipped
    error_type: str = ""
    message: str = ""  # the first line that says what went wrong
    in_test: bool = False  # the last frame of the traceback is in the test file

    @property
    def signature(self) -> str:
        return f"{self.error_type}: {self.message}"


_ERROR_LINE = re.compile(r"^E\s+(\w+(?:\.\w+)*)(?::\s*(.*))?$")
_FRAME = re.compile(r"^([\w./-]+\.py):(\d+):")


def read_junit(xml_text: str, test_file: str) -> list[CaseRun]:
    """pytest's --junitxml report, one entry per test."""
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError:
        return []
    runs = []
    for case in root.iter("testcase"):
        name = case.get("name", "")
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is None:
            runs.append(CaseRun(name, "skipped" if case.find("skipped") is not None else "passed"))
            continue
        text = problem.text or ""
        error_type, message = "", problem.get("message", "")
        for line in text.splitlines():
            m = _ERROR_LINE.match(line)
            if m:
                error_type, message = m.group(1).split(".")[-1], (m.group(2) or "").strip()
                break
        if not error_type and ":" in message:
            error_type = message.split(":", 1)[0].split(".")[-1].strip()
        frames = [m.group(1) for line in text.splitlines() if (m := _FRAME.match(line.strip()))]
        in_test = bool(frames) and PurePosixPath(frames[-1]).name == PurePosixPath(test_file).name
        if "fixture '" in text and "not found" in text:
            error_type, in_test = "FixtureError", True
        runs.append(CaseRun(name, problem.tag if problem.tag == "error" else "failed", error_type, message[:300], in_test))
    return runs


def fault_of_test(run: CaseRun, allowed: dict[str, Callable_]) -> str:
    """Why a failing test is the test's own fault, or "" when it may be the code's."""
    if run.error_type == "FixtureError":
        return "it asks for a pytest fixture that does not exist"
    if run.error_type in ("ImportError", "ModuleNotFoundError"):
        name = re.search(r"cannot import name '(\w+)'", run.message)
        if name and name.group(1) in allowed:
            return ""  # the contract promises it: the code is missing it
        return f"it imports something the contract does not promise ({run.message[:120]})"
    if run.error_type in TEST_FAULTS and run.in_test:
        return f"it errors inside itself: {run.signature[:160]}"
    return ""


def stuck_tests(now: list[CaseRun], before: dict[str, str]) -> dict[str, str]:
    """Tests failing now exactly as they failed on the previous attempt's code: name -> why."""
    return {r.name: f"the previous attempt's code failed it the same way ({r.signature[:160]})"
            for r in now if r.outcome in ("failed", "error") and before.get(r.name) == r.signature}


def drop_tests(source: str, names: set[str]) -> str | None:
    """The test file without the named test functions; None when no test is left."""
    tree = ast.parse(source)
    tree.body = [n for n in tree.body if not (isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name in names)]
    if not any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name.startswith("test") for n in tree.body):
        return None
    return ast.unparse(tree) + "\n"
