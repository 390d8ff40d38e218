"""Validators with the real toolchains, in the real sandbox: what they catch and how they say it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crewmux.agents.qa import verdict
from crewmux.workspace.sandbox import Sandbox
from crewmux.workspace.validators import Context, format_findings, review_checks, suite_checks, syntax_checks
from crewmux.workspace.validators.base import CheckResult, Finding, script_argv

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return Sandbox()


def tree(root: Path, files: dict[str, str]) -> list[str]:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return list(files)


def check(root: Path, sandbox: Sandbox, files: dict[str, str], task_files: list[str] | None = None) -> dict[str, CheckResult]:
    all_files = tree(root, files)
    ctx = Context(root, task_files or all_files, sandbox, timeout=60, artifacts=root.parent / "artifacts")
    return {r.name: r for r in review_checks(ctx, all_files, label="t1")}


def test_python_syntax_error_names_the_line_with_code(tmp_path, sandbox):
    res = check(tmp_path, sandbox, {"app.py": "def f(:\n    return 1\n"})
    result = res["python compile + pyflakes"]
    assert result.status == "failed" and result.findings[0].line == 1
    text = format_findings(list(res.values()), tmp_path)
    assert "app.py:1: SyntaxError" in text and ">   1 | def f(:" in text


def test_python_fatal_pyflakes_but_not_style(tmp_path, sandbox):
    res = check(tmp_path, sandbox, {"app.py": "import os\n\n\ndef f():\n    return missing_name\n"})
    result = res["python compile + pyflakes"]
    assert result.status == "failed"
    assert [f.message for f in result.findings] == ["undefined name 'missing_name'"]  # the unused import is style


def test_python_tests_run_and_failures_show_the_assert(tmp_path, sandbox):
    res = check(tmp_path, sandbox, {"calc.py": "def add(a, b):\n    return a - b\n",
                                     "test_calc.py": "from calc import add\n\ndef test_add():\n    assert add(1, 2) == 3\n"})
    assert res["python compile + pyflakes"].status == "passed"
    assert res["pytest"].status == "failed"
    assert "1 failed" in res["pytest"].detail.splitlines()[0]
    assert "assert -1 == 3" in format_findings(list(res.values()), tmp_path)


def test_python_undeclared_import_is_a_finding_declared_is_not(tmp_path, sandbox):
    files = {"app.py": "import json\nimport requests\nimport yaml\nfrom helpers import x\n", "helpers.py": "x = 1\n"}
    res = check(tmp_path, sandbox, files, ["app.py"])
    assert res["imports"].status == "failed"
    assert [f.line for f in res["imports"].findings] == [2, 3]
    assert "declare it in requirements.txt" in res["imports"].findings[0].message
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["requests>=2", "PyYAML"]\n')
    assert check(tmp_path, sandbox, files, ["app.py"])["imports"].status == "passed"


def test_javascript_check_and_node_test(tmp_path, sandbox):
    res = check(tmp_path, sandbox, {"lib.js": "function f( {\n}\n"})
    assert res["node --check"].status == "failed" and res["node --check"].findings[0].path == "lib.js"
    res = check(tmp_path, sandbox, {
        "lib.js": "exports.add = (a, b) => a - b;\n",
        "test/lib.test.js": "const test = require('node:test');\nconst assert = require('node:assert');\n"
                            "const { add } = require('../lib.js');\ntest('add', () => { assert.strictEqual(add(1, 2), 3); });\n",
    })
    assert res["node --check"].status == "passed"
    assert res["node --test"].status == "failed"


def test_javascript_undeclared_package(tmp_path, sandbox):
    files = {"app.js": "const fs = require('fs');\nconst _ = require('lodash');\nimport x from './x.js';\n"}
    res = check(tmp_path, sandbox, files)
    assert [f.message.split(",")[0] for f in res["imports"].findings] == ["imports 'lodash'"]
    (tmp_path / "package.json").write_text(json.dumps({"dependencies": {"lodash": "^4"}}))
    assert check(tmp_path, sandbox, files)["imports"].status == "passed"


def test_typescript_type_error(tmp_path, sandbox):
    res = check(tmp_path, sandbox, {"a.ts": "const n: number = 'text';\nexport {};\n"})
    assert res["tsc --noEmit"].status == "failed"
    assert res["tsc --noEmit"].findings[0].line == 1


def test_php_lint(tmp_path, sandbox):
    res = check(tmp_path, sandbox, {"index.php": "<?php\necho 'hi'\necho 'there';\n"})
    assert res["php -l"].status == "failed" and res["php -l"].findings[0].line == 3
    assert check(tmp_path / "ok", sandbox, {"index.php": "<?php\necho 'hi';\n"})["php -l"].status == "passed"


COMPOSER = {"require": {"php": ">=8.1", "ext-json": "*", "monolog/monolog": "^3", "nesbot/carbon": "^2",
                         "symfony/console": "^6"}, "autoload": {"psr-4": {"App\\": "src/"}}}
PHP_USES = """<?php
namespace App\\Http;

use Monolog\\Logger;
use Carbon\\Carbon;
use Symfony\\Component\\Console\\Command\\Command;
use App\\Models\\User;
use Tools\\Strings;
use DateTime;
use Random\\Randomizer;
use GuzzleHttp\\{Client, Psr7};
use function Imagined\\Helpers\\slugify;

