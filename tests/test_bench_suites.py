"""The built-in bench suites (benchmark/suites/): every task is well-formed, its reference
solution passes every hidden check when run for real in the sandbox, and its stub (or an
empty tree) fails at least one, so each check can both pass and fail.

The checks run through a small runner here until the bench scorer exists; it follows the
task format of issue 12: ``tests`` and ``command`` checks run in the sandbox in the tree,
``page`` checks load the page with the QA web check and look for the selectors.
"""

from __future__ import annotations

import json
import shlex
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from crewmux.workspace.sandbox import Sandbox
from crewmux.workspace.validators import web
from crewmux.workspace.validators.base import Context, python_readable, script_argv

SUITES = Path(__file__).resolve().parents[1] / "benchmark" / "suites"
SELECTORS = Path(__file__).with_name("bench_support") / "page_selectors.py"
MIN_TASKS = {"python": 40, "javascript": 20, "php": 20, "go": 20, "web": 6, "graduation": 4}
CATEGORIES = {"function", "cli", "page", "api", "app"}
LANGUAGES = {"python", "javascript", "typescript", "php", "go", "html"}
CHECK_FIELDS = {
    "tests": {"kind", "command"},
    "command": {"kind", "command", "stdin", "expect_exit", "expect_stdout", "expect_contains"},
    "page": {"kind", "path", "expect_selectors"},
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

def test_every_suite_is_there_with_its_size():
    counts = {s: len(load_tasks(s)) for s in MIN_TASKS}
    assert all(counts[s] >= n for s, n in MIN_TASKS.items()), counts


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
        else:
            assert not SHELL_CHARS & set(check["command"]), check["command"]
    if any(c["kind"] == "tests" for c in meta["checks"]):
        assert files_under(task.dir / "hidden") - {"go.mod"}, "a tests check with no test file in hidden/"


def test_ids_are_unique_across_suites():
    ids = [t.meta["id"] for t in load_tasks()]
    assert len(ids) == len(set(ids))


# --- running the checks -----------------------------------------------------------------

@dataclass
class Outcome:
    passed: bool
    detail: str


class Runner:
    """Runs one task's checks in the sandbox: one Sandbox and one Go build cache for a suite."""

    def __init__(self, work: Path) -> None:
        self.sandbox = Sandbox()
        self.work = work
        self.go_cache = work / "go-cache"
        self.go_cache.mkdir(parents=True, exist_ok=True)

    def tree(self, task: Task, source: str) -> Path:
        root = self.work / task.suite / f"{task.dir.name}-{source}"
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        for layer in (source, "hidden"):
            if (task.dir / layer).is_dir():
                shutil.copytree(task.dir / layer, root, dirs_exist_ok=True)
        return root

    def env(self) -> dict[str, str]:
        return {"GOCACHE": str(self.go_cache / "build"), "GOPATH": str(self.go_cache / "path"), "GOPROXY": "off",
                "GOFLAGS": "-mod=mod", "CGO_ENABLED": "0", "GOTELEMETRY": "off"}

    def check(self, task: Task, root: Path, check: dict) -> Outcome:
        if check["kind"] == "page":
            return self.page(task, root, check)
        result = self.sandbox.run(shlex.split(check["command"]), root, timeout=task.meta["timeout"], env=self.env(),
                                  writable=[self.go_cache], stdin=check.get("stdin", "").encode())
        said = f"$ {check['command']}: {result.summary()}\n{result.stdout[-1500:]}\n{result.stderr[-1500:]}"
        if check["kind"] == "tests":
            return Outcome(result.ok, said)
        if result.stopped or result.exit_code != check.get("expect_exit", 0):
            return Outcome(False, said)
        if "expect_stdout" in check and _lines(result.stdout) != _lines(check["expect_stdout"]):
            return Outcome(False, f"stdout differs, wanted {check['expect_stdout']!r}\n{said}")
        missing = [s for s in check.get("expect_contains", []) if s not in result.stdout]
        return Outcome(not missing, f"stdout lacks {missing}\n{said}" if missing else said)

    def page(self, task: Task, root: Path, check: dict) -> Outcome:
        if not (root / check["path"]).is_file():
            return Outcome(False, f"no {check['path']}")
        ctx = Context(root=root, files=[check["path"]], sandbox=self.sandbox, timeout=task.meta["timeout"],
                      artifacts=self.work / "artifacts")
        for result in web.check(ctx, task.dir.name):
            if result.status != "passed":
                return Outcome(False, f"{result.name}: {result.status} {result.detail} {result.findings}")
        wanted = check.get("expect_selectors", [])
        if not wanted:
            return Outcome(True, "loaded with no errors")
        argv, env = script_argv(SELECTORS, str(root), check["path"], web.CHROMIUM, *wanted)
        env.update({"HOME": "/tmp", "XDG_CONFIG_HOME": "/tmp", "XDG_CACHE_HOME": "/tmp"})
        result = self.sandbox.run(argv, root, timeout=120, env=env,
                                  readable=[*python_readable(), str(SELECTORS.parent), str(Path(web.__file__).parent)])
        try:
            report = json.loads(result.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return Outcome(False, f"the selector check could not run: {result.summary()} {result.stderr[-800:]}")
        if report.get("error") or report.get("missing"):
            return Outcome(False, f"selectors: {report}")
        return Outcome(True, "loaded with no errors; selectors present")


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.rstrip().splitlines()]


def missing_tool(task: Task) -> str | None:
    tools = {TOOLS[task.meta["language"]]} | {"chromium" for c in task.meta["checks"] if c["kind"] == "page"}
    absent = [t for t in sorted(tools) if shutil.which(t) is None]
    return f"{', '.join(absent)} not installed" if absent else None


def verify_suite(suite: str, work: Path) -> tuple[list[str], list[str]]:
    """(problems, skipped): every solution passes every check, every stub fails one."""
    runner = Runner(work)
    problems, skipped = [], []
    for task in load_tasks(suite):
        reason = missing_tool(task)
        if reason:
            skipped.append(f"{task.name}: {reason}")
            continue
        solved = runner.tree(task, "solution")
        for check in task.meta["checks"]:
            outcome = runner.check(task, solved, check)
            if not outcome.passed:
                problems.append(f"{task.name}: the solution fails {check}\n{outcome.detail}")
        bare = runner.tree(task, "stub")
        if all(runner.check(task, bare, check).passed for check in task.meta["checks"]):
            problems.append(f"{task.name}: the stub alone passes every check (they cannot fail)")
    return problems, skipped


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("suite", sorted(MIN_TASKS))
def test_solutions_pass_and_stubs_fail(suite: str, tmp_path: Path):
    problems, skipped = verify_suite(suite, tmp_path)
    assert not problems, "\n\n".join(problems)
    if skipped and len(skipped) == len(load_tasks(suite)):
        pytest.skip("; ".join(sorted(set(s.split(": ", 1)[1] for s in skipped))))


def test_page_check_fails_a_missing_selector_and_passes_a_present_one(tmp_path: Path):
    runner = Runner(tmp_path / "work")
    root = tmp_path / "page"
    root.mkdir()
    (root / "index.html").write_text("<!DOCTYPE html><html><head><title>t</title></head><body><p id='here'>hi</p></body></html>")
    task = Task("web", root, {"timeout": 60})
    assert runner.check(task, root, {"kind": "page", "path": "index.html", "expect_selectors": ["p#here"]}).passed
    outcome = runner.check(task, root, {"kind": "page", "path": "index.html", "expect_selectors": ["p#here", "form#gone"]})
    assert not outcome.passed and "form#gone" in outcome.detail
