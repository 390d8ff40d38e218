"""Escalation that escalates: the ladder's rungs in order, named, and each one really used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crewmux.agents.coder import Coder
from crewmux.protocol.rundir import build_agents
from crewmux.agents.escalation import RETRY_TEMPERATURE, bigger_model, build_ladder, is_escalation, model_size, supports_thinking
from crewmux.agents.llm.fake_server import FakeLLMServer
from crewmux.agents.qa import QA
from crewmux.agents.report import build_report, render_markdown
from crewmux.config import Budgets, Config, ModelConfig
from crewmux.protocol.events import read_events
from crewmux.protocol.mailbox import deliver
from crewmux.protocol.messages import ReviewRequest, Rung, Steer, TaskAssignment
from crewmux.protocol.plan import PlanTask
from crewmux.protocol.rundir import RunDir
from crewmux.protocol.state import AttemptRecord, RunState, TaskRecord
from crewmux.workspace import git

pytestmark = pytest.mark.timeout(120)
F = "```"
SMALL = ModelConfig(provider="ollama", model="qwen2.5-coder:1.5b")


def test_rungs_come_in_order_and_are_named():
    big = ModelConfig(provider="ollama", model="qwen2.5-coder:7b")
    thinker = ModelConfig(provider="ollama", model="qwen3:4b", think=False)
    assert build_ladder(Budgets(attempts_per_task=6, escalate_after=3), thinker, big).names() == [
        "first", "retry", "retry", "think", "best_of_n", "bigger_model"]
    ladder = build_ladder(Budgets(attempts_per_task=5, escalate_after=2), thinker, big)
    assert [(r.name, r.think, r.model) for r in ladder.rungs] == [
        ("first", None, ""), ("retry", None, ""), ("think", True, ""), ("best_of_n", True, ""), ("bigger_model", None, "qwen2.5-coder:7b")]
    assert len(ladder.rung(4).temperatures) == 3 and len(set(ladder.rung(4).temperatures)) == 3
    assert ladder.rung(9).name == "bigger_model"  # past the end: the top rung again
    # A short budget keeps the top rungs; a model without the switch gets no thinking rung.
    assert build_ladder(Budgets(attempts_per_task=3, escalate_after=2), SMALL, big).names() == ["first", "retry", "bigger_model"]
    assert build_ladder(Budgets(attempts_per_task=4, escalate_after=2), SMALL, None).names() == ["first", "retry", "best_of_n", "best_of_n"]
    assert build_ladder(Budgets(), SMALL, None).names() == ["first", "retry", "best_of_n"]  # the default: five replies at most
    assert [is_escalation(r) for r in build_ladder(Budgets(), SMALL, big).rungs] == [False, False, True]
    # A retry is one candidate at a temperature that lets the reply change (the 1.5B at 0.2
    # sent the same wrong code back three times).
    assert build_ladder(Budgets(), SMALL, None).rung(2).temperatures == [RETRY_TEMPERATURE]


def test_no_escalation_to_the_same_model():
    same = Config(default=SMALL, escalation=SMALL)
    assert bigger_model(same, "coder") is None
    assert "bigger_model" not in build_ladder(same.budgets, SMALL, bigger_model(same, "coder")).names()
    other = Config(default=SMALL, escalation=ModelConfig(provider="ollama", model="qwen2.5-coder:7b"))
    assert bigger_model(other, "coder").model == "qwen2.5-coder:7b"
    # The local engine: the biggest pulled model bigger than the role's.
    local = Config(default=ModelConfig(provider="local", model="qwen2.5-coder:1.5b"))
    pulled = [("qwen2.5-coder:0.5b", 500_000_000), ("qwen2.5-coder:1.5b", 1_500_000_000), ("qwen2.5-coder:3b", None)]
    found = bigger_model(local, "coder", pulled)
    assert (found.provider, found.model) == ("local", "qwen2.5-coder:3b")
    assert bigger_model(local, "coder", pulled[:2]) is None
    assert model_size("qwen2.5-coder:1.5b") == 1.5 and supports_thinking(ModelConfig(model="qwen3:8b"))
    assert not supports_thinking(ModelConfig(model="qwen3:8b", think=True))  # already on


def run_coder(project: Path, hears, rules: list[dict], rung: Rung, config_extra: dict | None = None, previous: str = "",
              steer: str = ""):
    """The coder on attempt 3 at ``rung``; ``previous``: attempt 2's app.py, rejected; ``steer``: a note sent first."""
    with FakeLLMServer({"tps": 0, "ttft": 0, "rules": rules}) as fake:
        config = Config(default=ModelConfig(provider="ollama", model="fake-coder:1.5b", base_urls=[fake.url]), **(config_extra or {}))
        run = RunDir.create(project, "hello", build_agents(1, 1), config=config.model_dump(mode="json"))
        base = git.start_branch(project, f"crewmux/{run.run_id}")
        task = PlanTask(id="t1", title="hello", files=["app.py"], language="python")
        before = {}
        if previous:
            wt = run.worktree("attempt-2")
            git.add_worktree(project, wt, base)
            git.checkout_fresh(wt, base, branch=f"crewmux/{run.run_id}-t1-a2")
            (wt / "app.py").write_text(previous)
            before = {"previous_commit": git.commit_all(wt, "attempt 2"), "feedback": "test_hello failed: expected 'hi'"}
        if steer:
            deliver(run.mail_root, Steer(run_id=run.run_id, sender="dashboard", recipient="coder-1", text=steer))
        deliver(run.mail_root, TaskAssignment(run_id=run.run_id, sender="coordinator", recipient="coder-1", task_id="t1", task=task,
                                              attempt=3, branch=f"crewmux/{run.run_id}-t1-a3", base_ref=base, rung=rung, **before))
        replies = hears(Coder(run, "coder-1", heartbeat_interval=60), timeout=40)
        requests = [r for r in fake.requests if r.get("crewmux", {}).get("role") == "coder"]
    return run, replies, requests


