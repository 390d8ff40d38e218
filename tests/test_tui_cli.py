"""``crewmux dashboard``: clear errors without a run or a terminal, and the real app in a
real terminal (a tmux pane on a private socket), quit with q."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crewmux.protocol.events import EventLog
from crewmux.protocol.rundir import AgentSpec, RunDir

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[1]


def crewmux(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crewmux", *args], cwd=cwd, capture_output=True, text=True, timeout=30)


def test_no_run_says_how_to_start_one(tmp_path: Path) -> None:
    result = crewmux("dashboard", cwd=tmp_path)
    assert result.returncode == 2
    assert "no crewmux runs" in result.stderr and "crewmux run" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_run_id_is_a_clear_error(tmp_path: Path) -> None:
    RunDir.create(tmp_path, "brief", [])
    result = crewmux("dashboard", "nope", cwd=tmp_path)
    assert result.returncode == 2 and "no run 'nope'" in result.stderr


def test_without_a_terminal_it_says_so(tmp_path: Path) -> None:
    RunDir.create(tmp_path, "brief", [])
    result = crewmux("dashboard", cwd=tmp_path)
    assert result.returncode == 2 and "needs a terminal" in result.stderr


@pytest.fixture
def tmux(tmp_path: Path):
    socket = f"crewmux-tui-test-{os.getpid()}"

    def run(*args: str) -> str:
        return subprocess.run(["tmux", "-L", socket, *args], check=True, capture_output=True, text=True, timeout=10).stdout

    yield run
    subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, timeout=10)


def test_dashboard_runs_in_a_real_terminal_and_q_quits(tmp_path: Path, tmux) -> None:
    run = RunDir.create(tmp_path, "a tiny brief", [AgentSpec(name="coder-1", role="coder")], run_id="20260101-tiny")
    EventLog(run.events("coder-1"), "coder-1").emit("status", status="thinking", task_id="t1", attempt=1)
    env = f"PYTHONPATH={ROOT.parent} TERM=xterm-256color"
    done = tmp_path / "exit-code"
    # COLUMNS/LINES inherited from the test runner would override the pane's real size.
    command = f"cd {tmp_path} && env -u COLUMNS -u LINES {env} {sys.executable} -m crewmux dashboard 20260101; echo $? > {done}; sleep 30"
    tmux("new-session", "-d", "-s", "dash", "-x", "140", "-y", "40", command)

    def screen() -> str:
        return tmux("capture-pane", "-p", "-t", "dash")

    deadline = time.monotonic() + 20
    while "thinking" not in screen():
        assert time.monotonic() < deadline, screen()
        time.sleep(0.2)
    text = screen()
    assert "20260101-tiny" in text and "a tiny brief" in text and "t1 #1" in text
    tmux("send-keys", "-t", "dash", "q")
    deadline = time.monotonic() + 10
    while not done.exists():
        assert time.monotonic() < deadline, screen()
        time.sleep(0.1)
    assert done.read_text().strip() == "0"
    assert list((run.mailbox("coder-1") / "new").iterdir()) == []


def test_enter_in_a_real_terminal_hands_it_over_to_tmux_and_comes_back(tmp_path: Path, tmux) -> None:
    """A second tmux server plays the team's; Enter attaches the pane's terminal to it,
    detaching returns to the dashboard."""
    team_socket = f"crewmux-tui-team-{os.getpid()}"
    subprocess.run(["tmux", "-L", team_socket, "new-session", "-d", "-s", "crewmux-team", "-n", "coder-1", "echo THE-AGENT-PANE; sleep 60"], check=True, timeout=10)
    try:
        run = RunDir.create(tmp_path, "attach brief", [AgentSpec(name="coder-1", role="coder")], run_id="20260101-attach")
        run.update_info(tmux_socket=team_socket, tmux_session="crewmux-team")
        EventLog(run.events("coder-1"), "coder-1").emit("status", status="writing")
        env = f"PYTHONPATH={ROOT.parent} TERM=xterm-256color"
        # -u TMUX: the dashboard pane is itself in tmux; the user's terminal would not be.
        command = f"cd {tmp_path} && env -u COLUMNS -u LINES -u TMUX {env} {sys.executable} -m crewmux dashboard; sleep 30"
        tmux("new-session", "-d", "-s", "dash", "-x", "140", "-y", "40", command)

        def wait_for(text: str) -> None:
            deadline = time.monotonic() + 20
            while text not in tmux("capture-pane", "-p", "-t", "dash"):
                assert time.monotonic() < deadline, tmux("capture-pane", "-p", "-t", "dash")
                time.sleep(0.2)

        wait_for("writing")
        tmux("send-keys", "-t", "dash", "Enter")
        from crewmux.tui.attach import AttachError, attach_argv

        try:
            attach_argv(run, run.info(), "coder-1")
        except AttachError as exc:  # the tmux runtime wants its own layout: it says so
            wait_for(str(exc)[:40])
            return
        wait_for("THE-AGENT-PANE")
        subprocess.run(["tmux", "-L", team_socket, "detach-client", "-s", "crewmux-team"], check=True, timeout=10)
        wait_for("writing")  # the dashboard again, redrawn
        assert "THE-AGENT-PANE" not in tmux("capture-pane", "-p", "-t", "dash")
    finally:
        subprocess.run(["tmux", "-L", team_socket, "kill-server"], capture_output=True, timeout=10)
