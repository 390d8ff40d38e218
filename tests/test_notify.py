"""A bell and a desktop notification when a run ends or a task is stuck (issue 15): the
moments, said once each; notify-send really run (a stand-in on PATH records its argv) from
the dashboard and from a real headless scripted run."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from crewmux.protocol.state import RunState, TaskRecord
from crewmux.tui.app import DashboardApp
from crewmux.tui.notify import Alert, Notifier, desktop_notify, state_alerts, view_alerts
from crewmux.tui.team_view import AgentView, TaskView, TeamView
from tests.test_tui_app import make_run, opened, until

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def notify_send(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A notify-send on PATH that appends its arguments to a file, and a desktop to show it on."""
    bin_dir, record = tmp_path / "bin", tmp_path / "notified.txt"
    bin_dir.mkdir()
    program = bin_dir / "notify-send"
    program.write_text(f'#!/bin/sh\nprintf "%s|" "$@" >> {record}\necho >> {record}\n')
    program.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("DISPLAY", ":77")
    monkeypatch.delenv("CREWMUX_NOTIFY", raising=False)
    return record


def notified(record: Path, timeout: float = 10.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not record.exists():
        time.sleep(0.05)
    time.sleep(0.1)
    return record.read_text().splitlines() if record.exists() else []


def test_the_moments_worth_a_bell() -> None:
    now = time.time()
    view = TeamView(run_id="r1", run_status="running", phase="building", brief="a bakery page")
    view.agents = {"coder-1": AgentView(name="coder-1", status="stuck", task_id="t2", attempt=3, last_seen=now, last_text="same error 3 times")}
    view.tasks = {"t1": TaskView(id="t1", title="page", state="passed"), "t2": TaskView(id="t2", title="css", state="failed", reason="4 attempts")}
    keys = [a.key for a in view_alerts(view, now)]
    assert keys == ["stuck:coder-1:t2", "task:t2:failed"]
    view.run_status = "partial"
    [end] = view_alerts(view, now)
    assert (end.title, end.urgent) == ("crewmux run partial", True) and "1 passed, 1 failed: a bakery page" == end.body
    state = RunState(run_id="r1", tasks={"t1": TaskRecord(id="t1", title="page", status="passed"),
                                         "t2": TaskRecord(id="t2", title="css", status="blocked", reason="t1 failed")})
    assert [a.key for a in state_alerts(state)] == ["task:t2:blocked"]
    assert [a.key for a in state_alerts(state, "succeeded")][-1] == "run:succeeded"


def test_each_moment_rings_once_and_what_was_so_at_start_never(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    notifier = Notifier(environ={}, stream=out)  # no desktop: the bell alone
    old, new = Alert("task:t1:failed", "a", "b"), Alert("run:failed", "c", "d")
    notifier.seen([old])
    assert notifier.ring([old, new]) == [new] and out.getvalue() == "\a"
    assert notifier.ring([old, new]) == [] and out.getvalue() == "\a"
    quiet = Notifier(environ={"CREWMUX_NOTIFY": "0"}, stream=out)
    assert quiet.ring([new]) == [] and out.getvalue() == "\a"


def test_notify_send_is_run_only_with_a_desktop(notify_send: Path) -> None:
    alert = Alert("run:failed", "crewmux run failed", "0 passed", urgent=True)
    assert not desktop_notify(alert, {"PATH": os.environ["PATH"]})  # no DISPLAY, no session bus
    assert desktop_notify(alert, dict(os.environ))
    assert notified(notify_send) == ["--app-name=crewmux|--urgency=critical|crewmux run failed|0 passed|"]


@pytest.mark.anyio
async def test_the_dashboard_rings_when_the_run_ends_not_when_opened_on_a_finished_one(git_project: Path, notify_send: Path) -> None:
    run = make_run(git_project, time.time())
    app = DashboardApp(run)
    rang: list[int] = []
    app.bell = lambda: rang.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(140, 40)) as pilot:
        await opened(app, pilot)
        assert rang == []
        run.update_info(status="succeeded", reason="all tasks passed", finished_at=datetime.now(timezone.utc))
        await until(pilot, lambda: rang == [1])
    assert notified(notify_send) == ["--app-name=crewmux|--urgency=normal|crewmux run succeeded|1 passed, 0 failed: a CLI that converts CSV to JSON|"]
    notify_send.unlink()
    again = DashboardApp(run)
    again.bell = lambda: rang.append(2)  # type: ignore[method-assign]
    async with again.run_test(size=(140, 40)) as pilot:
        await opened(again, pilot)
        await pilot.pause(0.5)
    assert rang == [1] and not notify_send.exists()


@pytest.mark.timeout(240)
def test_a_headless_run_notifies_its_end(git_project: Path, notify_send: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("OLLAMA_HOST", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL")}
    (git_project / ".git" / "info" / "exclude").write_text(".crewmux/\n")
    try:
        result = subprocess.run([sys.executable, "-m", "crewmux", "run", "--headless", "--scripted", "a landing page for a bakery"],
                                cwd=git_project, env=env, capture_output=True, text=True, timeout=220)
    finally:
        subprocess.run(["tmux", "-L", "crewmux", "kill-server"], capture_output=True, env=env, timeout=10)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    status = "succeeded" if result.returncode == 0 else "partial"
    lines = notified(notify_send)
    assert lines and lines[-1].startswith(f"--app-name=crewmux|--urgency={'normal' if status == 'succeeded' else 'critical'}|crewmux run {status}|")
    assert "\a" not in result.stdout  # not a terminal: no bell in the log
