"""JavaScript: ``node --check`` on every file, ``node --test`` on the test files."""

from __future__ import annotations

from pathlib import Path

from crewmux.workspace.validators.base import CheckResult, Context, Finding, findings_from_output, not_installed, run_tool, tail, failure_detail, tool_path

NODE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "NO_COLOR": "1"}
SUFFIXES = (".js", ".mjs", ".cjs")


def syntax(ctx: Context) -> CheckResult:
    files = ctx.existing(SUFFIXES)
    if not files:
        return CheckResult("node --check", "not_checked", "not checked: no JavaScript files")
    node = tool_path("node")
    if node is None:
        return not_installed("node --check", "node")
    findings: list[Finding] = []
    for file in files:
        ok, output, _ = run_tool(ctx, "node --check", [node, "--check", file], env=NODE_ENV)
        if not ok:
            found = findings_from_output(output, [file]) or [Finding(file, None, tail(output, 8))]
            found[0].message = tail(output, 8)
            findings.append(found[0])
    if findings:
        return CheckResult("node --check", "failed", f"{len(findings)} file(s) do not parse", findings)
    return CheckResult("node --check", "passed", f"{len(files)} file(s)")


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