def good(n: int) -> str:
    return f"app.py\n{F}python\ndef hello() -> str:\n    return 'hi {n}'\n{F}\n"


def test_best_of_n_asks_one_candidate_per_temperature_and_commits_those_that_parse(git_project: Path, until_coordinator_hears):
    bad = f"app.py\n{F}python\ndef hello(:\n{F}\n"
    rules = [{"role": "coder", "times": 1, "reply": good(1)}, {"role": "coder", "times": 1, "reply": bad},
             {"role": "coder", "reply": good(3)}]
    rung = Rung(name="best_of_n", temperatures=[0.3, 0.7, 1.0])
    run, (done,), requests = run_coder(git_project, until_coordinator_hears, rules, rung)
    assert sorted(r["body"]["options"]["temperature"] for r in requests) == [0.3, 0.7, 1.0]
    assert done.type == "completion" and len(done.candidates) == 1  # two of three parse
    shown = {git.show_file(git_project, c, "app.py") for c in [done.commit, *done.candidates]}
    assert len(shown) == 2 and all("return 'hi" in s for s in shown)
    llm = [e for e in read_events(run.events_dir / "coder-1.jsonl") if e.kind == "llm"]
    assert [e.data["rung"] for e in llm] == ["best_of_n"] * 3  # the dashboard sees the rung


def test_best_of_n_on_a_retry_repairs_with_one_candidate_and_starts_again_with_the_others(git_project: Path, until_coordinator_hears):
    rung = Rung(name="best_of_n", temperatures=[0.3, 0.7, 1.0])
    wrong = "def hello() -> str:\n    return 'WRONG-DRAFT'\n"
    _, (done,), requests = run_coder(git_project, until_coordinator_hears, [{"role": "coder", "reply": good(1)}], rung,
                                     previous=wrong, steer="keep it to one line")
    assert done.type == "completion"
    prompts = {r["body"]["options"]["temperature"]: r["body"]["messages"][-1]["content"] for r in requests}
    assert "WRONG-DRAFT" in prompts[0.3] and "fix them" in prompts[0.3]  # the repair sees the rejected files
    for temperature in (0.7, 1.0):
        assert "WRONG-DRAFT" not in prompts[temperature] and "from the start" in prompts[temperature]
    assert all("test_hello failed: expected 'hi'" in text for text in prompts.values())  # every candidate sees the error
    assert all("keep it to one line" in text for text in prompts.values())  # and the human's steer note


