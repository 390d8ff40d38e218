"""Run a task's hidden checks on a built tree, inside crewmux's sandbox.

The tree is copied to a scratch directory with the task's support and hidden files
added, so what is scored never leaks back into the model's (or the team's) tree.
Pages go through QA's own Chromium check (workspace/validators/web.py).
"""

from __future__ import annotations

import shlex
import shutil
import tempfile
import time
from pathlib import Path

from crewmux.benchmark.scoring import CheckOutcome, Score, command_verdict, missing_selectors, score
from crewmux.benchmark.suite import CheckSpec, Task
from crewmux.workspace.sandbox import Sandbox, SandboxUnavailable
from crewmux.workspace.deps import DepsPolicy
from crewmux.workspace.validators import install_deps, server, web
from crewmux.workspace.validators.base import Context, DepsSetup, python_env, python_readable

OUTPUT_LIMIT = 20_000  # characters of a check's output kept


def check_env() -> dict[str, str]:
    return {
        **python_env(),
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",  # only pytest itself: crewmux's plugins are no task's
        "GOCACHE": "/tmp/go-build", "GOPATH": "/tmp/go", "GOFLAGS": "-modcacherw", "GOTOOLCHAIN": "local",
    }


def write_tree(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        target = root / rel
        if target.is_symlink():
            target.unlink()  # what the bench writes replaces a link the answer left there
        if not target.resolve().is_relative_to(root.resolve()):
            raise ValueError(f"refusing to write {rel!r} outside the tree")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode() if isinstance(content, str) else content)


def missing_tool(command: str, tree: Path) -> str | None:
    """Why a check's program cannot run here, or None."""
    words = shlex.split(command)
    if not words:
        return "an empty command"
    program = words[0]
    if program == "npx" and "jest" in words and not (tree / "node_modules" / ".bin" / "jest").exists():
        return "jest is not installed in the task (node_modules/.bin/jest): run npm install in the exercise first"
    if program in ("sh", "bash", "cd", "env") or "/" in program:
        return None
    return None if shutil.which(program) else f"{program} is not installed"


