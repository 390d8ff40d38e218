"""The dashboard driven through Textual's Pilot on a real run directory: every key sends
the right message to the right mailbox, and what agents write shows on screen."""

from __future__ import annotations

import html
import os
import re
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from crewmux.config import Config
from crewmux.protocol.events import EventLog
from crewmux.protocol.fsutil import atomic_write_json
from crewmux.protocol.messages import Control, Steer, parse_message
from crewmux.protocol.plan import Plan, PlanTask
from crewmux.protocol.rundir import AgentSpec, RunDir
from crewmux.protocol.state import AttemptRecord, RunState, TaskRecord
from crewmux.tui.app import DashboardApp

pytestmark = [pytest.mark.timeout(60), pytest.mark.anyio]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # Textual runs on asyncio; anyio's pytest plugin runs the async tests

FIXED_NOW = 1_790_000_000.0  # what the injected clock says in snapshot tests
AGENTS = [
    AgentSpec(name="coordinator", role="coordinator"),
    AgentSpec(name="cto", role="cto"),
    AgentSpec(name="coder-1", role="coder"),
    AgentSpec(name="coder-2", role="coder"),
    AgentSpec(name="qa", role="qa"),
]
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@t",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@t",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
}


def commit_file(project: Path, name: str, text: str) -> str:
    env = {**os.environ, **GIT_ENV}
    (project / name).write_text(text)
    subprocess.run(["git", "add", name], cwd=project, check=True)
    subprocess.run(["git", "commit", "-q", "-m", f"add {name}"], cwd=project, check=True, env=env)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=project, check=True, capture_output=True, text=True).stdout.strip()


def make_run(project: Path, now: float) -> RunDir:
    """A run in the middle of building, written through the real writers."""
    run = RunDir.create(project, "a CLI that converts CSV to JSON", AGENTS, Config().model_dump(mode="json"), run_id="20260101-csv2json")
    run.update_info(status="running", created_at=datetime.fromtimestamp(now - 754, tz=timezone.utc))
    plan = Plan(
        summary="csv2json",
        tasks=[
            PlanTask(id="t1", title="CSV reader", files=["reader.py"], language="python", acceptance=["reads quoted fields"]),
            PlanTask(id="t2", title="JSON writer", files=["writer.py"], language="python"),
            PlanTask(id="t3", title="CLI entry point", files=["cli.py"], language="python", depends_on=["t1", "t2"]),
        ],
    )
    atomic_write_json(run.plan_json, plan.model_dump(mode="json"))
    commit = commit_file(project, "reader.py", "import csv\n\n\ndef read(path):\n    with open(path) as f:\n        return list(csv.DictReader(f))\n")
    state = RunState(
        run_id=run.run_id,
        phase="building",
        tokens=5400,
        tasks={
            "t1": TaskRecord(
                id="t1",
                title="CSV reader",
                status="passed",
                assignee="coder-1",
                merged_commit=commit,
                attempts=[
                    AttemptRecord(attempt=1, coder="coder-1", model="qwen2.5-coder:7b", commit="0" * 40, verdict="fail", findings="reader.py:3: NameError: name 'csv' is not defined", tokens=1200, seconds=31),
                    AttemptRecord(attempt=2, coder="coder-1", model="qwen2.5-coder:7b", commit=commit, verdict="pass", tokens=1500, seconds=28, tps=41.5),
                ],
            ),
            "t2": TaskRecord(id="t2", title="JSON writer", status="running", assignee="coder-2", attempts=[AttemptRecord(attempt=1, coder="coder-2")]),
            "t3": TaskRecord(id="t3", title="CLI entry point", depends_on=["t1", "t2"]),
        },
    )
    atomic_write_json(run.state_json, state.model_dump(mode="json"))
    logs = {name.name: EventLog(run.events(name.name), name.name) for name in AGENTS}
    for offset, agent in enumerate(logs.values()):
        agent.emit("started", ts=now - 60 + offset, status="starting", data={"role": dict((a.name, a.role) for a in AGENTS)[agent.agent]})
    logs["coordinator"].emit("message", ts=now - 50, task_id="t1", data={"id": "m1", "type": "task_assignment", "recipient": "coder-1", "summary": ""})
    logs["coder-1"].emit("llm", ts=now - 40, task_id="t1", attempt=2, tokens=1500, tps=41.5, data={"model": "qwen2.5-coder:7b"})
    logs["coder-1"].emit("message", ts=now - 39, task_id="t1", data={"id": "m2", "type": "completion", "recipient": "coordinator", "summary": ""})
    logs["qa"].emit("status", ts=now - 38, status="idle", data={"sandbox": "bubblewrap (no network)"})
    logs["qa"].emit("message", ts=now - 30, task_id="t1", data={"id": "m3", "type": "review_result", "recipient": "coordinator", "summary": "pass"})
    logs["coordinator"].emit("message", ts=now - 20, task_id="t2", data={"id": "m4", "type": "task_assignment", "recipient": "coder-2", "summary": ""})
    logs["coder-2"].emit("status", ts=now - 5, status="writing", task_id="t2", attempt=1)
    logs["coder-2"].emit("llm", ts=now - 4, task_id="t2", attempt=1, tokens=2100, tps=38.2, data={"model": "qwen2.5-coder:7b"})
    logs["coder-1"].emit("status", ts=now - 3, status="idle")
    logs["cto"].emit("status", ts=now - 2, status="idle")
    logs["coordinator"].emit("status", ts=now - 1, status="waiting")
    logs["qa"].emit("status", ts=now - 1, status="idle")
    for log in logs.values():
        log.close()
    run.log("coordinator").write_text("12:00:00 coordinator started\n12:00:01 plan accepted: 3 tasks\n12:00:02 assigned t1 to coder-1\n")
    run.log("coder-1").write_text("12:00:03 t1 attempt 1\nreader.py\n```python\nimport csv\n```\n12:00:40 committed 1a2b3c\n")
    return run


