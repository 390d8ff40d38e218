"""QA in-process against the scripted model: tests written from the acceptance criteria."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crewmux.protocol.rundir import build_agents
from crewmux.agents.llm.fake_server import FakeLLMServer
from crewmux.agents.qa import QA
from crewmux.config import Config, ModelConfig
from crewmux.protocol.mailbox import deliver
from crewmux.protocol.messages import ReviewRequest
from crewmux.protocol.plan import PlanTask
from crewmux.protocol.rundir import RunDir
from crewmux.workspace import git

pytestmark = pytest.mark.timeout(90)
F = "```"
JS_TEST = f"""test/whatever.test.js
{F}javascript
const test = require("node:test");
const assert = require("node:assert");
const {{ slug }} = require("../slug.js");

test("spaces become dashes", () => {{
  assert.strictEqual(slug("Hello World"), "hello-world");
}});
{F}
"""


def review(hears, project: Path, rules: list[dict], files: dict[str, str], task: PlanTask, agents: list | None = None) -> tuple[RunDir, object, list[dict]]:
    """QA reviews ``files`` as task ``task``'s first attempt; ``agents`` receives the QA agent."""
    with FakeLLMServer({"tps": 0, "ttft": 0, "rules": rules}) as fake:
        config = Config(default=ModelConfig(provider="ollama", model="fake-qa:7b", base_urls=[fake.url]))
        run = RunDir.create(project, "slugs", build_agents(1, 1), config=config.model_dump(mode="json"))
        base = git.start_branch(project, f"crewmux/{run.run_id}")
        wt = run.worktree("coder-1")
        git.add_worktree(project, wt, base)
        git.checkout_fresh(wt, base, branch=f"crewmux/{run.run_id}-t1")
        for name, text in files.items():
            (wt / name).write_text(text)
        commit = git.commit_all(wt, "t1")
        deliver(run.mail_root, ReviewRequest(run_id=run.run_id, sender="coordinator", recipient="qa", task_id=task.id,
                                             task=task, attempt=1, commit=commit, files=list(files)))
        qa = QA(run, "qa", heartbeat_interval=60)
        if agents is not None:
            agents.append(qa)
        replies = hears(qa)
        requests = fake.requests
    assert len(replies) == 1
    return run, replies[0], requests


TASK = PlanTask(id="t1", title="slug", files=["slug.js"], language="javascript",
                acceptance=["slug('Hello World') returns 'hello-world'"])


def test_qa_writes_tests_from_the_acceptance_criteria_and_commits_them(git_project: Path, until_coordinator_hears):
    code = {"slug.js": "exports.slug = (s) => s.toLowerCase().split(' ').join('-');\n"}
    run, result, requests = review(until_coordinator_hears, git_project, [{"role": "qa", "reply": JS_TEST}], code, TASK)
    assert result.verdict == "pass", result.findings
    asked = json.dumps(requests[0]["body"]["messages"])
    assert "slug('Hello World') returns 'hello-world'" in asked and "node:test" in asked
    assert requests[0]["crewmux"]["role"] == "qa"
    # The tests live where QA keeps this task's tests, on top of the coder's commit.
    assert git.show_file(git_project, result.commit, "test/qa_t1.test.js").startswith("const test")
    assert {c.name: c.status for c in result.checks}["node --test"] == "passed"
    assert (run.artifacts_dir / "qa-tests" / "t1" / "test" / "qa_t1.test.js").is_file()


def test_code_that_misses_the_criteria_fails_with_the_test_output(git_project: Path, until_coordinator_hears):
    code = {"slug.js": "exports.slug = (s) => s.toLowerCase();\n"}
    _, result, _ = review(until_coordinator_hears, git_project, [{"role": "qa", "reply": JS_TEST}], code, TASK)
    assert result.verdict == "fail"
    assert "FAILED node --test" in result.findings and "hello-world" in result.findings


