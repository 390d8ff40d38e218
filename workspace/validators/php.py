"""PHP: ``php -l`` on every file; the tests with phpunit, or without it with crewmux's
plain-PHP runner (phptest.php: PHPUnit-style test classes, no install needed)."""

from __future__ import annotations

from pathlib import Path

from crewmux.workspace.validators.base import CheckResult, Context, each_file, failure_detail, findings_from_output, not_installed, run_tool, tool_path

PHP_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"}
PHPTEST = Path(__file__).with_name("phptest.php")
NO_TESTS = 5  # phptest.php's exit code when the files hold no test


def syntax(ctx: Context) -> CheckResult:
    # php -l says "... on line N"; turn that into the file:line the findings look for.
    return each_file(ctx, "php -l", "PHP", (".php",), "php", ["-l"], PHP_ENV, locate=lambda out: out.replace(" on line ", ":"))


def is_test_file(path: str) -> bool:
    return path.endswith("Test.php")


def tests(ctx: Context, all_files: list[str]) -> CheckResult:
    test_files = [f for f in all_files if is_test_file(f) and (ctx.root / f).is_file()]
    if not test_files:
        return CheckResult("phpunit", "not_checked", "not checked: no PHP tests")
    if tool_path("phpunit") is not None:
        return _phpunit(ctx, all_files)
    php = tool_path("php")
    if php is None:
        return not_installed("php tests", "php")
    ok, output, result = run_tool(ctx, "php tests", [php, str(PHPTEST), *test_files], env=PHP_ENV, readable=[str(PHPTEST.parent)])
    if result.exit_code == NO_TESTS:
        return CheckResult("php tests", "not_checked", "not checked: the PHP test files hold no test")
    if ok:
        return CheckResult("php tests", "passed", output.strip().splitlines()[-1] if output.strip() else "passed")
    return CheckResult("php tests", "failed", failure_detail(output), findings_from_output(output, all_files))


def _phpunit(ctx: Context, all_files: list[str]) -> CheckResult:
    ok, output, _ = run_tool(ctx, "phpunit", [str(tool_path("phpunit")), "--colors=never"], env=PHP_ENV)
    if ok:
        return CheckResult("phpunit", "passed")
    return CheckResult("phpunit", "failed", failure_detail(output), findings_from_output(output, all_files))
