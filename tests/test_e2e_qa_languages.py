"""End to end with the scripted model: QA writes tests in the languages the table gives it
a runner for (TypeScript, PHP, Rust), names the runner and the file from the table, and
the tests really run with the toolchain in the sandbox: a wrong answer fails on them,
the fixed one passes and is merged with QA's tests."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crewmux.agents.llm.fake_server import FakeLLMServer
from crewmux.protocol.events import read_events
from crewmux.protocol.rundir import list_runs

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
F = "```"


def plan(files: list[str], language: str, module: str) -> dict:
    return {"summary": "add", "tasks": [{
        "id": "t1", "title": "An add function", "files": files, "language": language,
        "acceptance": ["add(2, 3) returns 5", "add(-1, 1) returns 0"],
        "contract": {"functions": [{"name": "add", "module": module, "params": ["a", "b"], "returns": "the sum a + b"}]}}]}


CASES = {
    "typescript": dict(
        tools=["tsc", "node"], files=["calc.ts"], module="calc.ts", test_file="test/qa_t1.test.ts",
        code=lambda op: f"calc.ts\n{F}ts\nexport function add(a: number, b: number): number {{\n    return a {op} b;\n}}\n{F}\n",
        tests=(f"test/qa_t1.test.ts\n{F}ts\nimport test from 'node:test';\nimport assert from 'node:assert';\n"
               f"import {{ add }} from '../calc';\n\ntest('adds', () => {{\n    assert.strictEqual(add(2, 3), 5);\n"
               f"    assert.strictEqual(add(-1, 1), 0);\n}});\n{F}\n"),
        check="node --test (TypeScript)"),
    "php": dict(
        tools=["php"], files=["calc.php"], module="calc.php", test_file="QaT1Test.php",
        code=lambda op: f"calc.php\n{F}php\n<?php\nfunction add($a, $b) {{\n    return $a {op} $b;\n}}\n{F}\n",
        tests=(f"QaT1Test.php\n{F}php\n<?php\nuse PHPUnit\\Framework\\TestCase;\nrequire_once __DIR__ . '/calc.php';\n\n"
               f"class QaT1Test extends TestCase {{\n    public function testAdd(): void {{\n        $this->assertSame(5, add(2, 3));\n"
               f"        $this->assertSame(0, add(-1, 1));\n    }}\n}}\n{F}\n"),
        check="php tests"),
    "rust": dict(
        tools=["cargo"], files=["Cargo.toml", "src/lib.rs"], module="src/lib.rs", test_file="tests/qa_t1.rs",
        code=lambda op: (f"Cargo.toml\n{F}toml\n[package]\nname = \"calc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n{F}\n\n"
                         f"src/lib.rs\n{F}rust\npub fn add(a: i64, b: i64) -> i64 {{\n    a {op} b\n}}\n{F}\n"),
        tests=(f"tests/qa_t1.rs\n{F}rust\nuse calc::add;\n\n#[test]\nfn adds() {{\n    assert_eq!(add(2, 3), 5);\n"
               f"    assert_eq!(add(-1, 1), 0);\n}}\n{F}\n"),
        check="cargo test"),
}


@pytest.mark.parametrize("language", sorted(CASES))
def test_qa_writes_and_runs_tests_in_the_language(language: str, git_project: Path, tmp_path: Path):
    case = CASES[language]
    for tool in case["tools"]:
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed")
    script = {"tps": 0, "ttft": 0, "rules": [
        {"role": "cto", "reply": plan(case["files"], language, case["module"])},
        {"role": "coder", "attempt": 1, "reply": case["code"]("-")},
        {"role": "coder", "reply": case["code"]("+")},
        {"role": "qa", "reply": case["tests"]}]}
    with FakeLLMServer(script) as fake:
        (git_project / "crewmux.toml").write_text(f'coders = 1\n[default]\nprovider = "ollama"\nmodel = "m:1.5b"\n'
                                                   f'base_urls = ["{fake.url}"]\n[budgets]\nwall_seconds = 240\n')
        proc = subprocess.run([sys.executable, "-m", "crewmux", "run", "--headless", "--project", str(git_project),
                               f"Write an add function in {language}, tested"], capture_output=True, text=True, timeout=280)
        qa_prompts = [r for r in fake.requests if r.get("crewmux", {}).get("role") == "qa"]
    run = list_runs(git_project)[-1]
    logs = proc.stdout + proc.stderr + "".join(p.read_text(errors="replace")[-3000:] for p in sorted(run.logs_dir.glob("*")))
    report = json.loads(run.report_json.read_text())
    assert report["status"] == "succeeded", logs
    assert report["tasks"][0]["passed_on_try"] == 2, logs
    verdicts = [e.data["checks"] for e in read_events(run.events_dir / "qa.jsonl") if e.kind == "verdict"]
    assert verdicts[0][case["check"]] == "failed" and verdicts[1][case["check"]] == "passed", verdicts
    # QA named the table's runner and test file to its model.
    prompt = json.dumps(qa_prompts[0])
    assert f"Name the test file: {case['test_file']}" in prompt, prompt[:2000]
    files = subprocess.run(["git", "ls-tree", "-r", "--name-only", f"crewmux/{run.run_id}"], cwd=git_project,
                           capture_output=True, text=True, check=True).stdout.split()
    assert case["test_file"] in files, files
