"""JavaScript: ``node --check`` on every file, ``node --test`` on the test files."""

from __future__ import annotations

from pathlib import Path

from crewmux.workspace.validators.base import CheckResult, Context, each_file, failure_detail, findings_from_output, not_installed, run_tool, tool_path

NODE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "NO_COLOR": "1"}
SUFFIXES = (".js", ".mjs", ".cjs")


def syntax(ctx: Context) -> CheckResult:
    return each_file(ctx, "node --check", "JavaScript", SUFFIXES, "node", ["--check"], NODE_ENV)


def is_test_file(path: str) -> bool:
    p = Path(path)
    return p.suffix in SUFFIXES and (".test." in p.name or p.name.endswith(("_test.js", "-test.js")) or p.parts[0] == "test")


def tests(ctx: Context, all_files: list[str]) -> CheckResult:
    test_files = [f for f in all_files if is_test_file(f) and (ctx.root / f).is_file()]
    if not test_files:
        return CheckResult("node --test", "not_checked", "not checked: no JavaScript tests")
    node = tool_path("node")
    if node is None:
        return not_installed("node --test", "node")
    ok, output, _ = run_tool(ctx, "node --test", [node, "--test", *test_files], env=NODE_ENV)
    if ok:
        return CheckResult("node --test", "passed", f"{len(test_files)} test file(s)")
    return CheckResult("node --test", "failed", failure_detail(output), findings_from_output(output, all_files))
