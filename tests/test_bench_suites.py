"""The built-in bench suites (benchmark/suites/): every task is well-formed, its reference
solution passes every hidden check when run for real in the sandbox, and its stub (or an
empty tree) fails at least one, so each check can both pass and fail.

The checks run through the bench's own scorer (benchmark/checks.py), in the real sandbox;
a suite whose toolchain is missing here is skipped, saying which tool.
"""

from __future__ import annotations

import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from crewmux.benchmark.checks import Checker
from crewmux.benchmark.suite import load_suite
from crewmux.workspace.sandbox import Sandbox

SUITES = Path(__file__).resolve().parents[1] / "benchmark" / "suites"
MIN_TASKS = {"python": 40, "javascript": 20, "php": 20, "go": 20, "web": 6, "graduation": 4}
CATEGORIES = {"function", "cli", "page", "api", "app"}
LANGUAGES = {"python", "javascript", "typescript", "php", "go", "html"}
CHECK_FIELDS = {
    "tests": {"kind", "command"},
    "command": {"kind", "command", "stdin", "expect_exit", "expect_stdout", "expect_contains"},
    "page": {"kind", "path", "expect_selectors"},
    "server": {"kind", "command", "routes"},
}
# What a task's checks run: a task whose tool is missing is skipped, saying which.
TOOLS = {"python": "python3", "javascript": "node", "php": "php", "go": "go", "html": "chromium"}
# Commands are written so a runner may split them (shlex) or hand them to a shell alike.
SHELL_CHARS = set("|&;<>$`*?(){}")


@dataclass(frozen=True)
class Task:
    suite: str
    dir: Path
    meta: dict

    @property
    def name(self) -> str:
        return f"{self.suite}/{self.dir.name}"


def load_tasks(suite: str | None = None) -> list[Task]:
    tasks = []
    for suite_dir in sorted(p for p in SUITES.iterdir() if p.is_dir()):
        if suite and suite_dir.name != suite:
            continue
        for task_dir in sorted(p for p in suite_dir.iterdir() if (p / "task.toml").is_file()):
            tasks.append(Task(suite_dir.name, task_dir, tomllib.loads((task_dir / "task.toml").read_text())))
    return tasks


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.is_dir() else set()


# --- the format -------------------------------------------------------------------------

def test_every_suite_is_there_with_its_size_and_the_bench_loads_it():
    counts = {s: len(load_tasks(s)) for s in MIN_TASKS}
    assert all(counts[s] >= n for s, n in MIN_TASKS.items()), counts
    for name in MIN_TASKS:
        suite = load_suite(SUITES / name)  # the bench's own loader: raises on a malformed task.toml
        assert len(suite.tasks) == counts[name] and not suite.skipped, suite.skipped


@pytest.mark.parametrize("task", load_tasks(), ids=lambda t: t.name)
def test_task_toml_is_complete(task: Task):
    meta = task.meta
    assert meta["id"] == task.dir.name
    assert meta["category"] in CATEGORIES
    assert meta["language"] in LANGUAGES
    assert isinstance(meta["timeout"], int) and 0 < meta["timeout"] <= 600
    assert isinstance(meta["brief"], str) and len(meta["brief"]) > 40
    assert meta["files"] and all(isinstance(f, str) for f in meta["files"])
    for name in meta["files"]:
        assert name in meta["brief"], f"the brief never names {name}, so a model cannot know it"
        assert (task.dir / "solution" / name).is_file(), f"solution/ lacks {name}"
    assert not files_under(task.dir / "hidden") & set(meta["files"]), "hidden/ would overwrite the answer"
    assert meta["checks"]
    for check in meta["checks"]:
        assert check["kind"] in CHECK_FIELDS, check
        assert set(check) <= CHECK_FIELDS[check["kind"]], check
        if check["kind"] == "page":
            assert check["path"] in meta["files"]
        elif check["kind"] == "server":
            assert check["routes"], "a server check asks at least one route"
        else:
            assert not SHELL_CHARS & set(check["command"]), check["command"]
    if any(c["kind"] == "tests" for c in meta["checks"]):
        assert files_under(task.dir / "hidden") - {"go.mod"}, "a tests check with no test file in hidden/"


def test_ids_are_unique_across_suites():
    ids = [t.meta["id"] for t in load_tasks()]
    assert len(ids) == len(set(ids))


# --- running the checks -----------------------------------------------------------------

def missing_tool(task: Task) -> str | None:
    tools = {TOOLS[task.meta["language"]]} | {"chromium" for c in task.meta["checks"] if c["kind"] == "page"}
    absent = [t for t in sorted(tools) if shutil.which(t) is None]
    return f"{', '.join(absent)} not installed" if absent else None


def verify_suite(suite: str, checker: Checker) -> tuple[list[str], list[str]]:
    """(problems, skipped): through the bench's own scorer, every solution passes every
    check and every stub (or the empty tree) fails at least one."""
    problems, skipped = [], []
    loaded = {t.id: t for t in load_suite(SUITES / suite).tasks}
    for task in load_tasks(suite):
        reason = missing_tool(task)
        if reason:
            skipped.append(f"{task.name}: {reason}")
            continue
        bench_task = loaded[task.meta["id"]]
        solved = checker.score_files(bench_task, bench_task.solution)
        if solved.infrastructure:
            skipped.append(f"{task.name}: {solved.infrastructure}")
            continue
        if not solved.passed:
            problems.append(f"{task.name}: the solution fails\n{solved.output[-3000:]}")
        bare = checker.score_files(bench_task, {})
        if bare.passed:
            problems.append(f"{task.name}: the stub alone passes every check (they cannot fail)")
    return problems, skipped


@pytest.fixture(scope="module")
def checker(tmp_path_factory: pytest.TempPathFactory) -> Checker:
    return Checker(Sandbox(), artifacts=tmp_path_factory.mktemp("bench-artifacts"))


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("suite", sorted(MIN_TASKS))
def test_solutions_pass_and_stubs_fail(suite: str, checker: Checker):
    problems, skipped = verify_suite(suite, checker)
    assert not problems, "\n\n".join(problems)
    if skipped and len(skipped) == len(load_tasks(suite)):
        pytest.skip("; ".join(sorted(set(s.split(": ", 1)[1] for s in skipped))))


def test_a_wrong_answer_fails_and_the_reference_passes(checker: Checker):
    """The quick, always-run slice of the above: one python task, right and wrong."""
    task = next(t for t in load_suite(SUITES / "python").tasks if t.id == "py-roman-numerals")
    assert checker.score_files(task, task.solution).passed
    wrong = {"roman.py": "def to_roman(n: int) -> str:\n    return 'I' * n\n"}
    result = checker.score_files(task, wrong)
    assert not result.passed and result.failure == "test_failure"
