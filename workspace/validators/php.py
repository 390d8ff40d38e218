"""PHP: ``php -l`` on every file."""

from __future__ import annotations

from crewmux.workspace.validators.base import CheckResult, Context, Finding, findings_from_output, not_installed, run_tool, tail, failure_detail, tool_path

PHP_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"}


def syntax(ctx: Context) -> CheckResult:
    files = ctx.existing((".php",))
    if not files:
        return CheckResult("php -l", "not_checked", "not checked: no PHP files")
    php = tool_path("php")
    if php is None:
        return not_installed("php -l", "php")
    findings: list[Finding] = []
    for file in files:
        ok, output, _ = run_tool(ctx, "php -l", [php, "-l", file], env=PHP_ENV)
        if not ok:
            found = findings_from_output(output.replace(" on line ", ":"), [file]) or [Finding(file, None, "")]
            found[0].message = tail(output, 6)
            findings.append(found[0])
    if findings:
        return CheckResult("php -l", "failed", f"{len(findings)} file(s) do not parse", findings)
    return CheckResult("php -l", "passed", f"{len(files)} file(s)")


def tests(ctx: Context, all_files: list[str]) -> CheckResult:
    if not any(f.endswith("Test.php") for f in all_files):
        return CheckResult("phpunit", "not_checked", "not checked: no PHP tests")
    return not_installed("phpunit", "phpunit") if tool_path("phpunit") is None else _phpunit(ctx, all_files)


def _phpunit(ctx: Context, all_files: list[str]) -> CheckResult:
    ok, output, _ = run_tool(ctx, "phpunit", [str(tool_path("phpunit")), "--colors=never"], env=PHP_ENV)
    if ok:
        return CheckResult("phpunit", "passed")
    return CheckResult("phpunit", "failed", failure_detail(output), findings_from_output(output, all_files))
