"""The table of languages (workspace/languages.py): what each entry says, and that the
validators, QA and the context read it (a language added to the table is checked)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crewmux.agents import context
from crewmux.agents.qa import RUNNERS, qa_test_file
from crewmux.protocol.plan import PlanTask
from crewmux.workspace import languages
from crewmux.workspace.validators import CheckResult, Context, is_test_file, language_of, review_checks, suite_checks


@pytest.mark.parametrize("path, lang", [
    ("app.py", "python"), ("web/main.js", "javascript"), ("lib.mjs", "javascript"), ("src/a.ts", "typescript"),
    ("ui.tsx", "typescript"), ("index.php", "php"), ("main.go", "go"), ("src/lib.rs", "rust"), ("index.html", "web"),
    ("style.css", "web"), ("README.md", None),
])
def test_language_by_suffix(path, lang):
    assert language_of(path) == lang


@pytest.mark.parametrize("path, test", [
    ("test_calc.py", True), ("calc_test.py", True), ("calc.py", False), ("test/a.test.js", True), ("a.test.js", True),
    ("test/qa_t1.test.ts", True), ("src/a.spec.ts", True), ("src/a.ts", False), ("CalcTest.php", True), ("Calc.php", False),
    ("pkg/calc_test.go", True), ("tests/integration.rs", True), ("src/lib.rs", False),
])
def test_test_file_rule(path, test):
    assert is_test_file(path) is test


def test_every_language_qa_writes_tests_for_has_a_test_runner_and_a_file_that_is_a_test():
    task = PlanTask(id="t1", title="x", files=["pkg/calc.go", "src/Calc.php"])
    assert set(RUNNERS) == {"python", "javascript", "typescript", "php", "go", "rust"}
    for name in RUNNERS:
        target = qa_test_file(task, name)
        assert is_test_file(target), target
        assert language_of(target) == name
        assert languages.BY_NAME[name].tests is not None
    assert qa_test_file(task, "go") == "pkg/qa_t1_test.go"
    assert qa_test_file(task, "php") == "src/QaT1Test.php"
    assert qa_test_file(task, "rust") == "tests/qa_t1.rs"


def test_context_reads_the_table_for_signatures_and_manifests():
    assert "Cargo.toml" in context.MANIFESTS and "package.json" in context.MANIFESTS
    rust = "pub struct Stack { items: Vec<i32> }\nimpl Stack {\n    pub fn push(&mut self, x: i32) {\n    }\n}\nfn helper() -> u8 { 1 }\n"
    assert context.file_signatures("src/lib.rs", rust) == [
        "pub struct Stack", "impl Stack", "pub fn push(&mut self, x: i32)", "fn helper() -> u8"]
    assert context.file_signatures("a.ts", "export function add(a: number, b: number): number {\n}\n") == [
        "export function add(a: number, b: number)"]


def test_scan_project_shows_rust_code(tmp_path):
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "demo"\n')
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "lib.rs").write_text("pub fn answer() -> i32 { 42 }\n")
    text = context.scan_project(tmp_path)
    assert "Cargo.toml:" in text and "pub fn answer() -> i32" in text


class _NoSandbox:
    def run(self, *args, **kwargs):
        raise AssertionError("the fake language runs no tool")


def test_a_language_added_to_the_table_is_checked_by_qa_and_the_suite(tmp_path, monkeypatch):
    calls: list[str] = []

    def syntax(ctx: Context) -> CheckResult:
        calls.append("syntax")
        return CheckResult("zig ast-check", "passed")

    def tests(ctx: Context, all_files: list[str]) -> CheckResult:
        calls.append("tests")
        return CheckResult("zig test", "passed")

    zig = languages.Language("zig", (".zig",), lambda p: p.endswith("_test.zig"), syntax, False, tests)
    monkeypatch.setattr(languages, "LANGUAGES", (*languages.LANGUAGES, zig))
    monkeypatch.setitem(languages.BY_NAME, "zig", zig)
    monkeypatch.setitem(languages._BY_SUFFIX, ".zig", zig)
    (tmp_path / "main.zig").write_text("pub fn main() void {}\n")
    ctx = Context(Path(tmp_path), ["main.zig"], _NoSandbox())
    names = [r.name for r in review_checks(ctx, ["main.zig", "main_test.zig"])]
    assert names == ["zig ast-check", "zig test"]
    assert [r.name for r in suite_checks(ctx, ["main.zig"])] == ["zig test"]
    assert is_test_file("main_test.zig") and calls == ["syntax", "tests", "tests"]
