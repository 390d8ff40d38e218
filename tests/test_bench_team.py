"""crewmux bench in team mode, end to end: a real headless ``crewmux run`` (tmux, agents,
git, sandboxed QA) on a scripted team, scored by the hidden checks on the merged branch,
next to single mode on the same scripted server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crewmux.agents.llm.fake_server import FakeLLMServer
from crewmux.benchmark.episodes import EpisodeStore
from crewmux.cli import main

FIXTURES = Path(__file__).parent / "bench_fixtures" / "suite"
pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]

RIGHT = "def add(a, b):\n    return a + b\n"
WRONG = "def add(a, b):\n    return a - b\n"
TEST = "from adder import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"


def files(**content: str) -> str:
    return "\n".join(f"{path.replace('_py', '.py')}\n```python\n{body}```\n" for path, body in content.items())


SCRIPT = {
    "tps": 0, "ttft": 0,
    "rules": [
        {"role": "cto", "structured": True, "reply": {"summary": "an adder", "tasks": [{
            "id": "t1", "title": "adder", "description": "adder.py: add(a, b) returns a + b, with a test.",
            "files": ["adder.py", "test_adder.py"], "language": "python", "depends_on": [],
            "acceptance": ["add(2, 3) == 5"]}]}},
        # The team's coder is wrong first; QA's run of its test sends it back; then right.
        {"role": "coder", "task": "t1", "attempt": 1, "reply": files(adder_py=WRONG, test_adder_py=TEST)},
        {"role": "coder", "task": "t1", "reply": files(adder_py=RIGHT, test_adder_py=TEST)},
        {"role": "qa", "reply": files(test_qa_t1_py=TEST)},
        # Single mode asks as a coder of the bench's own task id: always wrong.
        {"role": "coder", "task": "add-numbers", "reply": files(adder_py=WRONG)},
    ],
    "default": {"reply": "nothing scripted"},
}


def test_team_mode_scores_the_merged_branch_beside_single_mode(tmp_path: Path):
    out = tmp_path / "out"
    with FakeLLMServer(SCRIPT) as fake:
        code = main(["bench", "--suite", str(FIXTURES), "--task", "add-numbers", "--model", "fake-coder:7b",
                     "--provider", "ollama", "--base-url", fake.url, "--mode", "single", "--mode", "team",
                     "--tries", "1", "--team-wall", "150", "--out", str(out), "--episodes", str(tmp_path / "ep.sqlite")])
    assert code == 0
    results = {r["mode"]: r for r in map(json.loads, (out / "results.jsonl").read_text().splitlines())}
    team = results["team"]
    logs = "\n".join(p.read_text()[-3000:] for p in (out / "team").rglob("try-*.log"))
    assert team["passed"] and team["passed_on_try"] == 1, (team, logs)
    run = team["team"]["runs"][0]
    assert run["status"] == "succeeded" and run["retries"] == 1 and run["attempts"] == 2, run
    assert team["first_reply_passed_but_failed"] is False
    assert team["team"]["coder_replies"] == 2 and team["steps_to_green"] == 2
    assert team["completion_tokens"] > 0 and team["prompt_tokens"] > 0
    assert not results["single"]["passed"] and results["single"]["failure"] == "test_failure"
    summary = {s["mode"]: s for s in json.loads((out / "summary.json").read_text())}
    assert summary["team"]["pass_rate_1"] == 100.0 and summary["single"]["pass_rate_1"] == 0.0
    assert summary["team"]["team_retries"] == 1 and summary["team"]["first_reply_passed_but_failed"] == 0
    md = (out / "report.md").read_text()
    assert "Team against one call" in md and "Inside the team runs" in md
    # The project the team worked in: seeded with the stub, never given the hidden test.
    project = out / "team" / "fake-coder_7b" / "add-numbers" / "try-1"
    assert (project / "adder.py").read_text() == "def add(a, b):\n    pass\n"
    assert not list(project.rglob("test_hidden_adder.py"))
    # The team's coder replies are episodes too: wrong then fixed.
    with EpisodeStore(tmp_path / "ep.sqlite") as store:
        team_eps = [e for e in store.all() if e.mode == "team"]
    assert [e.outcome for e in team_eps] == ["fail", "pass"]
    # A run made outside the bench goes into a store the same way.
    [run_dir] = (project / ".crewmux" / "runs").iterdir()
    sft = tmp_path / "sft.jsonl"
    assert main(["episodes", "export", "--db", str(tmp_path / "other.sqlite"), "--add-run", str(run_dir), "--sft", str(sft)]) == 0
    [pair] = map(json.loads, sft.read_text().splitlines())
    assert "return a + b" in pair["messages"][-1]["content"] and "return a - b" in pair["failed"]["reply"]


def test_a_right_first_reply_that_the_team_still_failed_is_counted(tmp_path: Path):
    # The coder's adder is right every time, but the test it ships beside it is wrong, so
    # the team's own checks reject every attempt: the hidden checks pass on attempt 1's commit.
    bad_test = "from adder import add\n\n\ndef test_add():\n    assert add(2, 3) == 6\n"
    script = {**SCRIPT, "rules": [SCRIPT["rules"][0],
                                  {"role": "coder", "task": "t1", "reply": files(adder_py=RIGHT, test_adder_py=bad_test)},
                                  {"role": "qa", "reply": files(test_qa_t1_py=bad_test)}]}
    out = tmp_path / "out"
    with FakeLLMServer(script) as fake:
        code = main(["bench", "--suite", str(FIXTURES), "--task", "add-numbers", "--model", "fake-coder:7b",
                     "--base-url", fake.url, "--mode", "team", "--tries", "1", "--team-wall", "150", "--out", str(out),
                     "--episodes", "none"])
    assert code == 0
    [team] = map(json.loads, (out / "results.jsonl").read_text().splitlines())
    logs = "\n".join(p.read_text()[-3000:] for p in (out / "team").rglob("try-*.log"))
    assert not team["passed"] and team["failure"] == "test_failure", (team, logs)
    assert team["team"]["runs"][0]["status"] != "succeeded"
    assert team["first_reply_passed_but_failed"] is True
    [summary] = json.loads((out / "summary.json").read_text())
    assert summary["first_reply_passed_but_failed"] == 1
