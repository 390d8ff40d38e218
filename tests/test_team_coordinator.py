"""The coordinator in-process, driven message by message: dispatch, redelivery, restart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crewmux.protocol.rundir import build_agents
from crewmux.agents.coordinator import Coordinator
from crewmux.config import Config
from crewmux.protocol.mailbox import Mailbox
from crewmux.protocol.messages import Completion, Control, ErrorReport, PlanMessage, ProgressUpdate, ReviewResult, parse_message
from crewmux.protocol.plan import Plan, PlanTask
from crewmux.protocol.rundir import AgentSpec, RunDir
from crewmux.protocol.state import RunState
from crewmux.workspace import git

pytestmark = pytest.mark.timeout(60)


def new_run(project: Path) -> RunDir:
    config = Config(coders=2).model_dump(mode="json")
    run = RunDir.create(project, "three modules", build_agents(2, 1), config=config)
    return run


def inbox(run: RunDir, agent: str) -> list:
    return [parse_message(p.read_bytes()) for p in sorted((run.mailbox(agent) / "new").glob("*.json"))]


def drain(run: RunDir, agent: str) -> list:
    box = Mailbox(run.mailbox(agent), owner=agent, run_id=run.run_id, reader="test")
    taken = []
    for claimed in box.claim_new():
        taken.append(claimed.message)
        box.done(claimed)
    return taken


def state(run: RunDir) -> RunState:
    return RunState.model_validate_json(run.state_json.read_bytes())


PLAN = Plan(tasks=[
    PlanTask(id="t1", title="one", files=["one.py"], language="python"),
    PlanTask(id="t2", title="two", files=["two.py"], language="python"),
    PlanTask(id="t3", title="three", files=["three.py"], language="python", depends_on=["t1"]),
])


def build(run: RunDir, coder: str, task: str, attempt: int, files: dict[str, str]) -> Completion:
    assignment = next(m for m in drain(run, coder) if m.task_id == task)
    wt = run.worktree(coder)
    git.checkout_fresh(wt, assignment.base_ref, branch=assignment.branch)
    for name, text in files.items():
        (wt / name).write_text(text)
    commit = git.commit_all(wt, f"{task}")
    return Completion(run_id=run.run_id, sender=coder, recipient="coordinator", task_id=task, attempt=attempt,
                      commit=commit, files=list(files))


def test_dispatch_review_merge_redelivery_and_restart(git_project: Path):
    run = new_run(git_project)
    c = Coordinator(run, "coordinator")
    c.on_start()
    assert [m.type for m in drain(run, "cto")] == ["plan_request"]
    plan = PlanMessage(run_id=run.run_id, sender="cto", recipient="coordinator", plan=PLAN)
    c.handle(plan)
    c.handle(plan)  # redelivered: not acted on twice
    assert [(m.type, m.task_id) for m in inbox(run, "coder-1") + inbox(run, "coder-2")] == [
        ("task_assignment", "t1"), ("task_assignment", "t2")]
    assert json.loads(run.plan_json.read_text())["tasks"][2]["depends_on"] == ["t1"]
    assert {t.id: t.status for t in state(run).tasks.values()} == {"t1": "running", "t2": "running", "t3": "pending"}
    c.stop()

    # A restarted coordinator picks up from state.json: no new plan request, no new assignments.
    c = Coordinator(run, "coordinator")
    c.on_start()
    assert drain(run, "cto") == [] and len(inbox(run, "coder-1") + inbox(run, "coder-2")) == 2

    done = build(run, "coder-1", "t1", 1, {"one.py": "ONE = 1\n"})
    c.handle(done)
    c.handle(done)
    reviews = drain(run, "qa")
    assert [(m.type, m.task_id, m.commit) for m in reviews] == [("review_request", "t1", done.commit)]
    c.handle(ReviewResult(run_id=run.run_id, sender="qa", recipient="coordinator", task_id="t1", attempt=1,
                          commit=done.commit, verdict="pass"))
    assert git.show_file(git_project, f"crewmux/{run.run_id}", "one.py") == "ONE = 1\n"
    s = state(run)
    assert s.tasks["t1"].status == "passed" and s.tasks["t1"].merged_commit
    # t3's dependency passed: it goes to the idle coder, with t1's signatures as context.
    t3 = [m for m in inbox(run, "coder-1") if m.task_id == "t3"]
    assert len(t3) == 1 and "one.py" in t3[0].context and "ONE = 1" in t3[0].context

    # A coder error is a failed attempt: retried with the error as feedback.
    c.handle(ErrorReport(run_id=run.run_id, sender="coder-2", recipient="coordinator", task_id="t2", attempt=1,
                         kind="stuck", error="stuck: the same error 3 times in a row"))
    retry = [m for m in drain(run, "coder-2") if m.task_id == "t2"]
    assert [m.attempt for m in retry] == [1, 2] and "stuck" in retry[1].feedback
    # Each attempt has its own branch: a retry may go to another coder while the first
    # coder's worktree still has the old attempt checked out.
    assert [m.branch for m in retry] == [f"crewmux/{run.run_id}-t2-a1", f"crewmux/{run.run_id}-t2-a2"]
    # A late message about an attempt that is over changes nothing.
    c.handle(Completion(run_id=run.run_id, sender="coder-2", recipient="coordinator", task_id="t2", attempt=1, commit=done.commit))
    assert drain(run, "qa") == []
    c.stop()
    assert git.rev(git_project, "main") == git.rev(git_project, "HEAD")


def test_invalid_plan_is_sent_back_then_the_run_fails(git_project: Path):
    run = new_run(git_project)
    c = Coordinator(run, "coordinator")
    c.on_start()
    drain(run, "cto")
    cyclic = Plan(tasks=[PlanTask(id="a", title="a", depends_on=["b"]), PlanTask(id="b", title="b", depends_on=["a"])])
    for n in range(2):
        c.handle(PlanMessage(run_id=run.run_id, sender="cto", recipient="coordinator", plan=cyclic))
        again = drain(run, "cto")
        assert len(again) == 1
        assert "a -> b -> a" in again[0].feedback or "b -> a -> b" in again[0].feedback
    c.handle(PlanMessage(run_id=run.run_id, sender="cto", recipient="coordinator", plan=cyclic))
    info = run.info()
    assert info.status == "failed" and "no valid plan after 3 requests" in info.reason
    assert run.report_json.is_file() and c.stopping


def test_a_task_that_used_its_attempts_is_split_by_the_cto(git_project: Path):
    config = Config(coders=2, budgets={"attempts_per_task": 1, "split_failing": True}).model_dump(mode="json")
    run = RunDir.create(git_project, "split", build_agents(2, 1), config=config)
    c = Coordinator(run, "coordinator")
    c.on_start()
    drain(run, "cto")
    plan = Plan(tasks=[PlanTask(id="t1", title="big", files=["big.py"]), PlanTask(id="t2", title="user", depends_on=["t1"])])
    c.handle(PlanMessage(run_id=run.run_id, sender="cto", recipient="coordinator", plan=plan))
    c.handle(ErrorReport(run_id=run.run_id, sender="coder-1", recipient="coordinator", task_id="t1", attempt=1,
                         kind="invalid_reply", error="too big for me"))
    asks = drain(run, "cto")
    assert len(asks) == 1 and asks[0].split_task.id == "t1" and "too big for me" in asks[0].feedback
    smaller = Plan(tasks=[PlanTask(id="t1a", title="half", files=["a.py"]), PlanTask(id="t1b", title="other half", files=["b.py"], depends_on=["t1a"])])
    c.handle(PlanMessage(run_id=run.run_id, sender="cto", recipient="coordinator", task_id="t1", plan=smaller))
    s = state(run)
    assert s.tasks["t1"].status == "skipped" and s.tasks["t1"].reason == "split into t1a, t1b"
    assert s.tasks["t2"].depends_on == ["t1a", "t1b"] and s.splits == {"t1": ["t1a", "t1b"]}
    assigned = [m.task_id for m in drain(run, "coder-1") + drain(run, "coder-2")]
    assert sorted(assigned) == ["t1", "t1a"]
    assert [t["id"] for t in json.loads(run.plan_json.read_text())["tasks"]] == ["t1", "t2", "t1a", "t1b"]
    c.stop()


def test_skip_and_retry_by_hand_and_the_wall_budget(git_project: Path):
    config = Config(coders=1, budgets={"attempts_per_task": 1, "wall_seconds": 3600}).model_dump(mode="json")
    run = RunDir.create(git_project, "by hand", build_agents(1, 1), config=config)
    c = Coordinator(run, "coordinator")
    c.on_start()
    plan = Plan(tasks=[PlanTask(id="t1", title="a"), PlanTask(id="t2", title="b", depends_on=["t1"]), PlanTask(id="t3", title="c")])
    c.handle(PlanMessage(run_id=run.run_id, sender="cto", recipient="coordinator", plan=plan))
    c.handle(ErrorReport(run_id=run.run_id, sender="coder-1", recipient="coordinator", task_id="t1", attempt=1, error="no"))
    assert {t.id: t.status for t in state(run).tasks.values()} == {"t1": "failed", "t2": "blocked", "t3": "running"}
    c.on_control(Control(run_id=run.run_id, sender="dashboard", recipient="coordinator", action="retry", target="t1"))
    assert {t.id: t.status for t in state(run).tasks.values()} == {"t1": "pending", "t2": "pending", "t3": "running"}
    c.on_control(Control(run_id=run.run_id, sender="dashboard", recipient="coordinator", action="skip", target="t3", reason="not needed"))
    s = state(run)
    assert s.tasks["t3"].reason == "skipped by a human: not needed"
    assert s.tasks["t1"].status == "running" and s.tasks["t1"].attempts[-1].attempt == 2  # coder-1 was free again
    # The wall-time budget: spent, the run ends with what it has, and says why.
    c.state.started_at -= 7200
    c.handle(ProgressUpdate(run_id=run.run_id, sender="coordinator", recipient="coordinator", status="budget-check"))
    info = run.info()
    assert info.status == "failed" and "wall-time budget (3600 s) is spent" in info.reason
    assert state(run).tasks["t1"].status == "skipped"


def test_merge_conflict_goes_back_to_the_coder_with_the_conflict_shown(git_project: Path):
    run = new_run(git_project)
    c = Coordinator(run, "coordinator")
    c.on_start()
    plan = Plan(tasks=[PlanTask(id="t1", title="one", files=["one.py"]), PlanTask(id="t2", title="two", files=["two.py"])])
    c.handle(PlanMessage(run_id=run.run_id, sender="cto", recipient="coordinator", plan=plan))
    # Both coders also wrote a file outside their task: the second merge conflicts.
    one = build(run, "coder-1", "t1", 1, {"one.py": "A = 1\n", "shared.py": "WHO = 'one'\n"})
    two = build(run, "coder-2", "t2", 1, {"two.py": "B = 2\n", "shared.py": "WHO = 'two'\n"})
    for done in (one, two):
        c.handle(done)
        c.handle(ReviewResult(run_id=run.run_id, sender="qa", recipient="coordinator", task_id=done.task_id, attempt=1,
                              commit=done.commit, verdict="pass"))
    s = state(run)
    assert s.tasks["t1"].status == "passed" and s.tasks["t2"].attempts[0].verdict == "conflict"
    retry = [m for m in drain(run, "coder-2") if m.attempt == 2]
    assert len(retry) == 1 and "conflict in shared.py" in retry[0].feedback and "WHO = 'two'" in retry[0].feedback
    assert retry[0].base_ref == s.tasks["t1"].merged_commit  # rebuilt on top of what was merged
    c.stop()


def test_restart_in_the_middle_of_a_merge_undoes_it_and_builds_again(git_project: Path):
    run = new_run(git_project)
    c = Coordinator(run, "coordinator")
    c.on_start()
    c.handle(PlanMessage(run_id=run.run_id, sender="cto", recipient="coordinator", plan=PLAN))
    done = build(run, "coder-1", "t1", 1, {"one.py": "ONE = 1\n"})
    c.handle(done)
    before = c.head
    # What a crash right after `git merge`, before state.json said so, leaves behind:
    c.state.tasks["t1"].status = "merging"
    c._save()
    git.merge(c.integration, done.commit, "crewmux: merge t1 attempt 1: one")
    c.stop()
    c = Coordinator(run, "coordinator")
    c.on_start()
    assert git.rev(c.integration) == before
    s = state(run)
    assert s.tasks["t1"].status == "running" and [a.verdict for a in s.tasks["t1"].attempts] == ["error", None]
    c.stop()


def test_coders_added_and_removed_while_the_run_goes_on(git_project: Path):
    run = new_run(git_project)
    c = Coordinator(run, "coordinator")
    c.on_start()
    plan = Plan(tasks=[PlanTask(id=f"t{i}", title=f"task {i}") for i in range(1, 4)])
    c.handle(PlanMessage(run_id=run.run_id, sender="cto", recipient="coordinator", plan=plan))
    assert {t.id: t.assignee for t in state(run).tasks.values()} == {"t1": "coder-1", "t2": "coder-2", "t3": None}
    run.add_agent(AgentSpec(name="coder-3", role="coder"))
    c.on_control(Control(run_id=run.run_id, sender="runtime", recipient="coordinator", action="add_coder", target="coder-3"))
    assert state(run).tasks["t3"].assignee == "coder-3"
    c.on_control(Control(run_id=run.run_id, sender="runtime", recipient="coordinator", action="remove_coder", target="coder-2"))
    s = state(run)
    assert s.coders == ["coder-1", "coder-3"]
    assert s.tasks["t2"].status == "pending" and s.tasks["t2"].attempts == []  # given again when a coder is free
    c.stop()