def test_think_and_bigger_model_rungs_change_the_request(git_project: Path, until_coordinator_hears):
    _, (done,), requests = run_coder(git_project, until_coordinator_hears, [{"role": "coder", "reply": good(1)}],
                                     Rung(name="think", think=True))
    assert done.type == "completion" and requests[0]["body"]["think"] is True
    _, (again,), retried = run_coder(git_project, until_coordinator_hears, [{"role": "coder", "reply": good(1)}],
                                     Rung(name="retry", temperatures=[RETRY_TEMPERATURE]))
    assert again.type == "completion" and [r["body"]["options"]["temperature"] for r in retried] == [RETRY_TEMPERATURE]
    big = {"escalation": ModelConfig(provider="ollama", model="fake-big:7b", base_urls=["http://127.0.0.1:9"])}
    with FakeLLMServer({"tps": 0, "ttft": 0, "rules": [{"role": "coder", "reply": good(2)}]}) as fake:
        big["escalation"] = big["escalation"].model_copy(update={"base_urls": [fake.url]})
        config = Config(default=ModelConfig(provider="ollama", model="fake-coder:1.5b", base_urls=[fake.url]), **big)
        run = RunDir.create(git_project, "hello", build_agents(1, 1), config=config.model_dump(mode="json"))
        base = git.start_branch(git_project, f"crewmux/{run.run_id}")
        task = PlanTask(id="t1", title="hello", files=["app.py"], language="python")
        deliver(run.mail_root, TaskAssignment(run_id=run.run_id, sender="coordinator", recipient="coder-1", task_id="t1", task=task,
                                              attempt=4, branch="b4", base_ref=base, escalated=True,
                                              rung=Rung(name="bigger_model", model="fake-big:7b")))
        (reply,) = until_coordinator_hears(Coder(run, "coder-1", heartbeat_interval=60), timeout=40)
        models = [r["body"]["model"] for r in fake.requests if r.get("crewmux", {}).get("role") == "coder"]
    assert reply.type == "completion" and models == ["fake-big:7b"]


def test_qa_keeps_the_first_candidate_that_passes(git_project: Path, until_coordinator_hears):
    task = PlanTask(id="t1", title="fib", files=["fib.py"], language="python", acceptance=["python3 fib.py 10 prints '55'"])
    codes = ["import sys\nprint(54)\n", "import sys\nprint(55)\n", "import sys\nprint(55)  # third\n"]
    with FakeLLMServer({"tps": 0, "ttft": 0, "rules": []}) as fake:
        config = Config(default=ModelConfig(provider="ollama", model="fake-qa:1.5b", base_urls=[fake.url]))
        run = RunDir.create(git_project, "fib", build_agents(1, 1), config=config.model_dump(mode="json"))
        base = git.start_branch(git_project, f"crewmux/{run.run_id}")
        wt = run.worktree("coder-1")
        git.add_worktree(git_project, wt, base)
        commits = []
        for n, code in enumerate(codes):
            git.checkout_fresh(wt, base, branch=f"c{n}")
            (wt / "fib.py").write_text(code)
            commits.append(git.commit_all(wt, f"candidate {n}"))
        deliver(run.mail_root, ReviewRequest(run_id=run.run_id, sender="coordinator", recipient="qa", task_id="t1", task=task,
                                             attempt=3, commit=commits[0], candidates=commits[1:], files=["fib.py"]))
        (result,) = until_coordinator_hears(QA(run, "qa", heartbeat_interval=60))
    assert result.verdict == "pass" and result.candidate == commits[1]
    judged = [e.data["candidate"] for e in read_events(run.events_dir / "qa.jsonl") if e.kind == "verdict"]
    assert judged == commits[:2]  # the third was never needed


def test_the_report_names_each_attempts_rung_and_commit(git_project: Path):
    run = RunDir.create(git_project, "x", build_agents(1, 1), config=Config().model_dump(mode="json"))
    attempts = [AttemptRecord(attempt=1, coder="coder-1", rung="first", commit="a" * 40, verdict="fail", findings="boom"),
                AttemptRecord(attempt=2, coder="coder-1", rung="best_of_n", commit="b" * 40, candidates=["b" * 40, "c" * 40],
                              verdict="pass")]
    state = RunState(run_id=run.run_id, tasks={"t1": TaskRecord(id="t1", title="x", status="passed", attempts=attempts)})
    report = build_report(run, state, "succeeded", "ok", [], 0.0)
    history = report["tasks"][0]["history"]
    assert [(h["rung"], h["commit"]) for h in history] == [("first", "a" * 40), ("best_of_n", "b" * 40)]
    assert history[1]["candidates"] == ["b" * 40, "c" * 40] and report["escalations"] == 0
    assert "rung best_of_n" in render_markdown(json.loads(json.dumps(report)))
