"""The headless launcher: agents as child processes, a killed one comes back, stop ends them all."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from crewmux.agents.commands import build_agents
from crewmux.agents.llm.fake_server import FakeLLMServer
from crewmux.config import Config, ModelConfig
from crewmux.protocol.events import read_events
from crewmux.protocol.mailbox import deliver
from crewmux.protocol.messages import Control
from crewmux.protocol.rundir import RunDir
from crewmux.workspace.process_runtime import ProcessRuntime

pytestmark = pytest.mark.timeout(90)


def started(run: RunDir, agent: str) -> int:
    return sum(1 for e in read_events(run.events(agent)) if e.kind == "started")


def wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_killed_agent_is_started_again_and_stop_ends_everyone(git_project: Path):
    # The CTO's model hangs, so the team sits still while we kill one of its members.
    with FakeLLMServer({"rules": [{"role": "cto", "fault": "hang"}]}) as fake:
        config = Config(default=ModelConfig(provider="ollama", base_urls=[fake.url]))
        run = RunDir.create(git_project, "x", build_agents(1, 1), config=config.model_dump(mode="json"))
        runtime = ProcessRuntime(show=None)
        runtime.start(run)
        waiter = threading.Thread(target=runtime.wait)
        waiter.start()
        try:
            wait_for(lambda: all(started(run, a.name) == 1 for a in run.info().agents))
            first = runtime.procs["coder-1"].pid
            os.killpg(first, signal.SIGKILL)
            wait_for(lambda: started(run, "coder-1") == 2)
            assert runtime.procs["coder-1"].pid != first
        finally:
            for agent in run.info().agents:
                deliver(run.mail_root, Control(run_id=run.run_id, sender="dashboard", recipient=agent.name, action="stop"))
            waiter.join(30)
            runtime.stop()
        assert not waiter.is_alive()
        assert all(proc.poll() is not None for proc in runtime.procs.values())
