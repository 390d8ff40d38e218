"""Pause stops a model request in flight (issue 15: the CTO showed "paused" and kept
streaming): the stream from the scripted model server is cut at pause, nothing more is
asked while paused, and on resume the request is made again and its reply used."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from crewmux.agents.llm.fake_server import FakeLLMServer
from crewmux.agents.loop import Agent
from crewmux.agents.prompting import Talker
from crewmux.agents.llm.types import ChatMessage
from crewmux.config import Config, ModelConfig
from crewmux.protocol.mailbox import deliver
from crewmux.protocol.messages import Control, ProgressUpdate
from crewmux.protocol.rundir import AgentSpec, RunDir
from tests.test_agent_loop import wait_until

pytestmark = pytest.mark.timeout(60)

REPLY = "word " * 60  # 60 tokens at 20 tok/s: three seconds of streaming


class Asker(Agent):
    role = "cto"

    def __init__(self, run: RunDir, name: str) -> None:
        super().__init__(run, name, heartbeat_interval=0.2)
        self.talker = Talker(self, "cto")
        self.replies: list[str] = []

    def handle(self, message) -> None:
        self.set_status("writing", task_id="t1")
        result = self.talker.chat([ChatMessage("user", "plan it")], self.config.default, task="t1", attempt=1)
        self.replies.append(result.text)


def test_pause_cancels_the_stream_and_resume_asks_again(tmp_path: Path) -> None:
    with FakeLLMServer({"default": REPLY, "tps": 20, "ttft": 0.05}) as fake:
        config = Config(default=ModelConfig(provider="ollama", model="m", base_urls=[fake.url]))
        run = RunDir.create(tmp_path, "t", [AgentSpec(name="cto", role="cto")], config=config.model_dump(mode="json"))
        agent = Asker(run, "cto")
        thread = threading.Thread(target=agent.run_forever, daemon=True)
        thread.start()
        try:
            def send(message) -> None:
                deliver(run.mail_root, message)

            def chats() -> int:
                return len([r for r in fake.requests if r["method"] == "POST"])

            send(ProgressUpdate(run_id=run.run_id, sender="coordinator", recipient="cto", status="go"))
            assert wait_until(lambda: agent.live.snapshot() is not None and chats() == 1, timeout=15)
            time.sleep(0.5)  # well inside the 3 s stream
            paused_at = time.monotonic()
            send(Control(run_id=run.run_id, sender="dashboard", recipient="cto", action="pause"))
            assert wait_until(lambda: "paused mid-request" in run.log("cto").read_text(), timeout=5)
            assert time.monotonic() - paused_at < 2.0  # cut at pause, not at the reply's end
            assert agent.status == "paused"
            time.sleep(3.0)  # longer than the whole reply: a stream still going would have ended
            assert chats() == 1 and agent.replies == []
            log_text = run.log("cto").read_text()
            assert log_text.count("word") < 40  # the log stopped streaming at pause
            send(Control(run_id=run.run_id, sender="dashboard", recipient="cto", action="resume"))
            assert wait_until(lambda: agent.replies == [REPLY], timeout=15)
            assert chats() == 2
            assert wait_until(lambda: agent.status == "idle", timeout=15)
        finally:
            agent.stop()
            thread.join(10)
    assert not thread.is_alive()


def test_stop_while_paused_mid_request_ends_the_agent(tmp_path: Path) -> None:
    with FakeLLMServer({"default": REPLY, "tps": 20, "ttft": 0.05}) as fake:
        config = Config(default=ModelConfig(provider="ollama", model="m", base_urls=[fake.url]))
        run = RunDir.create(tmp_path, "t", [AgentSpec(name="cto", role="cto")], config=config.model_dump(mode="json"))
        agent = Asker(run, "cto")
        codes: list[int] = []
        thread = threading.Thread(target=lambda: codes.append(agent.run_forever()), daemon=True)
        thread.start()
        deliver(run.mail_root, ProgressUpdate(run_id=run.run_id, sender="coordinator", recipient="cto", status="go"))
        assert wait_until(lambda: len([r for r in fake.requests if r["method"] == "POST"]) == 1, timeout=15)
        deliver(run.mail_root, Control(run_id=run.run_id, sender="dashboard", recipient="cto", action="pause"))
        assert wait_until(lambda: "paused mid-request" in run.log("cto").read_text(), timeout=5)
        deliver(run.mail_root, Control(run_id=run.run_id, sender="dashboard", recipient="cto", action="stop"))
        thread.join(10)
        assert not thread.is_alive() and codes == [0] and agent.replies == []
        assert len([r for r in fake.requests if r["method"] == "POST"]) == 1