@pytest.fixture
def run(git_project: Path) -> RunDir:
    return make_run(git_project, time.time())


async def until(pilot, condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the dashboard did not show it within 5 s")
        await pilot.pause(0.02)


def mailbox(run: RunDir, agent: str) -> list:
    new = run.mailbox(agent) / "new"
    return [parse_message(p.read_bytes()) for p in sorted(new.iterdir())]


def screen_text(app: DashboardApp) -> str:
    """The characters on screen, from the SVG screenshot (text runs joined)."""
    svg = app.export_screenshot()
    return html.unescape("".join(re.findall(r"<text [^>]*>([^<]*)</text>", svg))).replace("\xa0", " ")


def cell(app: DashboardApp, table: str, row: str, column: str) -> str:
    widget = app.main.query_one(f"#{table}")
    if table == "agents":
        return widget.cell_text(row, column)
    return str(widget.get_cell(row, column))


def header(app: DashboardApp) -> str:
    return str(app.main.query_one("#run-header").content)


def feed_lines(app: DashboardApp) -> list[str]:
    return app.main.query_one("#feed-log").lines


async def opened(app: DashboardApp, pilot) -> None:
    await until(pilot, lambda: app.view.loaded and app.main.query_one("#agents").row_count == 5 and app.main.query_one("#tasks").row_count == 3)


async def select(pilot, app: DashboardApp, table: str, row: str) -> None:
    widget = app.main.query_one(f"#{table}")
    widget.focus()
    if table == "agents":
        widget.move_to(widget.index_of(row))
    else:
        widget.move_cursor(row=widget.get_row_index(row))
    await pilot.pause()


def controls(run: RunDir, agent: str) -> list[Control]:
    return [m for m in mailbox(run, agent) if isinstance(m, Control)]


def emitter(run: RunDir, agent: str) -> EventLog:
    return EventLog(run.events(agent), agent)


async def test_pause_key_sends_pause_to_the_agent_and_shows_paused(run: RunDir) -> None:
    app = DashboardApp(run)
    async with app.run_test(size=(140, 40)) as pilot:
        await opened(app, pilot)
        await select(pilot, app, "agents", "coder-2")
        await pilot.press("p")
        [message] = controls(run, "coder-2")
        assert (message.action, message.sender, message.recipient, message.run_id) == ("pause", "dashboard", "coder-2", run.run_id)
        assert controls(run, "coder-1") == []
        assert cell(app, "agents", "coder-2", "status") == "writing"
        emitter(run, "coder-2").emit("status", status="paused", task_id="t2", attempt=1)
        await until(pilot, lambda: cell(app, "agents", "coder-2", "status") == "paused")


async def test_resume_key_sends_resume_and_shows_the_agent_working_again(run: RunDir) -> None:
    emitter(run, "coder-1").emit("status", status="paused")
    app = DashboardApp(run)
    async with app.run_test(size=(140, 40)) as pilot:
        await opened(app, pilot)
        await select(pilot, app, "agents", "coder-1")
        assert cell(app, "agents", "coder-1", "status") == "paused"
        await pilot.press("u")
        [message] = controls(run, "coder-1")
        assert (message.action, message.recipient, message.target) == ("resume", "coder-1", None)
        emitter(run, "coder-1").emit("status", status="thinking", task_id="t3", attempt=1)
        await until(pilot, lambda: cell(app, "agents", "coder-1", "status") == "thinking")
        assert cell(app, "agents", "coder-1", "task") == "t3 #1"


async def test_restart_key_sends_restart_and_counts_the_restart(run: RunDir) -> None:
    app = DashboardApp(run)
    async with app.run_test(size=(140, 40)) as pilot:
        await opened(app, pilot)
        await select(pilot, app, "agents", "qa")
        await pilot.press("R")
        [message] = controls(run, "qa")
        assert (message.action, message.recipient) == ("restart", "qa")
        assert cell(app, "agents", "qa", "restarts") == ""
        events = emitter(run, "qa")
        events.emit("stopped", status="stopped", data={"exit_code": 75})
        events.emit("started", status="starting", data={"role": "qa"})
        await until(pilot, lambda: cell(app, "agents", "qa", "restarts") == "1")


async def test_steer_key_sends_the_typed_note_and_the_output_shows_it_arrive(run: RunDir) -> None:
    from io import StringIO

    from crewmux.agents.console import Console

    app = DashboardApp(run)
    async with app.run_test(size=(140, 40)) as pilot:
        await opened(app, pilot)
        await select(pilot, app, "agents", "coder-1")
        await until(pilot, lambda: any("committed 1a2b3c" in line for line in app.main.query_one("#output").lines))
        await pilot.press("s")
        await pilot.press(*"use csv.DictReader")
        await pilot.press("enter")
        [message] = mailbox(run, "coder-1")
        assert isinstance(message, Steer)
        assert (message.text, message.sender, message.recipient) == ("use csv.DictReader", "dashboard", "coder-1")
        # What the agent does with it: its log gets the note, the output panel follows.
        Console(run.log("coder-1"), out=StringIO()).line(f">> steer from dashboard: {message.text}")
        await until(pilot, lambda: any("steer from dashboard: use csv.DictReader" in line for line in app.main.query_one("#output").lines))


async def test_steer_escape_sends_nothing(run: RunDir) -> None:
    app = DashboardApp(run)
    async with app.run_test(size=(140, 40)) as pilot:
        await opened(app, pilot)
        await pilot.press("s", "x", "escape")
        await pilot.pause()
        assert all(mailbox(run, a.name) == [] for a in AGENTS)
        assert not isinstance(app.screen, type(None)) and app.screen is app.main


async def test_retry_key_sends_retry_of_the_selected_task_to_the_coordinator(run: RunDir) -> None:
    state = RunState.model_validate_json(run.state_json.read_bytes())
    state.tasks["t2"].status = "failed"  # the coordinator retries only a failed, blocked or skipped task
    atomic_write_json(run.state_json, state.model_dump(mode="json"))
    app = DashboardApp(run)
    async with app.run_test(size=(140, 40)) as pilot:
        await opened(app, pilot)
        await select(pilot, app, "tasks", "t2")
        await pilot.press("t")
        [message] = controls(run, "coordinator")
        assert (message.action, message.target, message.recipient, message.sender) == ("retry", "t2", "coordinator", "dashboard")
        state = RunState.model_validate_json(run.state_json.read_bytes())
        state.tasks["t2"].attempts.append(AttemptRecord(attempt=2, coder="coder-1"))
        state.tasks["t2"].assignee = "coder-1"
        atomic_write_json(run.state_json, state.model_dump(mode="json"))
        await until(pilot, lambda: cell(app, "tasks", "t2", "tries") == "2" and cell(app, "tasks", "t2", "coder") == "coder-1")


async def test_skip_key_sends_skip_and_the_board_shows_skipped(run: RunDir) -> None:
    app = DashboardApp(run)
    async with app.run_test(size=(140, 40)) as pilot:
        await opened(app, pilot)
        await select(pilot, app, "tasks", "t3")
        await pilot.press("k")
        [message] = controls(run, "coordinator")
        assert (message.action, message.target) == ("skip", "t3")
        state = RunState.model_validate_json(run.state_json.read_bytes())
        state.tasks["t3"].status = "skipped"
        atomic_write_json(run.state_json, state.model_dump(mode="json"))
        await until(pilot, lambda: cell(app, "tasks", "t3", "state") == "skipped")
        assert "1 failed" in header(app) and "1 left" in header(app)


async def test_add_coder_key_asks_the_runtime_and_the_new_coder_appears(run: RunDir) -> None:
    # The runtime starts the coder (tests/test_tmux_runtime.py does it for real); this run has
    # no tmux session, so the key says so, and nothing goes to the coordinator.
    app = DashboardApp(run)
    async with app.run_test(size=(140, 40)) as pilot:
        await opened(app, pilot)
        await pilot.press("a")
        await until(pilot, lambda: any(n.title == "not sent" and "no tmux session" in n.message for n in app._notifications))
        assert controls(run, "coordinator") == []
        run.add_agent(AgentSpec(name="coder-3", role="coder"))
        await until(pilot, lambda: app.main.query_one("#agents").row_count == 6)
        assert cell(app, "agents", "coder-3", "status") == "starting"
        assert cell(app, "agents", "coder-3", "role") == "coder"
        emitter(run, "coder-3").emit("started", status="starting", data={"role": "coder"})
        emitter(run, "coder-3").emit("status", status="idle")
        await until(pilot, lambda: cell(app, "agents", "coder-3", "status") == "idle")


async def test_remove_coder_key_names_the_selected_coder_and_refuses_other_roles(run: RunDir) -> None:
    app = DashboardApp(run)
    async with app.run_test(size=(140, 40)) as pilot:
        await opened(app, pilot)
        await select(pilot, app, "agents", "qa")
        await pilot.press("x")
        assert controls(run, "coordinator") == []
        await select(pilot, app, "agents", "coder-2")
        await pilot.press("x")
        # The runtime marks it removed in run.json, tells it to stop and tells the coordinator.
        [message] = controls(run, "coordinator")
        assert (message.action, message.target, message.sender) == ("remove_coder", "coder-2", "runtime")
        [stop] = controls(run, "coder-2")
        assert (stop.action, stop.sender) == ("stop", "dashboard")
        assert [a.name for a in run.info().agents if a.removed] == ["coder-2"]
        emitter(run, "coder-2").emit("stopped", status="stopped", data={"exit_code": 0})
        await until(pilot, lambda: cell(app, "agents", "coder-2", "status") == "removed")


async def test_stop_key_asks_first_and_stops_the_run_only_on_yes(run: RunDir) -> None:
    # With a team in tmux: tests/test_tui_stop_run.py (the processes end, the session closes).
    from crewmux.tui.screens.confirm_stop import ConfirmStopScreen

    app = DashboardApp(run)
    async with app.run_test(size=(140, 40)) as pilot:
        await opened(app, pilot)
        await pilot.press("S")
        assert isinstance(app.screen, ConfirmStopScreen)
        await pilot.press("n")
        await pilot.pause()
        assert run.info().status == "running"
        await pilot.press("S")
        await pilot.click("#yes")
        await until(pilot, lambda: " stopped " in header(app))
        info = run.info()  # written by the runtime's stop, as `crewmux stop` does
        assert (info.status, info.reason) == ("stopped", "stopped by the user") and info.finished_at is not None


async def test_details_key_and_enter_on_the_board_show_attempts_findings_and_diff(run: RunDir) -> None:
    from crewmux.tui.screens.task_details import TaskDetailsScreen

    app = DashboardApp(run)
    async with app.run_test(size=(140, 50)) as pilot:
        await opened(app, pilot)
        await select(pilot, app, "tasks", "t1")
        await pilot.press("d")
        assert isinstance(app.screen, TaskDetailsScreen)
        screen = app.screen

        def diff_text() -> str:
            return str(screen.query_one("#details-diff").content)

        await until(pilot, lambda: "csv.DictReader" in getattr(screen.query_one("#details-diff").content, "code", diff_text()))
        assert "NameError" in str(screen.query_one("#details-findings").content.renderables[1])
        await pilot.press("escape")
        assert app.screen is app.main
        await select(pilot, app, "tasks", "t3")
        await pilot.press("enter")
        assert isinstance(app.screen, TaskDetailsScreen) and app.screen.task_view.id == "t3"
        assert "No commit yet" in str(app.screen.query_one("#details-diff").content)
        assert all(mailbox(run, a.name) == [] for a in AGENTS)


async def test_enter_on_an_agent_runs_the_attach_command_or_says_why_not(run: RunDir) -> None:
    from crewmux.tui.attach import AttachError, attach_argv

    run.update_info(tmux_socket="crewmux-test", tmux_session="crewmux-csv2json")
    app = DashboardApp(run)
    async with app.run_test(size=(140, 40)) as pilot:
        await opened(app, pilot)
        await select(pilot, app, "agents", "coder-1")
        await pilot.press("enter")
        await pilot.pause()
        [note] = list(app._notifications)
        try:
            argv = attach_argv(run, run.info(), "coder-1")
        except AttachError as exc:  # the tmux runtime knows there is no such session
            assert (note.title, note.message) == ("cannot attach", str(exc))
        else:
            # The headless test driver cannot hand the terminal over, so the app says how.
            assert note.title == "attach" and " ".join(argv) in note.message


async def test_replies_to_the_dashboard_are_shown_and_taken_from_its_mailbox(run: RunDir) -> None:
    from crewmux.protocol.mailbox import deliver
    from crewmux.protocol.messages import ErrorReport

    app = DashboardApp(run)
    async with app.run_test(size=(140, 40)) as pilot:
        await opened(app, pilot)
        reply = ErrorReport(run_id=run.run_id, sender="coordinator", recipient="dashboard", error="cannot retry t1: it passed")
        deliver(run.mail_root, reply)
        await until(pilot, lambda: any(n.message == "cannot retry t1: it passed" for n in app._notifications))
        [note] = list(app._notifications)
        assert (note.title, note.severity) == ("from coordinator", "error")
        assert list((run.mailbox("dashboard") / "new").iterdir()) == []
        assert (run.mailbox("dashboard") / "done" / f"{reply.id}.json").exists()


async def test_task_details_follow_the_task_while_open(run: RunDir) -> None:
    from crewmux.tui.screens.task_details import TaskDetailsScreen

    app = DashboardApp(run)
    async with app.run_test(size=(140, 50)) as pilot:
        await opened(app, pilot)
        await select(pilot, app, "tasks", "t2")
        await pilot.press("d")
        assert isinstance(app.screen, TaskDetailsScreen)
        assert "No QA findings" in str(app.screen.query_one("#details-findings").content)
        state = RunState.model_validate_json(run.state_json.read_bytes())
        attempt = state.tasks["t2"].attempts[0]
        attempt.verdict, attempt.findings = "fail", "writer.py:1: SyntaxError: invalid syntax"
        state.tasks["t2"].status = "failed"
        atomic_write_json(run.state_json, state.model_dump(mode="json"))
        await until(pilot, lambda: "SyntaxError" in screen_text(app))
        assert "failed" in screen_text(app)


async def test_filter_key_filters_the_feed_by_agent_and_type(run: RunDir) -> None:
    app = DashboardApp(run)
    async with app.run_test(size=(140, 40)) as pilot:
        await opened(app, pilot)
        await until(pilot, lambda: len(feed_lines(app)) == 4)
        await pilot.press("slash", *"coder-2")
        await until(pilot, lambda: len(feed_lines(app)) == 1)
        assert "coordinator → coder-2 task_assignment [t2]" in feed_lines(app)[0]
        await pilot.press(*[*["backspace"] * 7, *"qa review"])
        await until(pilot, lambda: len(feed_lines(app)) == 1 and "review_result" in feed_lines(app)[0])
        # new messages pass through the filter as they arrive
        emitter(run, "qa").emit("message", task_id="t2", data={"id": "m9", "type": "review_result", "recipient": "coordinator", "summary": "fail"})
        emitter(run, "coder-2").emit("message", task_id="t2", data={"id": "m10", "type": "completion", "recipient": "coordinator"})
        await until(pilot, lambda: len(feed_lines(app)) == 2)
        assert "fail" in feed_lines(app)[1]
        await pilot.press("enter")
        assert app.focused is app.main.query_one("#agents")


async def test_help_key_lists_every_key(run: RunDir) -> None:
    from crewmux.tui.keys import KEYS
    from crewmux.tui.screens.help import HelpScreen

    app = DashboardApp(run)
    async with app.run_test(size=(140, 40)) as pilot:
        await opened(app, pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for key in KEYS:
            assert key.description[:36] in text  # long ones wrap
        await pilot.press("escape")
        assert app.screen is app.main


async def test_quit_key_leaves_the_team_running(run: RunDir) -> None:
    app = DashboardApp(run)
    async with app.run_test(size=(140, 40)) as pilot:
        await opened(app, pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
    assert all(mailbox(run, a.name) == [] for a in AGENTS)
    assert run.info().status == "running"


async def test_command_palette_runs_the_same_actions(run: RunDir) -> None:
    from textual.widgets import OptionList

    app = DashboardApp(run)
    async with app.run_test(size=(140, 40)) as pilot:
        await opened(app, pilot)
        await select(pilot, app, "agents", "cto")
        await pilot.press("ctrl+p")
        await pilot.press(*"Pause the selected")
        await until(pilot, lambda: bool(app.screen.query(OptionList)) and app.screen.query_one(OptionList).option_count == 1)
        assert "Pause the selected agent" in str(app.screen.query_one(OptionList).get_option_at_index(0).prompt)
        await pilot.press("enter")
        await until(pilot, lambda: len(controls(run, "cto")) == 1)
        assert controls(run, "cto")[0].action == "pause"


async def test_clicking_an_agent_row_selects_it_and_shows_its_output(run: RunDir) -> None:
    app = DashboardApp(run)
    async with app.run_test(size=(140, 40)) as pilot:
        await opened(app, pilot)
        await until(pilot, lambda: app.main.query_one("#output").agent == "coordinator")
        table = app.main.query_one("#agents")
        row = table.index_of("coder-1")
        await pilot.click("#agents", offset=(4, 2 + row))  # border + header rows above
        await until(pilot, lambda: app.main.query_one("#output").agent == "coder-1")
        assert any("committed 1a2b3c" in line for line in app.main.query_one("#output").lines)
        await pilot.press("p")
        assert [m.action for m in controls(run, "coder-1")] == ["pause"]


async def test_a_run_with_no_events_shows_starting_and_agents_appear_as_they_start(git_project: Path) -> None:
    run = RunDir.create(git_project, "a bakery landing page", AGENTS[:2], Config().model_dump(mode="json"))
    app = DashboardApp(run)
    async with app.run_test(size=(140, 40)) as pilot:
        await until(pilot, lambda: app.main.query_one("#agents").row_count == 2)
        assert " starting " in header(app)
        assert cell(app, "agents", "cto", "status") == "starting"
        emitter(run, "cto").emit("started", status="starting", data={"role": "cto"})
        emitter(run, "cto").emit("status", status="thinking")
        await until(pilot, lambda: cell(app, "agents", "cto", "status") == "thinking")
        # an agent not in run.json appears with its first event
        emitter(run, "coder-9").emit("started", status="starting", data={"role": "coder"})
        await until(pilot, lambda: app.main.query_one("#agents").row_count == 3)
        assert cell(app, "agents", "coder-9", "role") == "coder"
        run.update_info(status="planning")
        await until(pilot, lambda: " planning " in header(app))


async def test_live_output_streams_tokens_of_the_selected_agent(run: RunDir) -> None:
    from io import StringIO

    from crewmux.agents.console import Console

    app = DashboardApp(run)
    async with app.run_test(size=(140, 40)) as pilot:
        await opened(app, pilot)
        await select(pilot, app, "agents", "coder-2")
        output = app.main.query_one("#output")
        await until(pilot, lambda: output.agent == "coder-2")
        console = Console(run.log("coder-2"), out=StringIO())
        console.line("t2 attempt 1")
        for token in ["writer", ".py\n```", "python\nimport ", "json", " é"]:
            console.stream(token)
            await pilot.pause(0.01)
        await until(pilot, lambda: output.lines[-1:] == ["import json é"])
        assert output.lines[-4].endswith("t2 attempt 1")


async def test_arrow_keys_move_the_selection_and_the_output_follows(run: RunDir) -> None:
    app = DashboardApp(run)
    async with app.run_test(size=(140, 40)) as pilot:
        await opened(app, pilot)
        table = app.main.query_one("#agents")
        table.focus()
        await pilot.press("down", "down")
        assert table.selected == "coder-1"
        await until(pilot, lambda: app.main.query_one("#output").agent == "coder-1")
        await pilot.press("end")
        assert table.selected == "qa"
        await pilot.press("p")
        assert [m.action for m in controls(run, "qa")] == ["pause"]


async def test_an_agent_that_falls_silent_shows_dead_until_it_speaks_again(run: RunDir) -> None:
    clock = [time.time()]
    app = DashboardApp(run, clock=lambda: clock[0])
    async with app.run_test(size=(140, 40)) as pilot:
        await opened(app, pilot)
        assert cell(app, "agents", "coder-2", "status") == "writing"
        clock[0] += 60  # no heartbeat for a minute
        await until(pilot, lambda: cell(app, "agents", "coder-2", "status") == "dead")
        emitter(run, "coder-2").emit("heartbeat", ts=clock[0], status="writing", task_id="t2", attempt=1)
        await until(pilot, lambda: cell(app, "agents", "coder-2", "status") == "writing")


async def test_the_output_panel_scrolls_back_and_follows_again(run: RunDir) -> None:
    from io import StringIO

    from crewmux.agents.console import Console

    console = Console(run.log("coordinator"), out=StringIO())
    for n in range(200):
        console.line(f"step {n:03d}")
    app = DashboardApp(run)
    async with app.run_test(size=(140, 40)) as pilot:
        await opened(app, pilot)
        output = app.main.query_one("#output")
        await until(pilot, lambda: output.agent == "coordinator" and output.lines[-1].endswith("step 199"))
        await pilot.pause()
        assert "step 199" in screen_text(app) and "step 150" not in screen_text(app)
        output.focus()
        await pilot.press("pageup", "pageup")
        await pilot.pause()
        assert "step 199" not in screen_text(app) and "step 160" in screen_text(app)
        console.line("step 200")  # new text does not move a scrolled-back view
        await until(pilot, lambda: output.lines[-1].endswith("step 200"))
        await pilot.pause()
        assert "step 160" in screen_text(app)
        await pilot.press("end")
        await pilot.pause()
        assert "step 200" in screen_text(app)


async def test_until_qa_says_the_header_shows_the_dashboards_own_sandbox_probe(git_project: Path) -> None:
    from crewmux.workspace.sandbox import Sandbox

    run = RunDir.create(git_project, "brief", AGENTS, Config().model_dump(mode="json"))
    app = DashboardApp(run)
    async with app.run_test(size=(200, 40)) as pilot:
        await until(pilot, lambda: "(probed by the dashboard)" in header(app), timeout=20)
        assert Sandbox().describe() in header(app)
        emitter(run, "qa").emit("status", status="idle", data={"sandbox": "sandbox: bubblewrap, as QA runs it"})
        await until(pilot, lambda: "as QA runs it" in header(app))
        assert "probed" not in header(app)
