"""Run inside the sandbox, whose /tmp is a tiny tmpfs: fill it up and see what crewmux does.

Prints one line ``RESULT {json}`` for tests/test_protocol_disk_full.py to check.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

from crewmux.protocol.rundir import build_agents
from crewmux.agents.loop import Agent
from crewmux.protocol.mailbox import MailboxError, deliver
from crewmux.protocol.messages import Completion, Steer
from crewmux.protocol.rundir import RunDir


def fill(path: Path) -> None:
    """Write until the file system has no byte left."""
    with open(path, "wb", buffering=0) as handle:
        for size in (1 << 20, 1 << 16, 1 << 12, 1 << 8, 1):
            try:
                while True:
                    handle.write(b"x" * size)
            except OSError:
                continue


def main() -> None:
    project = Path("/tmp/project")
    project.mkdir()
    run = RunDir.create(project, "a full disk", build_agents(1, 1))
    agent = Agent(run, "coder-1", heartbeat_interval=60)  # its log files exist before the disk fills
    filler = Path("/tmp/filler")
    fill(filler)
    result: dict = {}

    steer = Steer(run_id=run.run_id, sender="dashboard", recipient="coder-1", text="hello")
    try:
        deliver(run.mail_root, steer)
        result["deliver"] = "delivered"
    except MailboxError as exc:
        result["deliver"] = str(exc)
        result["disk_full"] = exc.disk_full
    box = run.mailbox("coder-1")
    result["left"] = sorted(os.listdir(box / "tmp")) + sorted(os.listdir(box / "new"))

    agent.events.emit("status", status="thinking", text="x" * 5000)  # must not raise
    agent.console.line("still alive on a full disk")
    result["dropped_events"] = agent.events.dropped

    done = Completion(run_id=run.run_id, sender="coder-1", recipient="coordinator", task_id="t1", reply_to="m1",
                      attempt=1, commit="0" * 40, files=["a.py"], summary="wrote a.py")
    sent = threading.Event()
    sender = threading.Thread(target=lambda: (agent.send(done), sent.set()))
    started = time.monotonic()
    sender.start()
    time.sleep(1.5)
    result["sent_while_full"] = sent.is_set()
    filler.unlink()  # the user frees some space
    sender.join(30)
    result["sent_after_freeing"] = sent.is_set()
    result["send_seconds"] = round(time.monotonic() - started, 1)
    arrived = sorted((run.mailbox("coordinator") / "new").glob("*.json"))
    result["arrived"] = [json.loads(p.read_text())["id"] for p in arrived]
    result["sent_id"] = done.id
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
