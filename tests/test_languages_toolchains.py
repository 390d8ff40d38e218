"""The languages QA knows, with their real toolchains in the real sandbox: TypeScript
tests (tsc, then node --test), PHP tests (crewmux's plain-PHP runner, no phpunit), Rust
(cargo check, cargo clippy, cargo test)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crewmux.workspace.sandbox import Sandbox
from crewmux.workspace.validators import Context, format_findings, review_checks
from crewmux.workspace.validators.base import CheckResult
from crewmux.workspace.validators import rust

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return Sandbox()


def _need(*tools: str) -> None:
    for tool in tools:
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed")


def check(root: Path, sandbox: Sandbox, files: dict[str, str]) -> dict[str, CheckResult]:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    ctx = Context(root, list(files), sandbox, timeout=120, artifacts=root.parent / "artifacts")
    return {r.name: r for r in review_checks(ctx, list(files))}


TS_CALC = "export function add(a: number, b: number): number {\n    return a + b;\n}\n"
TS_TEST = ("import test from 'node:test';\nimport assert from 'node:assert';\nimport { add } from '../calc';\n\n"
           "test('adds', () => {\n    assert.strictEqual(add(2, 3), 5);\n});\n")


def test_typescript_tests_run_and_pass(tmp_path, sandbox):
    _need("tsc", "node")
    res = check(tmp_path / "w", sandbox, {"calc.ts": TS_CALC, "test/calc.test.ts": TS_TEST})
    assert res["node --test (TypeScript)"].status == "passed", res["node --test (TypeScript)"].detail
    assert not list((tmp_path / "w").rglob("*.js")), "the compiled tests stay in the sandbox's /tmp"


def test_typescript_test_failure_is_a_finding(tmp_path, sandbox):
    _need("tsc", "node")
    res = check(tmp_path / "w", sandbox, {"calc.ts": TS_CALC.replace("a + b", "a - b"), "test/calc.test.ts": TS_TEST})
    result = res["node --test (TypeScript)"]
    assert result.status == "failed"
    assert "-1" in result.detail and "5" in result.detail


def test_typescript_and_javascript_tests_run_together(tmp_path, sandbox):
    _need("tsc", "node")
    js_test = "const test = require('node:test');\nconst assert = require('node:assert');\ntest('js', () => assert.ok(false));\n"
    res = check(tmp_path / "w", sandbox, {"calc.ts": TS_CALC, "test/calc.test.ts": TS_TEST, "test/extra.test.js": js_test})
    assert "node --test" not in res  # one run, not two
    assert res["node --test (TypeScript)"].status == "failed"


PHP_CALC = "<?php\nfunction add(int $a, int $b): int {\n    return $a + $b;\n}\n"
PHP_TEST = ("<?php\nuse PHPUnit\\Framework\\TestCase;\nrequire_once __DIR__ . '/calc.php';\n\n"
            "class CalcTest extends TestCase {\n    public function testAdd(): void {\n        $this->assertSame(5, add(2, 3));\n    }\n"
            "    public function testThrows(): void {\n        $this->expectException(TypeError::class);\n        add('x', 1);\n    }\n}\n")


def test_php_tests_run_without_phpunit(tmp_path, sandbox):
    _need("php")
    if shutil.which("phpunit"):
        pytest.skip("phpunit is installed: the plain runner is not used")
    res = check(tmp_path / "w", sandbox, {"calc.php": PHP_CALC, "CalcTest.php": PHP_TEST})
    assert res["php tests"].status == "passed", res["php tests"].detail
    assert "2 tests, 2 passed" in res["php tests"].detail


def test_php_test_failure_names_the_test_and_line(tmp_path, sandbox):
    _need("php")
    if shutil.which("phpunit"):
        pytest.skip("phpunit is installed: the plain runner is not used")
    res = check(tmp_path / "w", sandbox, {"calc.php": PHP_CALC.replace("$a + $b", "$a * $b"), "CalcTest.php": PHP_TEST})
    result = res["php tests"]
    assert result.status == "failed"
    assert "CalcTest::testAdd" in result.detail and "expected 5, got 6" in result.detail
    assert any(f.path == "CalcTest.php" and f.line == 7 for f in result.findings)


CARGO = '[package]\nname = "stack"\nversion = "0.1.0"\nedition = "2021"\n'
RUST_LIB = ("pub struct Stack { items: Vec<i32> }\n\nimpl Stack {\n    pub fn new() -> Self { Stack { items: Vec::new() } }\n"
            "    pub fn push(&mut self, x: i32) { self.items.push(x); }\n    pub fn pop(&mut self) -> Option<i32> { self.items.pop() }\n}\n\n"
            "impl Default for Stack {\n    fn default() -> Self { Self::new() }\n}\n")
RUST_TEST = ("use stack::Stack;\n\n#[test]\nfn push_then_pop() {\n    let mut s = Stack::new();\n    s.push(3);\n"
             "    assert_eq!(s.pop(), Some(3));\n    assert_eq!(s.pop(), None);\n}\n")


def test_rust_check_clippy_and_tests_pass(tmp_path, sandbox):
    _need("cargo")
    if rust.sysroot() is None:
        pytest.skip("no rust toolchain directory")
    res = check(tmp_path / "w", sandbox, {"Cargo.toml": CARGO, "src/lib.rs": RUST_LIB, "tests/stack.rs": RUST_TEST})
    assert res["cargo check"].status == "passed", res["cargo check"].detail
    assert res["cargo test"].status == "passed", res["cargo test"].detail
    if (rust.sysroot() / "bin" / "cargo-clippy").is_file():
        assert res["cargo clippy"].status == "passed", res["cargo clippy"].detail
    assert not (tmp_path / "w" / "target").exists(), "the build goes to the run's cache, not the worktree"


def test_rust_type_error_is_found_at_its_line(tmp_path, sandbox):
    _need("cargo")
    res = check(tmp_path / "w", sandbox, {"Cargo.toml": CARGO, "src/lib.rs": RUST_LIB.replace("self.items.pop()", "self.items.len()")})
    result = res["cargo check"]
    assert result.status == "failed"
    assert any(f.path == "src/lib.rs" and f.line == 6 for f in result.findings), result
    assert "cargo test" not in res  # code that does not build is not tested
    assert "mismatched types" in format_findings(list(res.values()), tmp_path / "w")


def test_rust_failing_test_is_a_finding(tmp_path, sandbox):
    _need("cargo")
    res = check(tmp_path / "w", sandbox, {"Cargo.toml": CARGO, "src/lib.rs": RUST_LIB.replace("self.items.pop()", "self.items.first().copied()"),
                                          "tests/stack.rs": RUST_TEST})
    result = res["cargo test"]
    assert result.status == "failed"
    assert "push_then_pop" in result.detail


def test_rust_lone_file_is_checked_by_rustc(tmp_path, sandbox):
    _need("rustc")
    res = check(tmp_path / "w", sandbox, {"lib.rs": "pub fn f() -> i32 { \"x\" }\n"})
    assert res["rustc"].status == "failed" and res["rustc"].findings[0].line == 1