class Checker:
    """Scores trees. One sandbox probe for the whole bench."""

    def __init__(self, sandbox: Sandbox | None = None, artifacts: Path | None = None, deps_cache: Path | None = None) -> None:
        self.sandbox = sandbox or Sandbox()
        self.artifacts = artifacts
        self.deps_cache = deps_cache  # None: the shared cache (workspace/deps.py)

    def score_tree(self, task: Task, tree: Path) -> Score:
        """Every check of ``task`` on a copy of ``tree`` with the hidden files added."""
        with tempfile.TemporaryDirectory(prefix=f"crewmux-bench-{task.id}-") as scratch:
            work = Path(scratch) / "tree"
            shutil.copytree(tree, work, ignore=shutil.ignore_patterns(".git", ".crewmux"), symlinks=True)
            try:
                write_tree(work, {k: v for k, v in task.support.items() if not (work / k).exists()})
                write_tree(work, task.hidden)  # the hidden tests win over a same-named file of the answer
            except (ValueError, OSError) as exc:  # e.g. the answer made a directory of the tests' name a link
                return score([CheckOutcome("setting up the hidden files", False, f"the built tree is unusable: {exc}")])
            outcomes = [self._one(task, check, work) for check in task.checks]
        return score(outcomes)

    def score_files(self, task: Task, files: dict[str, str]) -> Score:
        with tempfile.TemporaryDirectory(prefix=f"crewmux-bench-{task.id}-") as scratch:
            root = Path(scratch)
            write_tree(root, {**task.stub, **files})
            return self.score_tree(task, root)

    def _one(self, task: Task, check: CheckSpec, tree: Path) -> CheckOutcome:
        started = time.monotonic()
        try:
            if check.kind == "server":
                outcome = self._server(task, check, tree)
            else:
                outcome = self._page(task, check, tree) if check.kind == "page" else self._command(task, check, tree)
        except SandboxUnavailable as exc:
            outcome = CheckOutcome(check.kind, False, str(exc), infrastructure=str(exc))
        outcome.seconds = round(time.monotonic() - started, 3)
        return outcome

    def _command(self, task: Task, check: CheckSpec, tree: Path) -> CheckOutcome:
        name = f"{check.kind}: {check.command}"
        missing = missing_tool(check.command, tree)
        if missing:
            return CheckOutcome(name, False, f"not checked: {missing}", infrastructure=missing)
        timeout = check.timeout or task.timeout
        result = self.sandbox.run(
            ["sh", "-c", check.command], cwd=tree, timeout=timeout, env=check_env(), readable=python_readable(),
            stdin=check.stdin.encode() if check.stdin is not None else None,
        )
        output = (result.stdout + ("\n" + result.stderr if result.stderr else "")).strip()[-OUTPUT_LIMIT:]
        if result.stopped:
            why = "timed out" if result.stopped == "timeout" else f"stopped ({result.stopped})"
            return CheckOutcome(name, False, f"{output}\n({why} after {result.duration:.0f} s)".strip(),
                                timed_out=result.stopped in ("timeout", "cpu"))
        if check.kind == "tests":
            return CheckOutcome(name, result.exit_code == 0, output)
        ok, why = command_verdict(check, result.exit_code if result.exit_code is not None else -1, result.stdout)
        return CheckOutcome(name, ok, output if ok else f"{why}\n--- output:\n{output}")

    def _server(self, task: Task, check: CheckSpec, tree: Path) -> CheckOutcome:
        """The answer's server started in the sandbox and asked the check's routes (QA's own check:
        workspace/validators/server.py); a page it serves at / is driven in Chromium."""
        name = f"server: {len(check.routes)} route(s)"
        # What the answer's manifests declare is installed first (as QA does), into the scratch
        # directory, from the shared download cache.
        ctx = Context(root=tree, files=task.files, sandbox=self.sandbox, timeout=check.timeout or task.timeout,
                      artifacts=self.artifacts, deps=DepsSetup(tree.parent, DepsPolicy(), self.deps_cache))
        installed = install_deps(ctx)
        if installed is not None and installed.status != "passed":
            return CheckOutcome(name, False, installed.detail + "".join(f"\n  {f.path}: {f.message}" for f in installed.findings),
                                infrastructure=installed.detail if installed.status == "not_checked" else "")
        spec = server.ServerSpec(shlex.split(check.command)) if check.command else None
        results = server.check(ctx, check.routes, spec, label=f"bench-{task.id}")
        unchecked = [r.detail for r in results if r.status == "not_checked"]
        if unchecked:
            return CheckOutcome(name, False, unchecked[0], infrastructure=unchecked[0])
        lines = [f"{r.status}: {r.name}: {r.detail}" + "".join(f"\n  {f.path}:{f.line or ''} {f.message}" for f in r.findings)
                 for r in results]
        return CheckOutcome(name, bool(results) and all(r.status == "passed" for r in results), "\n".join(lines)[-OUTPUT_LIMIT:])

    def _page(self, task: Task, check: CheckSpec, tree: Path) -> CheckOutcome:
        name = f"page: {check.path}"
        page = tree / check.path
        if not page.is_file():
            return CheckOutcome(name, False, f"{check.path} does not exist")
        ctx = Context(root=tree, files=[check.path], sandbox=self.sandbox, timeout=check.timeout or task.timeout,
                      artifacts=self.artifacts)
        results = web.check(ctx, label=f"bench-{task.id}")
        problems = []
        for r in results:
            if r.status == "not_checked":
                return CheckOutcome(name, False, r.detail, infrastructure=r.detail)
            if r.status == "failed":
                problems.append(r.detail + "".join(f"\n  {f.path}:{f.line or ''} {f.message}" for f in r.findings))
        missing = missing_selectors(page.read_text(errors="replace"), check.expect_selectors)
        if missing:
            problems.append("no element matches: " + ", ".join(missing))
        detail = "\n".join(problems) or "; ".join(r.detail for r in results)
        return CheckOutcome(name, not problems, detail)
