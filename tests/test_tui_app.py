"""The dashboard driven through Textual's Pilot on a real run directory: every key sends
the right message to the right mailbox, and what agents write shows on screen."""

from __future__ import annotations

import asyncio
import os
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

pytestmark = pytest.mark.timeout(60)

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
