"""What a new user trips over in the dashboard (issue 15): the task diff shows the lines a
merge brought, finished runs and dead agents get no stale advice."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from crewmux.protocol.rundir import RunDir
from crewmux.tui.app import DashboardApp
from crewmux.tui.diffs import commit_diff
from crewmux.tui.refusals import agent_refusal, attach_refusal, task_refusal, team_refusal
from crewmux.tui.team_view import AgentView, TaskView, TeamView
from crewmux.workspace import git
from tests.test_tui_app import AGENTS, controls, make_run, opened, select


def test_the_diff_of_a_merge_commit_shows_the_lines_it_brought(git_project: Path) -> None:
    git.git(git_project, "checkout", "-q", "-b", "work")
    (git_project / "fib.py").write_text("def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n")
    git.commit_all(git_project, "t1: fib")
    git.git(git_project, "checkout", "-q", "-")
    git.git(git_project, "merge", "-q", "--no-ff", "--no-edit", "-m", "merge t1", "work")
    merge = git.git(git_project, "rev-parse", "HEAD").stdout.strip()
    text = commit_diff(git_project, merge)
    assert "merge t1" in text and "fib.py" in text
    assert "+def fib(n):" in text and "+    return n if n < 2" in text
    assert commit_diff(git_project, "0" * 40).startswith("no diff for 0000")  # said, not raised into the UI


# -- no "sent" toast for what the receiver would refuse ---------------------------------

def building_view() -> TeamView:
    view = TeamView(run_id="r1", run_status="running", phase="building")
    now = time.time()
    view.agents = {
        "coordinator": AgentView(name="coordinator", role="coordinator", status="waiting", last_seen=now),
        "coder-1": AgentView(name="coder-1", role="coder", status="writing", last_seen=now),
        "coder-2": AgentView(name="coder-2", role="coder", status="idle", last_seen=now - 60),
        "coder-3": AgentView(name="coder-3", role="coder", status="paused", last_seen=now),
    }
    view.tasks = {t: TaskView(id=t, title=t, state=s) for t, s in
                  {"t1": "passed", "t2": "running", "t3": "failed", "t4": "pending"}.items()}
    return view


def test_tasks_are_judged_as_the_coordinator_judges_them() -> None:
    view = building_view()
    assert "only a failed, blocked or skipped task" in (task_refusal(view, "retry", "t1") or "")
    assert "t2 is running" in (task_refusal(view, "retry", "t2") or "")
    assert task_refusal(view, "retry", "t3") is None
    assert "already passed" in (task_refusal(view, "skip", "t1") or "")
    assert task_refusal(view, "skip", "t4") is None and task_refusal(view, "skip", "t2") is None
    view.phase = "integrating"
    assert "not building" in (task_refusal(view, "retry", "t3") or "")


def test_dead_or_paused_agents_and_finished_runs_refuse_with_the_reason() -> None:
    view, now = building_view(), time.time()
    assert agent_refusal(view, "pause", "coder-1", now) is None
    assert "coder-2 is dead" in (agent_refusal(view, "pause", "coder-2", now) or "")
    assert agent_refusal(view, "restart", "coder-2", now) is None  # the one key that helps a dead agent
    assert "already paused" in (agent_refusal(view, "pause", "coder-3", now) or "")
    assert agent_refusal(view, "resume", "coder-3", now) is None
    assert team_refusal(view, "add_coder", now) is None
    view.agents["coordinator"].status = "stopped"
    assert "coordinator is stopped" in (team_refusal(view, "add_coder", now) or "")
    view.run_status = "succeeded"
    for why in (agent_refusal(view, "pause", "coder-1", now), task_refusal(view, "retry", "t3"), team_refusal(view, "add_coder", now)):
        assert why is not None and "run r1 is over (succeeded)" in why and "resume" not in why
    assert "resume" not in attach_refusal(view, "no tmux session: `crewmux resume r1` brings it back")
    view.run_status = "running"
    assert attach_refusal(view, "no session: `crewmux resume r1`") == "no session: `crewmux resume r1`"


@pytest.mark.anyio
@pytest.mark.timeout(60)
async def test_keys_on_a_finished_run_say_why_and_send_nothing(git_project: Path) -> None:
    run: RunDir = make_run(git_project, time.time())
    run.update_info(status="succeeded", finished_at=datetime.now(timezone.utc))
    app = DashboardApp(run)
    async with app.run_test(size=(140, 40)) as pilot:
        await opened(app, pilot)
        for table, row, key in (("agents", "coder-2", "p"), ("tasks", "t1", "t"), ("agents", "coder-1", "a"), ("agents", "coder-1", "enter")):
            await select(pilot, app, table, row)
            await pilot.press(key)
            await pilot.pause()
            note = list(app._notifications)[-1]
            assert "sent" not in note.message and "resume" not in note.message, (key, note.message)
            assert "is over (succeeded)" in note.message, (key, note.message)
        assert all(controls(run, a.name) == [] for a in AGENTS)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_the_header_shows_what_a_priced_run_has_cost(git_project: Path) -> None:
    from crewmux.protocol.events import EventLog
    from tests.test_tui_app import header, until

    run = make_run(git_project, time.time())
    app = DashboardApp(run)
    async with app.run_test(size=(140, 40)) as pilot:
        await opened(app, pilot)
        assert "$" not in header(app)  # no priced model yet: no dollar figure
        log = EventLog(run.events("coder-2"), "coder-2")
        log.emit("llm", task_id="t2", attempt=1, tokens=900, data={"model": "claude", "completion_tokens": 300, "cost": 0.0312})
        log.emit("llm", task_id="t2", attempt=1, tokens=900, data={"model": "claude", "completion_tokens": 300, "cost": 0.0311})
        log.close()
        await until(pilot, lambda: "$0.06" in header(app))
    assert app.view.cost == pytest.approx(0.0623)
