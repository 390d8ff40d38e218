"""The interface contract: in the plan, built to by the coder, handed to dependents, and
the rungs the coordinator names as it dispatches attempts."""

from __future__ import annotations

from pathlib import Path

import pytest

from crewmux.agents.coder import Coder
from crewmux.protocol.rundir import build_agents
from crewmux.agents.contract import allowed_calls, render_contract
from crewmux.agents.coordinator import Coordinator
from crewmux.agents.llm.fake_server import FakeLLMServer
from crewmux.config import Config, ModelConfig
from crewmux.protocol.mailbox import Mailbox, deliver
from crewmux.protocol.messages import Completion, ErrorReport, PlanMessage, ReviewResult, TaskAssignment
from crewmux.protocol.plan import Contract, FunctionContract, Plan, PlanTask
from crewmux.protocol.rundir import RunDir
from crewmux.protocol.state import RunState
from crewmux.workspace import git

pytestmark = pytest.mark.timeout(90)
F = "```"
CORE = Contract(functions=[FunctionContract(name="count_words", module="wordcount.py", params=["text"],
                                            returns="dict of word -> count")])
CLI = Contract(cli="python3 cli.py FILE: prints 'word: count' lines, most frequent first; exit 0")
PLAN = Plan(tasks=[
    PlanTask(id="t1", title="core", files=["wordcount.py"], language="python", contract=CORE),
    PlanTask(id="t2", title="cli", files=["cli.py"], language="python", depends_on=["t1"], contract=CLI),
])


def test_a_contract_renders_in_a_few_lines_and_names_what_may_be_called():
    text = render_contract(Contract(functions=[FunctionContract(name="Stack.push", params=["item"])], element_ids=["#menu"],
                                    routes=["POST /api/contact {name} -> 200 {ok}"], cli=""))
    assert text.splitlines() == ["- function Stack.push(item)", "- page element ids: #menu", "- HTTP: POST /api/contact {name} -> 200 {ok}"]
    assert allowed_calls(CORE)["count_words"].params == 1
    assert render_contract(Contract()) == "" and Contract().empty()


def take(run: RunDir, agent: str) -> list:
    box = Mailbox(run.mailbox(agent), owner=agent, run_id=run.run_id, reader="test")
    found = []
    for claimed in box.claim_new():
        found.append(claimed.message)
        box.done(claimed)
    return found


def test_dependents_get_the_contracts_and_each_attempt_its_named_rung(git_project: Path):
    config = Config(coders=1, budgets={"attempts_per_task": 4, "escalate_after": 2},
                    escalation=ModelConfig(provider="ollama", model="fake-big:7b"))
    run = RunDir.create(git_project, "word count", build_agents(1, 1), config=config.model_dump(mode="json"))
    c = Coordinator(run, "coordinator")
    c.on_start()
    take(run, "cto")
    c.handle(PlanMessage(run_id=run.run_id, sender="cto", recipient="coordinator", plan=PLAN))
    rungs = []
    for attempt in range(1, 5):
        (job,) = [m for m in take(run, "coder-1") if m.type == "task_assignment"]
        assert job.task.contract == CORE and job.attempt == attempt
        rungs.append((job.rung.name, job.rung.model, job.escalated))
        c.handle(ErrorReport(run_id=run.run_id, sender="coder-1", recipient="coordinator", task_id="t1", attempt=attempt,
                             kind="invalid_reply", error="no"))
    assert rungs == [("first", "", False), ("retry", "", False), ("best_of_n", "", False), ("bigger_model", "fake-big:7b", True)]
    state = RunState.model_validate_json(run.state_json.read_bytes())
    assert [a.rung for a in state.tasks["t1"].attempts] == ["first", "retry", "best_of_n", "bigger_model"]
    assert [a.model for a in state.tasks["t1"].attempts][-1] == "fake-big:7b"
    c.stop()

    # A dependent is given what its dependency promised.
    run2 = RunDir.create(git_project, "word count", build_agents(1, 1), config=Config(coders=1).model_dump(mode="json"))
    c = Coordinator(run2, "coordinator")
    c.on_start()
    take(run2, "cto")
    c.handle(PlanMessage(run_id=run2.run_id, sender="cto", recipient="coordinator", plan=PLAN))
    (job,) = take(run2, "coder-1")
    wt = run2.worktree("coder-1")
    git.checkout_fresh(wt, job.base_ref, branch=job.branch)
    (wt / "wordcount.py").write_text("def count_words(text):\n    return {}\n")
    commit = git.commit_all(wt, "t1")
    c.handle(Completion(run_id=run2.run_id, sender="coder-1", recipient="coordinator", task_id="t1", attempt=1, commit=commit,
                        files=["wordcount.py"]))
    c.handle(ReviewResult(run_id=run2.run_id, sender="qa", recipient="coordinator", task_id="t1", attempt=1, commit=commit,
                          verdict="pass", candidate=commit))
    (dependent,) = take(run2, "coder-1")
    assert dependent.task_id == "t2" and dependent.dependency_contracts == {"t1": CORE}
    assert dependent.rung.name == "first"
    c.stop()