class Controller {
    use Loggable;
}
"""


def test_php_uses_of_undeclared_packages_are_findings(tmp_path, sandbox):
    files = {"composer.json": json.dumps(COMPOSER), "src/Http/Controller.php": PHP_USES,
             "lib/Strings.php": "<?php\nnamespace Tools;\n\nclass Strings {}\n"}
    res = check(tmp_path, sandbox, files, task_files=["src/Http/Controller.php"])
    assert res["php -l"].status == "passed"
    imports = res["imports"]
    assert imports.status == "failed"
    # Declared packages (vendor or package name), the project's own namespaces (autoloaded
    # or declared in its files), global and built-in classes pass; the rest is named.
    assert [(f.line, f.message.split(",")[0]) for f in imports.findings] == [
        (11, "uses GuzzleHttp\\"), (12, "uses Imagined\\Helpers\\slugify")]
    assert "composer.json does not require" in imports.findings[0].message


def test_php_packages_installed_by_composer_are_known_by_their_autoload(tmp_path, sandbox):
    installed = {"packages": [{"name": "guzzlehttp/guzzle", "autoload": {"psr-4": {"GuzzleHttp\\": "src/"}}},
                              {"name": "acme/helpers", "autoload": {"psr-4": {"Imagined\\Helpers\\": "src/"}}}]}
    files = {"composer.json": json.dumps(COMPOSER), "src/Http/Controller.php": PHP_USES,
             "lib/Strings.php": "<?php\nnamespace Tools;\n\nclass Strings {}\n",
             "vendor/composer/installed.json": json.dumps(installed)}
    res = check(tmp_path, sandbox, files, task_files=["src/Http/Controller.php"])
    assert res["imports"].status == "passed", res["imports"].findings


def test_go_vet_build_and_test(tmp_path, sandbox):
    res = check(tmp_path, sandbox, {
        "go.mod": "module example.com/calc\n\ngo 1.19\n",
        "calc.go": "package calc\n\nfunc Add(a, b int) int { return a - b }\n",
        "calc_test.go": 'package calc\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(1, 2) != 3 {\n\t\tt.Fatal("Add(1, 2) should be 3")\n\t}\n}\n',
    })
    assert res["gofmt"].status == "passed" and res["go vet"].status == "passed" and res["go build"].status == "passed"
    assert res["go test"].status == "failed"
    assert "calc_test.go:7" in format_findings(list(res.values()), tmp_path)
    broken = check(tmp_path / "b", sandbox, {"main.go": "package main\n\nfunc main( {\n}\n"})
    assert broken["gofmt"].status == "failed"


def test_web_page_errors_and_screenshot(tmp_path, sandbox):
    res = check(tmp_path, sandbox, {
        "index.html": '<!doctype html><html><head><title>x</title><link rel="stylesheet" href="missing.css"></head>'
                      '<body><h1>Hi</h1><script src="app.js"></script></body></html>',
        "app.js": "console.error('boom');\nnotAFunction();\n",
    }, ["index.html"])
    result = res["chromium index.html"]
    assert result.status == "failed"
    messages = [f.message for f in result.findings]
    assert any("notAFunction is not defined" in m for m in messages)
    assert any(m == "console error: boom" for m in messages)
    assert any("missing.css" in m and "404" in m for m in messages)
    assert (tmp_path.parent / "artifacts" / "t1-index.html.png").stat().st_size > 1000


def test_clean_web_page_passes(tmp_path, sandbox):
    res = check(tmp_path, sandbox, {"index.html": "<!doctype html><html><head><title>x</title></head><body><p id=a></p>"
                                                  "<script>document.getElementById('a').textContent = 'ok';</script></body></html>"})
    assert res["chromium index.html"].status == "passed"


def test_missing_toolchain_is_not_checked_and_never_a_plain_pass(tmp_path, sandbox, monkeypatch):
    """A tool missing here is not the coder's failure (no attempt is burnt on it), and not a
    success either: QA accepts the work as NOT CHECKED with what to install, and the run's
    verdict counts it (test_team_logic)."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    ctx = Context(tmp_path, tree(tmp_path, {"index.php": "<?php echo 1;\n"}), sandbox)
    results = syntax_checks(ctx)
    assert [(r.status, r.detail) for r in results] == [("not_checked", "not checked: php not installed")]
    outcome, why = verdict(results)
    assert outcome == "pass" and why.startswith("NOT CHECKED") and "php not installed" in why and "doctor" in why


def test_suite_without_tests_is_not_checked(tmp_path, sandbox):
    files = tree(tmp_path, {"a.py": "x = 1\n"})
    assert [r.status for r in suite_checks(Context(tmp_path, files, sandbox), files)] == ["not_checked"]


def test_findings_are_short():
    many = [CheckResult(f"check {i}", "failed", "detail\n" * 30, [Finding("a.py", None, "bad")] * 5) for i in range(10)]
    text = format_findings(many, Path("/nonexistent"))
    assert len(text.splitlines()) == 50 and text.splitlines()[-1].startswith("... (")


def test_pytest_options_that_need_a_plugin_still_run(tmp_path, sandbox):
    res = check(tmp_path, sandbox, {
        "pyproject.toml": '[project]\nname = "x"\n[tool.pytest.ini_options]\naddopts = "--timeout=30"\n',
        "test_a.py": "def test_a():\n    assert True\n",
    })
    assert res["pytest"].status == "passed", res["pytest"].detail


def test_checker_scripts_see_every_site_packages_the_interpreter_sees(monkeypatch: pytest.MonkeyPatch) -> None:
    """A venv made with --system-site-packages keeps pyflakes and playwright in the system's
    site-packages; the checkers run with -S, so PYTHONPATH must name both."""
    import os
    import sys

    venv, system = "/opt/venv/lib/python3.11/site-packages", "/opt/py/lib/python3.11/site-packages"
    monkeypatch.setattr(sys, "path", ["/work/app", venv, "/opt/py/lib/python3.11", system, venv])
    _, env = script_argv(Path("pycheck.py"))
    assert env["PYTHONPATH"].split(os.pathsep) == [venv, system]

