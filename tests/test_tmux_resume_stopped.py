"""A stopped run resumed: the stop that ended it is not read again by the new team
(issue 15: every agent logged "control from dashboard: stop the run is over" and left)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

import crewmux
from crewmux.protocol.events import read_events
from crewmux.protocol.mailbox import deliver
from crewmux.protocol.messages import Control
from crewmux.protocol.rundir import DASHBOARD, AgentSpec, RunDir
from crewmux.runtime.team import TeamRuntime
from crewmux.runtime.tmux import Tmux

SUPPORT = Path(__file__).parent / "tmux_support"
IDLE = {role: "tmux_test_agents:IdleAgent" for role in ("coordinator", "cto", "coder", "qa")}
pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def socket_name(monkeypatch: pytest.MonkeyPatch):
    tree = str(Path(crewmux.__file__).resolve().parent.parent)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([tree, str(SUPPORT)]))
    name = f"crewmux-test-{uuid.uuid4().hex[:10]}"
    yield name
    Tmux(name).kill_server()


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crewmux", *args], capture_output=True, text=True, timeout=60)


def wait_for(what: str, predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_stopped_run_resumes_without_reading_its_old_stop(git_project: Path, socket_name: str) -> None:
    agents = [AgentSpec(name="coordinator", role="coordinator"), AgentSpec(name="cto", role="cto"),
              AgentSpec(name="coder-1", role="coder"), AgentSpec(name="qa", role="qa")]
    run = RunDir.create(git_project, "idle team", agents)
    runtime = TeamRuntime(socket_name, role_targets=IDLE, check_interval=0.3)
    runtime.start(run)
    wait_for("heartbeats", lambda: all(any(e.kind == "heartbeat" for e in read_events(run.events(a.name))) for a in agents))
    stopped = cli("stop", run.run_id, "-C", str(git_project))
    assert stopped.returncode == 0, stopped.stderr
    assert run.info().status == "stopped"
    # What a stop leaves behind when an agent ends before it files the message: one still
    # claimed (cur/main/) and one never read (new/).
    claimed = deliver(run.mail_root, Control(run_id=run.run_id, sender=DASHBOARD, recipient="coder-1", action="stop", reason="the run is over"))
    (run.mailbox("coder-1") / "cur" / "main").mkdir(parents=True, exist_ok=True)
    os.rename(claimed, run.mailbox("coder-1") / "cur" / "main" / claimed.name)
    deliver(run.mail_root, Control(run_id=run.run_id, sender=DASHBOARD, recipient="qa", action="stop", reason="the run is over"))
    before = {a.name: len([e for e in read_events(run.events(a.name)) if e.kind == "stopped"]) for a in agents}

    resumed = cli("resume", run.run_id, "-C", str(git_project))
    assert resumed.returncode == 0, resumed.stderr
    assert run.info().status == "running"
    time.sleep(4)  # long enough for an agent to read its mailbox and leave
    alive = runtime.agents_alive(run)
    assert all(alive.values()), alive
    after = {a.name: len([e for e in read_events(run.events(a.name)) if e.kind == "stopped"]) for a in agents}
    assert after == before
    for name in ("coder-1", "qa"):
        since_resume = run.log(name).read_text().split("started for run")[-1]
        assert "control from" not in since_resume, since_resume