def test_qa_model_failing_is_said_and_other_checks_still_count(git_project: Path, until_coordinator_hears):
    code = {"slug.js": "exports.slug = (s) => s.toLowerCase().split(' ').join('-');\n"}
    _, result, _ = review(until_coordinator_hears, git_project, [{"role": "qa", "fault": "http_500"}], code, TASK)
    assert "not checked: QA could not write tests" in result.findings
    assert {c.name: c.status for c in result.checks}["node --check"] == "passed" and result.verdict == "pass"


def test_an_attempt_qa_cannot_check_out_is_a_failure_said_why(git_project: Path, until_coordinator_hears):
    config = Config()
    run = RunDir.create(git_project, "x", build_agents(1, 1), config=config.model_dump(mode="json"))
    git.start_branch(git_project, f"crewmux/{run.run_id}")
    deliver(run.mail_root, ReviewRequest(run_id=run.run_id, sender="coordinator", recipient="qa", task_id="t1", task=TASK,
                                         attempt=1, commit="0" * 40))
    replies = until_coordinator_hears(QA(run, "qa", heartbeat_interval=60))
    assert [(m.type, m.verdict) for m in replies] == [("review_result", "fail")]
    assert "QA could not review this attempt" in replies[0].findings


def test_tests_are_rewritten_by_the_escalation_model_when_the_task_escalates(git_project: Path, until_coordinator_hears):
    wrong = JS_TEST.replace('"hello-world"', '"hello_world"')
    rules = [{"role": "qa", "model": "fake-big:70b", "reply": JS_TEST}, {"role": "qa", "reply": wrong}]
    with FakeLLMServer({"tps": 0, "ttft": 0, "rules": rules}) as fake:
        config = Config(default=ModelConfig(provider="ollama", model="fake-qa:7b", base_urls=[fake.url]),
                        escalation=ModelConfig(provider="ollama", model="fake-big:70b", base_urls=[fake.url]),
                        budgets={"escalate_after": 2})
        run = RunDir.create(git_project, "slugs", build_agents(1, 1), config=config.model_dump(mode="json"))
        base = git.start_branch(git_project, f"crewmux/{run.run_id}")
        wt = run.worktree("coder-1")
        git.add_worktree(git_project, wt, base)
        (wt / "slug.js").write_text("exports.slug = (s) => s.toLowerCase().split(' ').join('-');\n")
        commit = git.commit_all(wt, "t1")
        verdicts = []
        for attempt in (1, 2, 3):
            deliver(run.mail_root, ReviewRequest(run_id=run.run_id, sender="coordinator", recipient="qa", task_id="t1",
                                                 task=TASK, attempt=attempt, commit=commit, files=["slug.js"]))
            (reply,) = until_coordinator_hears(QA(run, "qa", heartbeat_interval=60))
            verdicts.append(reply.verdict)
            for path in (run.mailbox("coordinator") / "new").glob("*.json"):
                path.rename(run.mailbox("coordinator") / "done" / path.name)
        asked = [(r["crewmux"]["attempt"], r["body"]["model"]) for r in fake.requests if r.get("crewmux", {}).get("role") == "qa"]
    assert verdicts == ["fail", "fail", "pass"]
    assert asked == [("1", "fake-qa:7b"), ("3", "fake-big:70b")]  # attempt 2 reused attempt 1's tests


def test_python_is_checked_by_the_resident_checker_which_ends_with_qa(git_project: Path, until_coordinator_hears, processes_with):
    task = PlanTask(id="t1", title="greet", files=["greet.py"], language="python")
    code = {"greet.py": "def greet(name):\n    return 'hi ' + nmae\n"}
    agents: list = []
    run, result, _ = review(until_coordinator_hears, git_project, [], code, task, agents)
    assert result.verdict == "fail"
    assert "greet.py:2: undefined name 'nmae'" in result.findings
    assert agents[0].pycheck.served == 1
    assert agents[0].pycheck.pid is None
    assert processes_with(str(run.worktree("qa"))) == []
