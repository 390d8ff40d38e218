"""What the dashboard's keys do: one message per agent or task action, and the tmux
runtime itself for the team.

Agent-level actions (pause, resume, restart, steer) go to the agent itself, which acts
on them at once from its mailbox thread; task-level actions (retry, skip) go to the
coordinator, which owns the plan. Every message is sent as ``dashboard``. Team-level
actions (add or remove a coder, stop the run) are the runtime's: the dashboard calls it
as ``crewmux stop`` does, and the runtime tells the coordinator what it changed.
"""

from __future__ import annotations

from typing import Literal

from crewmux.protocol.mailbox import MailboxError, deliver
from crewmux.protocol.messages import Control, ControlAction, Envelope, Steer
from crewmux.protocol.rundir import COORDINATOR, DASHBOARD, RunDir
# Imported when the dashboard loads, not on a key: libtmux reads sys.stdout.encoding on
# import, which Textual's capture object inside a running app does not have (see attach.py).
from crewmux.runtime.team import TeamError, runtime_for
from crewmux.runtime.tmux import TmuxError

AgentAction = Literal["pause", "resume", "restart"]
TaskAction = Literal["retry", "skip"]
# What a steering call can fail with; each says what to do.
STEERING_ERRORS: tuple[type[Exception], ...] = (MailboxError, TeamError, TmuxError)


class Steering:
    def __init__(self, run: RunDir) -> None:
        self.run = run
        self.mail_root = run.mail_root
        self.run_id = run.run_id

    def _send(self, message: Envelope) -> Envelope:
        deliver(self.mail_root, message)
        return message

    def _control(self, action: ControlAction, recipient: str, target: str | None = None) -> Envelope:
        return self._send(
            Control(run_id=self.run_id, sender=DASHBOARD, recipient=recipient, action=action, target=target, reason="from the dashboard")
        )

    def agent_control(self, action: AgentAction, agent: str) -> Envelope:
        """Pause, resume or restart: the agent itself acts on it at once."""
        return self._control(action, agent)

    def steer(self, agent: str, text: str) -> Envelope:
        return self._send(Steer(run_id=self.run_id, sender=DASHBOARD, recipient=agent, text=text))

    def task_control(self, action: TaskAction, task_id: str) -> Envelope:
        """Retry or skip a task: the coordinator owns the plan."""
        return self._control(action, COORDINATOR, task_id)

    def add_coder(self) -> str:
        """Start one more coder in the run's tmux session; its name."""
        return runtime_for(self.run).add_coder(self.run)

    def remove_coder(self, agent: str) -> None:
        runtime_for(self.run).remove_agent(self.run, agent)

    def stop_run(self) -> None:
        """What ``crewmux stop`` does: run.json says stopped, every agent is told to stop
        (and terminated if it outlives the wait), the session and its services close.
        Blocks for up to the runtime's wait: call it off the UI thread."""
        runtime_for(self.run).stop(self.run, kill_session=True)
