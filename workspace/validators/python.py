"""Python: compile, fatal pyflakes checks, pytest. All in the sandbox (the checks in the
agent's resident checker when it has one: validators/resident.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from crewmux.workspace.validators.base import (
    CheckResult, Context, Finding, findings_from_output, python_env, python_readable, run_tool, script_argv, tail, failure_detail,
)

PYCHECK = Path(__file__).with_name("pycheck.py")
USAGE_ERROR = 4  # pytest's exit code for options it does not know


def _pycheck(ctx: Context, name: str, files: list[str], flakes: bool) -> CheckResult:
    if not files:
        return CheckResult(name, "not_checked", "not checked: no Python files")
    lines = ctx.pycheck.ask(files, flakes) if ctx.pycheck else None
    ok = True
    if lines is None:
        argv, env = script_argv(PYCHECK, *(["--flakes"] if flakes else []), *files)
        ok, output, _ = run_tool(ctx, name, argv, env=env, readable=[*python_readable(), str(PYCHECK.parent)], ok_codes=(0, 1))
        lines = output.splitlines()
    findings = []
    other = []
    for line in lines:
        try:
            item = json.loads(line)
        except ValueError:
            other.append(line)
            continue
        if item.get("kind") == "missing":
            return CheckResult(name, "not_checked", f"not checked: {item['message']}")
        findings.append(Finding(item["path"], item.get("line"), item["message"]))
    if not ok:
        return CheckResult(name, "failed", "the checker could not run: " + tail("\n".join(other), 10))
    if findings:
        return CheckResult(name, "failed", f"{len(findings)} problem(s)", findings)
    return CheckResult(name, "passed", f"{len(files)} file(s)")


def lint(ctx: Context) -> CheckResult:
    return _pycheck(ctx, "python compile + pyflakes", ctx.existing((".py",)), flakes=True)


def is_test_file(path: str) -> bool:
    name = Path(path).name
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def tests(ctx: Context, all_files: list[str]) -> CheckResult:
    if not any(is_test_file(f) for f in all_files):
        return CheckResult("pytest", "not_checked", "not checked: no Python tests")
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-header", "-rf", "--color=no"]
    # Only pytest itself: plugins installed beside crewmux (Textual snapshots, Playwright)
    # are not the project's, and loading them costs seconds per run.
    env = {**python_env(), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    ok, output, result = run_tool(ctx, "pytest", argv, env=env, readable=python_readable(), ok_codes=(0,))
    if result.exit_code == USAGE_ERROR:
        # The project's pytest options need a plugin (e.g. --timeout): run with plugins.
        ok, output, result = run_tool(ctx, "pytest", argv, env=python_env(), readable=python_readable(), ok_codes=(0,))
    if result.exit_code == 5:
        return CheckResult("pytest", "not_checked", "not checked: pytest collected no tests")
    if ok:
        summary = output.strip().splitlines()[-1] if output.strip() else "passed"
        return CheckResult("pytest", "passed", summary)
    if "No module named pytest" in output:
        return CheckResult("pytest", "not_checked", "not checked: pytest not installed")
    return CheckResult("pytest", "failed", failure_detail(output), findings_from_output(output, all_files))