def test_the_coder_builds_to_its_contract_and_sees_its_dependencies_contracts(git_project: Path, until_coordinator_hears):
    reply = f"cli.py\n{F}python\nprint('ok')\n{F}\n"
    with FakeLLMServer({"tps": 0, "ttft": 0, "rules": [{"role": "coder", "reply": reply}]}) as fake:
        config = Config(default=ModelConfig(provider="ollama", model="fake-coder:1.5b", base_urls=[fake.url]))
        run = RunDir.create(git_project, "wc", build_agents(1, 1), config=config.model_dump(mode="json"))
        base = git.start_branch(git_project, f"crewmux/{run.run_id}")
        deliver(run.mail_root, TaskAssignment(run_id=run.run_id, sender="coordinator", recipient="coder-1", task_id="t2",
                                              task=PLAN.tasks[1], attempt=1, branch="b", base_ref=base,
                                              dependency_contracts={"t1": CORE}))
        (done,) = until_coordinator_hears(Coder(run, "coder-1", heartbeat_interval=60), timeout=30)
        user = [r for r in fake.requests if r["crewmux"]["role"] == "coder"][0]["body"]["messages"][-1]["content"]
    assert done.type == "completion"
    assert "Your task's contract (build exactly this interface" in user and "python3 cli.py FILE: prints 'word: count'" in user
    assert "t1:\n- function count_words(text) -> dict of word -> count  (in wordcount.py)" in user
    # Stable first, changing last (the engine reuses its cache of the prefix on a retry):
    # the task, its contract and criteria, then what the tasks before it made.
    assert user.index("Your task's contract") < user.index("Acceptance criteria") < user.index("count_words(text)")


def test_a_task_file_sent_under_another_folder_is_written_where_the_task_says(git_project: Path, until_coordinator_hears):
    """The real 1.5B coder wrote src/cli.py for a task whose file (and the brief's) is cli.py."""
    reply = f"src/cli.py\n{F}python\nprint('ok')\n{F}\n"
    with FakeLLMServer({"tps": 0, "ttft": 0, "rules": [{"role": "coder", "reply": reply}]}) as fake:
        config = Config(default=ModelConfig(provider="ollama", model="fake-coder:1.5b", base_urls=[fake.url]))
        run = RunDir.create(git_project, "wc", build_agents(1, 1), config=config.model_dump(mode="json"))
        base = git.start_branch(git_project, f"crewmux/{run.run_id}")
        deliver(run.mail_root, TaskAssignment(run_id=run.run_id, sender="coordinator", recipient="coder-1", task_id="t2",
                                              task=PLAN.tasks[1], attempt=1, branch="b", base_ref=base))
        (done,) = until_coordinator_hears(Coder(run, "coder-1", heartbeat_interval=60), timeout=30)
    assert done.type == "completion" and done.files == ["cli.py"]
    assert git.show_file(git_project, done.commit, "cli.py") == "print('ok')\n"
