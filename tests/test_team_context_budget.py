"""Context sized to the model: prompts budgeted from the context window, cut by priority, the cut reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from crewmux.agents.coder import Coder
from crewmux.protocol.rundir import build_agents
from crewmux.agents.llm.fake_server import FakeLLMServer
from crewmux.agents.llm.tokens import estimate_tokens
from crewmux.agents.prompt_budget import Part, fit, prompt_budget
from crewmux.config import Config, ModelConfig
from crewmux.protocol.events import read_events
from crewmux.protocol.mailbox import deliver
from crewmux.protocol.messages import TaskAssignment
from crewmux.protocol.plan import PlanTask
from crewmux.protocol.rundir import RunDir
from crewmux.workspace import git

pytestmark = pytest.mark.timeout(60)
F = "```"


def test_the_budget_is_the_window_less_the_reply():
    assert prompt_budget(ModelConfig(num_ctx=16384, max_tokens=4096)) == 16384 - 4096 - 256
    assert prompt_budget(ModelConfig(num_ctx=8192, max_tokens=8192)) == 8192 - 4096 - 256  # the reply gets at most half
    assert prompt_budget(ModelConfig(num_ctx=1024, max_tokens=8192)) == 1024  # never below a usable floor


def test_a_prompt_over_budget_is_cut_by_priority_and_the_cut_said():
    parts = [Part("task", "t" * 4000, 0), Part("errors", "e" * 2000, 2), Part("current files", "f" * 40_000, 3),
             Part("signatures", "s" * 8000, 4)]
    fitted = fit(parts, 3000)
    assert fitted.tokens <= 3000
    assert fitted["task"] == "t" * 4000 and fitted["errors"] == "e" * 2000  # the task and its errors are kept whole
    assert fitted["signatures"] == ""  # the least important part goes first
    assert fitted["current files"].startswith("f" * 100) and "cut to fit the model's context" in fitted["current files"]
    assert fitted.cuts[0] == "signatures: left out (2000 tokens)" and len(fitted.cuts) == 2
    assert fitted.cuts[1].startswith("current files: ") and fitted.cuts[1].endswith(" of 10000 tokens kept")
    assert fit(parts, 100_000).cuts == []  # what fits is not touched


def test_the_coder_cuts_its_prompt_to_a_small_window_and_reports_it(git_project: Path, until_coordinator_hears):
    big = "\n".join(f"LINE_{i} = {i}" for i in range(3000))  # ~10k tokens of the previous attempt's file
    reply = f"app.py\n{F}python\nX = 1\n{F}\n"
    with FakeLLMServer({"tps": 0, "ttft": 0, "rules": [{"role": "coder", "reply": reply}]}) as fake:
        config = Config(default=ModelConfig(provider="ollama", model="fake-coder:1.5b", base_urls=[fake.url], num_ctx=4096, max_tokens=1024))
        run = RunDir.create(git_project, "x", build_agents(1, 1), config=config.model_dump(mode="json"))
        base = git.start_branch(git_project, f"crewmux/{run.run_id}")
        wt = run.worktree("coder-1")
        git.add_worktree(git_project, wt, base)
        git.checkout_fresh(wt, base, branch="prev")
        (wt / "app.py").write_text(big)
        previous = git.commit_all(wt, "previous attempt")
        task = PlanTask(id="t1", title="app", files=["app.py"], language="python", acceptance=["X == 1"])
        deliver(run.mail_root, TaskAssignment(run_id=run.run_id, sender="coordinator", recipient="coder-1", task_id="t1", task=task,
                                              attempt=2, branch="a2", base_ref=base, previous_commit=previous,
                                              feedback="FAILED: X is not 1"))
        (done,) = until_coordinator_hears(Coder(run, "coder-1", heartbeat_interval=60), timeout=30)
        sent = [r for r in fake.requests if r["crewmux"]["role"] == "coder"][0]["body"]["messages"]
    assert done.type == "completion"
    text = "".join(m["content"] for m in sent)
    assert estimate_tokens(text) <= prompt_budget(config.default)
    assert "FAILED: X is not 1" in text and "LINE_0 = 0" in text and "cut to fit the model's context" in text
    assert "LINE_2999" not in text
    # Changing part last: the errors come after the (stable) task and criteria.
    assert sent[-1]["content"].index("Acceptance criteria") < sent[-1]["content"].index("FAILED: X is not 1")
    cuts = [e for e in read_events(run.events_dir / "coder-1.jsonl") if e.data.get("prompt_cut")]
    assert cuts and cuts[0].data["prompt_cut"][0].startswith("current files: ")
