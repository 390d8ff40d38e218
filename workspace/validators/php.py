"""PHP: ``php -l`` on every file."""

from __future__ import annotations

from crewmux.workspace.validators.base import CheckResult, Context, each_file, failure_detail, findings_from_output, not_installed, run_tool, tool_path

PHP_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"}


def syntax(ctx: Context) -> CheckResult:
    # php -l says "... on line N"; turn that into the file:line the findings look for.
    return each_file(ctx, "php -l", "PHP", (".php",), "php", ["-l"], PHP_ENV, locate=lambda out: out.replace(" on line ", ":"))


def tests(ctx: Context, all_files: list[str]) -> CheckResult:
    if not any(f.endswith("Test.php") for f in all_files):
        return CheckResult("phpunit", "not_checked", "not checked: no PHP tests")
    return not_installed("phpunit", "phpunit") if tool_path("phpunit") is None else _phpunit(ctx, all_files)


def _phpunit(ctx: Context, all_files: list[str]) -> CheckResult:
    ok, output, _ = run_tool(ctx, "phpunit", [str(tool_path("phpunit")), "--colors=never"], env=PHP_ENV)
    if ok:
        return CheckResult("phpunit", "passed")
    return CheckResult("phpunit", "failed", failure_detail(output), findings_from_output(output, all_files))
