"""Agent classes for the tmux runtime tests and bench/spawn.py (stand-ins for the real roles).

Spawned agent processes import this module (its directory is put on their PYTHONPATH)
as ``tmux_test_agents:Class``. The work is real: a coder takes seconds per task, writes a
file and reports a completion; the coordinator keeps its progress in a state file and
finishes the run, so a killed and restarted team must still reach the same result.
"""

from __future__ import annotations

import json
import time

from crewmux.agents.loop import Agent
from crewmux.protocol.fsutil import atomic_write_json
from crewmux.protocol.messages import Completion, Message, TaskAssignment
from crewmux.protocol.plan import PlanTask

TASKS_FILE = "test_tasks.json"  # [{"id": "t1", "seconds": 2.0}, ...], written by the test
STATE_FILE = "test_state.json"
RESULT_FILE = "result.json"


class IdleAgent(Agent):
    """Heartbeats and takes control messages; has no work of its own."""

    role = "idle"

    def handle(self, message: Message) -> None:
        self.console.line(f"ignoring {message.type}")


class SlowCoder(Agent):
    role = "coder"

    def handle(self, message: Message) -> None:
        if not isinstance(message, TaskAssignment):
            return
        task = message.task
        self.set_status("writing", task_id=task.id, attempt=message.attempt)
        seconds = float(task.description or "1")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            time.sleep(0.05)
            self.checkpoint()  # pause waits here; stop leaves (the task is re-delivered)
        out = self.run.artifacts_dir / f"{task.id}.txt"
        out.write_text(f"{task.id}: {task.title}\n")
        self.console.line(f"wrote {out.name}")
        self.send(
            Completion(
                run_id=self.run_id, sender=self.name, recipient=message.sender, task_id=task.id,
                attempt=message.attempt, commit="0" * 40, files=[out.name], summary=f"wrote {out.name}",
            )
        )


class TaskCoordinator(Agent):
    """Hands the tasks of test_tasks.json to the coders round robin, collects their
    completions in test_state.json, and ends the run when every task is done."""

    role = "coordinator"

    def on_start(self) -> None:
        state_path = self.run.path / STATE_FILE
        if state_path.is_file():
            self.state = json.loads(state_path.read_text())
            self.console.line(f"reloaded state: {self.state}")
        else:
            tasks = json.loads((self.run.path / TASKS_FILE).read_text())
            self.state = {t["id"]: {"status": "pending", "seconds": t["seconds"]} for t in tasks}
        coders = [a.name for a in self.run.info().agents if a.role == "coder" and not a.removed]
        for i, (task_id, record) in enumerate(sorted(self.state.items())):
            if record["status"] != "pending":
                continue
            coder = coders[i % len(coders)]
            self.send(
                TaskAssignment(
                    run_id=self.run_id, sender=self.name, recipient=coder, task_id=task_id, attempt=1,
                    task=PlanTask(id=task_id, title=f"task {task_id}", description=str(record["seconds"])),
                    branch=f"test/{task_id}", base_ref="HEAD",
                )
            )
            record.update(status="assigned", coder=coder)
        self._save()
        self._finish_if_done()

    def handle(self, message: Message) -> None:
        if isinstance(message, Completion) and message.task_id in self.state:
            self.state[message.task_id]["status"] = "done"
            self._save()
            self._finish_if_done()

    def _save(self) -> None:
        atomic_write_json(self.run.path / STATE_FILE, self.state)

    def _finish_if_done(self) -> None:
        if self.state and all(r["status"] == "done" for r in self.state.values()):
            result = {p.name: p.read_text() for p in sorted(self.run.artifacts_dir.glob("*.txt"))}
            atomic_write_json(self.run.path / RESULT_FILE, result)
            self.run.update_info(status="succeeded")
            self.console.line("every task is done: run succeeded")


class HangOnceCoder(SlowCoder):
    """The first task it gets, it hangs on: one long C call holds the GIL, so even its
    heartbeat thread goes silent (tmux resumes a SIGSTOPped pane, so a stop signal cannot
    stand in for a hang). After a restart it does the re-delivered task normally."""

    def handle(self, message: Message) -> None:
        marker = self.run.path / f"hung-{self.name}"
        if not marker.exists():
            marker.write_text("hanging\n")
            self.console.line("hanging (holding the GIL)")
            sum(range(10**13))
        super().handle(message)


class CrashingAgent(Agent):
    """Fails on every start, as an agent with a broken install would."""

    def on_start(self) -> None:
        raise RuntimeError("broken on purpose")

    def handle(self, message: Message) -> None:
        raise AssertionError("never gets this far")
