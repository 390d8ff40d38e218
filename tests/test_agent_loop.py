"""The shared agent loop with real mailboxes and event logs (the agent runs in a thread)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from crewmux.agents.loop import Agent, AgentStopped
from crewmux.protocol.exit_codes import RESTART_EXIT_CODE
from crewmux.protocol.events import read_events
from crewmux.protocol.mailbox import deliver
from crewmux.protocol.messages import Control, ProgressUpdate, Steer
from crewmux.protocol.rundir import AgentSpec, RunDir


class Recorder(Agent):
    """Handles progress updates slowly, in steps, recording what it saw."""

    role = "coder"

    def __init__(self, run: RunDir, name: str) -> None:
        super().__init__(run, name, heartbeat_interval=0.2)
        self.handled: list[str] = []
        self.notes_seen: list[list[str]] = []

    def handle(self, message) -> None:
        self.set_status("thinking", task_id=message.task_id)
        if message.status == "explode":
            raise ValueError("bad payload")
        for _ in range(3):
            time.sleep(0.05)
            self.checkpoint()
        self.notes_seen.append(self.take_steer_notes())
        self.handled.append(message.status)


def wait_until(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def team(tmp_path: Path):
    run = RunDir.create(tmp_path, "test", [AgentSpec(name="coder-1", role="coder")])
    agent = Recorder(run, "coder-1")
    result: dict[str, int] = {}
    thread = threading.Thread(target=lambda: result.setdefault("code", agent.run_forever()))
    thread.start()
    yield run, agent, result
    agent.stop()
    thread.join(10)
    assert not thread.is_alive()


def send(run: RunDir, cls, **fields) -> None:
    deliver(run.mail_root, cls(run_id=run.run_id, sender="dashboard", recipient="coder-1", **fields))


def test_work_is_handled_and_events_say_so(team) -> None:
    run, agent, _ = team
    send(run, ProgressUpdate, status="one", task_id="t1")
    assert wait_until(lambda: agent.handled == ["one"])
    assert wait_until(lambda: agent.status == "idle")
    kinds = [e.kind for e in read_events(run.events("coder-1"))]
    assert kinds[:2] == ["started", "heartbeat"]
    assert "received" in kinds and "status" in kinds
    assert "coder-1 (coder) started" in run.log("coder-1").read_text()


def test_pause_holds_new_work_until_resume(team) -> None:
    run, agent, _ = team
    send(run, Control, action="pause")
    assert wait_until(lambda: agent.status == "paused")
    send(run, ProgressUpdate, status="held")
    time.sleep(0.6)
    assert agent.handled == []
    send(run, Control, action="resume")
    assert wait_until(lambda: agent.handled == ["held"])


def test_steer_note_reaches_the_next_step(team) -> None:
    run, agent, _ = team
    send(run, Steer, text="prefer argparse over click")
    assert wait_until(lambda: any(e.kind == "steer" for e in read_events(run.events("coder-1"))))
    send(run, ProgressUpdate, status="work")
    assert wait_until(lambda: agent.handled == ["work"])
    assert agent.notes_seen == [["prefer argparse over click"]]


def test_a_failing_handler_does_not_end_the_agent(team) -> None:
    run, agent, _ = team
    send(run, ProgressUpdate, status="explode")
    send(run, ProgressUpdate, status="after")
    assert wait_until(lambda: agent.handled == ["after"])
    errs = list((run.mailbox("coder-1") / "failed").glob("*.err"))
    assert len(errs) == 1 and "bad payload" in errs[0].read_text()


def test_restart_control_ends_the_loop_with_the_restart_code(team) -> None:
    run, agent, result = team
    send(run, Control, action="restart")
    assert wait_until(lambda: "code" in result)
    assert result["code"] == RESTART_EXIT_CODE
    assert read_events(run.events("coder-1"))[-1].kind == "stopped"


def test_stop_mid_step_leaves_the_message_for_the_next_start(team) -> None:
    run, agent, result = team
    send(run, ProgressUpdate, status="long")
    assert wait_until(lambda: agent.status == "thinking")
    send(run, Control, action="stop")
    assert wait_until(lambda: "code" in result)
    assert result["code"] == 0
    assert agent.handled == []
    # Still claimed, so a restarted agent gets it back.
    claimed = list((run.mailbox("coder-1") / "cur" / "main").iterdir())
    assert len(claimed) == 1
    again = Recorder(run, "coder-1")
    assert [c.message.status for c in again.mailbox.recover()] == ["long"]


def test_checkpoint_raises_when_stopped(tmp_path: Path) -> None:
    run = RunDir.create(tmp_path, "t", [AgentSpec(name="coder-1", role="coder")])
    agent = Recorder(run, "coder-1")
    agent.stop()
    with pytest.raises(AgentStopped):
        agent.checkpoint()


class Prioritising(Recorder):
    """Handles "merge" updates only once nothing else waits (as the coordinator does merges)."""

    def priority(self, message) -> int:
        return 1 if message.status.startswith("merge") else 0

    def on_start(self) -> None:
        assert wait_until(lambda: self._work.qsize() == 5)  # the reader has taken them all in


def test_waiting_messages_are_handled_by_priority_then_arrival(tmp_path: Path):
    run = RunDir.create(tmp_path, "test", [AgentSpec(name="coder-1", role="coder")])
    order = ["merge-a", "work-1", "merge-b", "work-2", "work-3"]
    for status in order:  # all waiting before the agent starts
        deliver(run.mail_root, ProgressUpdate(run_id=run.run_id, sender="coordinator", recipient="coder-1",
                                              task_id="t1", status=status))
    agent = Prioritising(run, "coder-1")
    thread = threading.Thread(target=agent.run_forever)
    thread.start()
    try:
        assert wait_until(lambda: len(agent.handled) == 5)
    finally:
        agent.stop()
        thread.join(10)
    assert agent.handled == ["work-1", "work-2", "work-3", "merge-a", "merge-b"]
