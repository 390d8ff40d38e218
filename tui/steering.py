"""What the dashboard's keys send: one message per action, into the right mailbox.

Agent-level actions (pause, resume, restart, steer) go to the agent itself, which acts
on them at once from its mailbox thread. Task- and team-level actions (retry, skip, add
or remove a coder, stop the run) go to the coordinator, which owns the plan and the
runtime. Every message is sent as ``dashboard``.
"""

from __future__ import annotations

from pathlib import Path

from crewmux.protocol.mailbox import deliver
from crewmux.protocol.messages import Control, ControlAction, Envelope, Steer
from crewmux.protocol.rundir import DASHBOARD

COORDINATOR = "coordinator"


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

    def pause(self, agent: str) -> Envelope:
        return self._control("pause", agent)

    def resume(self, agent: str) -> Envelope:
        return self._control("resume", agent)

    def restart(self, agent: str) -> Envelope:
        return self._control("restart", agent)

    def steer(self, agent: str, text: str) -> Envelope:
        return self._send(Steer(run_id=self.run_id, sender=DASHBOARD, recipient=agent, text=text))

    def retry(self, task_id: str) -> Envelope:
        return self._control("retry", COORDINATOR, task_id)

    def skip(self, task_id: str) -> Envelope:
        return self._control("skip", COORDINATOR, task_id)

    def add_coder(self) -> Envelope:
        return self._control("add_coder", COORDINATOR)

    def remove_coder(self, agent: str) -> Envelope:
        return self._control("remove_coder", COORDINATOR, agent)

    def stop_run(self) -> Envelope:
        return self._control("stop", COORDINATOR)
