"""The issue's word-count run, scripted as the 1.5B model behaved: a plan of 8 chained
tasks on src/cli.py, a right first attempt, and QA's model inventing
``count_words(text) -> dict``. The team must pass it on the first try."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crewmux.agents.llm.fake_server import FakeLLMServer
from crewmux.protocol.events import read_events
from crewmux.protocol.rundir import list_runs

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]
F = "```"
BRIEF = ("Build a Python command line tool that counts words in a text file: python3 cli.py FILE prints each word "
         "and its count, most frequent first")
PLAN = {"summary": "word count", "tasks": [
    {"id": f"t{i}", "title": title, "files": ["src/cli.py"], "language": "python", "depends_on": [f"t{i - 1}"] if i > 1 else [],
     "acceptance": ["python3 src/cli.py FILE prints each word and its count, most frequent first",
                    "count_words counts every word of the file"],
     "contract": {"functions": [{"name": "count_words", "module": "src/cli.py", "params": ["file_path"],
                                 "returns": "None: prints word: count lines"}]} if i == 1 else {}}
    for i, title in enumerate(["Create the cli.py file", "Write the main function in cli.py", "Write the sorting logic in cli.py",
                               "Read the file in cli.py", "Count the words in cli.py", "Print the counts in cli.py",
                               "Handle arguments in cli.py", "Finish cli.py"], start=1)]}
RIGHT = f"""cli.py
{F}python
import sys
from collections import Counter


def count_words(file_path):
    with open(file_path) as handle:
        counts = Counter(handle.read().split())
    for word, count in counts.most_common():
        print(f"{{word}}: {{count}}")


if __name__ == "__main__":
    count_words(sys.argv[1])
{F}
"""
INVENTED = f"""test_cli.py
{F}python
from cli import count_words

def test_empty():
    assert count_words('') == {{}}

def test_hello():
    assert count_words('hello') == {{'hello': 1}}
{F}
"""


def test_the_word_count_brief_passes_on_the_first_try(git_project: Path, tmp_path: Path):
    script = {"tps": 0, "ttft": 0, "rules": [
        {"role": "cto", "reply": PLAN},
        {"role": "coder", "reply": RIGHT},
        {"role": "qa", "reply": INVENTED},
    ]}
    with FakeLLMServer(script, request_log=tmp_path / "requests.jsonl") as fake:
        (git_project / "crewmux.toml").write_text(f"""coders = 1

[default]
provider = "ollama"
model = "qwen2.5-coder:1.5b"
base_urls = ["{fake.url}"]

[budgets]
wall_seconds = 200
""")
        proc = subprocess.run([sys.executable, "-m", "crewmux", "run", "--headless", "--project", str(git_project), BRIEF],
                              capture_output=True, text=True, timeout=200)
        requests = fake.requests
    run = list_runs(git_project)[-1]
    logs = proc.stdout + "".join(p.read_text(errors="replace")[-3000:] for p in sorted(run.logs_dir.glob("*")))
    report = json.loads(run.report_json.read_text())
    assert report["status"] == "succeeded", logs
    (task,) = report["tasks"]
    assert task["passed_on_try"] == 1 and task["history"][0]["rung"] == "first", logs
    assert len(task["history"][0]["commit"]) == 40  # the bench scores the first attempt from it
    assert report["escalations"] == 0
    # One task, at the path the brief names; the built CLI works.
    files = subprocess.run(["git", "ls-tree", "-r", "--name-only", f"crewmux/{run.run_id}"], cwd=git_project,
                           capture_output=True, text=True, check=True).stdout.split()
    assert "cli.py" in files and "src/cli.py" not in files
    checkout = tmp_path / "checkout"
    subprocess.run(["git", "worktree", "add", "-q", str(checkout), f"crewmux/{run.run_id}"], cwd=git_project, check=True)
    (checkout / "words.txt").write_text("b a b\n")
    out = subprocess.run([sys.executable, "cli.py", "words.txt"], cwd=checkout, capture_output=True, text=True)
    assert out.stdout.splitlines() == ["b: 2", "a: 1"]
    # The brief names one file: one task, no planning model asked. QA ran the brief's command
    # and asked its model for no unit test (the contract names no function to test).
    roles = [r.get("crewmux", {}).get("role") for r in requests if r.get("method") == "POST" and r.get("crewmux", {}).get("role")]
    assert roles == ["coder"]
    verdicts = [e for e in read_events(run.events_dir / "qa.jsonl") if e.kind == "verdict"]
    assert verdicts[0].data["checks"]["criterion: python3 cli.py input.txt"] == "passed"


def test_the_chained_plan_and_invented_tests_pass_on_the_first_try(git_project: Path, tmp_path: Path):
    """A brief the CTO's model plans (it names two files): its 8-task chain on src/cli.py is
    one task at cli.py, and the tests QA's model invents against the contract are dropped."""
    brief = BRIEF + ". Put tests, if any, in test_cli.py."
    script = {"tps": 0, "ttft": 0, "rules": [{"role": "cto", "reply": PLAN}, {"role": "coder", "reply": RIGHT},
                                             {"role": "qa", "reply": INVENTED}]}
    with FakeLLMServer(script) as fake:
        (git_project / "crewmux.toml").write_text(f'coders = 1\n[default]\nprovider = "ollama"\nmodel = "m:1.5b"\n'
                                                   f'base_urls = ["{fake.url}"]\n[budgets]\nwall_seconds = 200\n')
        proc = subprocess.run([sys.executable, "-m", "crewmux", "run", "--headless", "--project", str(git_project), brief],
                              capture_output=True, text=True, timeout=200)
        requests = fake.requests
    run = list_runs(git_project)[-1]
    report = json.loads(run.report_json.read_text())
    assert report["status"] == "succeeded" and report["tasks_total"] == 1, proc.stdout
    assert report["tasks"][0]["passed_on_try"] == 1
    assert "qa" in [r.get("crewmux", {}).get("role") for r in requests]
    verdicts = [e for e in read_events(run.events_dir / "qa.jsonl") if e.kind == "verdict"]
    assert [d.split(":")[0] for d in verdicts[0].data["dropped_tests"]] == ["test_empty", "test_hello"]
