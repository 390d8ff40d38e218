"""What the dashboard's keys send: one message per action, into the right mailbox.

Agent-level actions (pause, resume, restart, steer) go to the agent itself, which acts
on them at once from its mailbox thread. Task- and team-level actions (retry, skip, add
or remove a coder, stop the run) go to the coordinator, which owns the plan and the
runtime. Every message is sent as ``dashboard``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from crewmux.protocol.mailbox import deliver
from crewmux.protocol.messages import Control, ControlAction, Envelope, Steer
from crewmux.protocol.rundir import DASHBOARD

COORDINATOR = "coordinator"
AgentAction = Literal["pause", "resume", "restart"]
TaskAction = Literal["retry", "skip"]


class Steering:
    def __init__(self, mail_root: Path, run_id: str) -> None:
        self.mail_root = mail_root
        self.run_id = run_id

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

    def add_coder(self) -> Envelope:
        return self._control("add_coder", COORDINATOR)

    def remove_coder(self, agent: str) -> Envelope:
        return self._control("remove_coder", COORDINATOR, agent)

    def stop_run(self) -> Envelope:
        return self._control("stop", COORDINATOR)
