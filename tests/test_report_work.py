"""report.md names where the work is (the branch, the files, how to look at it and take
it) and what the run cost in dollars for priced models (issue 15)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from crewmux.agents.llm.fake_server import FakeLLMServer
from crewmux.agents.llm.types import ChatMessage
from crewmux.agents.loop import Agent
from crewmux.agents.prompting import Talker
from crewmux.agents.report import build_report, render_markdown
from crewmux.config import Config, ModelConfig
from crewmux.protocol.events import EventLog, read_events
from crewmux.protocol.rundir import AgentSpec, RunDir
from crewmux.protocol.state import AttemptRecord, RunState, TaskRecord
from crewmux.workspace import git

pytestmark = pytest.mark.timeout(60)


def finished(project: Path) -> tuple[RunDir, RunState]:
    run = RunDir.create(project, "a fib module", [AgentSpec(name="coder-1", role="coder")])
    branch = run.info().branch
    git.start_branch(project, branch)
    git.add_worktree(project, run.worktree("integration"), branch, branch=branch)
    (run.worktree("integration") / "fib.py").write_text("def fib(n):\n    return n\n")
    (run.worktree("integration") / "test_fib.py").write_text("from fib import fib\n")
    git.commit_all(run.worktree("integration"), "t1: fib")
    state = RunState(run_id=run.run_id, phase="finished", tasks={
        "t1": TaskRecord(id="t1", title="fib", status="passed", attempts=[AttemptRecord(attempt=1, coder="coder-1", verdict="pass")])})
    return run, state


def test_the_report_names_the_branch_the_files_and_how_to_take_them(git_project: Path) -> None:
    run, state = finished(git_project)
    report = build_report(run, state, "succeeded", "all tasks passed", [], time.time() - 10)
    assert report["branch"] == f"crewmux/{run.run_id}" and report["files_changed"] == ["fib.py", "test_fib.py"]
    text = render_markdown(report)
    assert f"- branch: `crewmux/{run.run_id}` in {git_project}" in text
    assert "- files changed (2): `fib.py`, `test_fib.py`" in text
    assert f"`crewmux diff {run.run_id}`" in text and f"`git switch crewmux/{run.run_id}`" in text
    assert f"`git merge crewmux/{run.run_id}`" in text
    assert "cost" not in text  # no priced model: no dollar line


def test_the_cost_of_priced_exchanges_is_added_up_in_dollars(git_project: Path) -> None:
    run, state = finished(git_project)
    log = EventLog(run.events("coder-1"), "coder-1")
    log.emit("llm", task_id="t1", attempt=1, tokens=3000, data={"completion_tokens": 1000, "cost": 0.0125})
    log.emit("llm", task_id="t1", attempt=1, tokens=2000, data={"completion_tokens": 500, "cost": 0.0075})
    log.close()
    report = build_report(run, state, "succeeded", "ok", [], time.time() - 10)
    assert report["cost_usd"] == 0.02
    assert "- cost: $0.0200 (models priced in crewmux.toml)" in render_markdown(report)


class Asker(Agent):
    role = "coder"

    def handle(self, message) -> None:
        pass


def test_an_exchange_with_a_priced_model_records_its_cost(tmp_path: Path) -> None:
    with FakeLLMServer({"default": "tok " * 10, "tps": 0, "ttft": 0}) as fake:
        model = ModelConfig(provider="ollama", model="m", base_urls=[fake.url], price_in_per_mtok=3.0, price_out_per_mtok=15.0)
        run = RunDir.create(tmp_path, "t", [AgentSpec(name="coder-1", role="coder")], config=Config(default=model).model_dump(mode="json"))
        agent = Asker(run, "coder-1")
        result = Talker(agent, "coder").chat([ChatMessage("user", "hi")], model, task="t1", attempt=1)
        agent.events.close()
    [event] = [e for e in read_events(run.events("coder-1")) if e.kind == "llm"]
    expected = (result.stats.prompt_tokens * 3.0 + result.stats.completion_tokens * 15.0) / 1e6
    assert expected > 0 and event.data["cost"] == pytest.approx(expected, abs=1e-6)
