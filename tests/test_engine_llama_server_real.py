"""llama-server (built by engine/llama_server.py) as the embedded engine, on the real
Qwen2.5-Coder-0.5B: four agents streaming at once all get whole replies, its key is
required, and a schema still bounds a structured reply. Slow (about a minute on 2 cores).
It skips where llama-server is not built (CI does not build it: scripts/setup.sh does not)."""

from __future__ import annotations

import threading

import httpx
import pytest
from pydantic import BaseModel, Field

from crewmux.agents.llm.client import LLMClient
from crewmux.agents.llm.types import ChatMessage, ChatRequest, ChatResult
from crewmux.engine.llama_server import find_binary
from crewmux.engine.process import EngineProcess
from crewmux.engine.server import LLAMA_SERVER
from crewmux.engine.store import ModelStore

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

MODEL = "qwen2.5-coder:0.5b"


class Steps(BaseModel):
    steps: list[str] = Field(min_length=1, max_length=2)


def test_four_agents_at_once_get_whole_replies_from_llama_server(tmp_path) -> None:
    if find_binary() is None:
        pytest.skip("llama-server is not built: python3 -m crewmux.engine.llama_server build")
    if ModelStore.default().path_of(MODEL) is None:
        pytest.skip(f"{MODEL} is not pulled (crewmux models pull {MODEL})")
    with EngineProcess.start(MODEL, n_ctx=2048, log_path=tmp_path / "engine.log", backend=LLAMA_SERVER) as engine:
        assert "engine: llama-server" in engine.log_tail()
        assert httpx.get(f"{engine.url}/models", timeout=10).status_code == 401  # no key, no answer
        results: dict[int, ChatResult] = {}
        errors: list[BaseException] = []

        def ask(i: int) -> None:
            request = ChatRequest([ChatMessage("user", f"Write a Python function f{i}(items) that sums a list, with a docstring.")],
                                  max_tokens=40, temperature=0.0)
            try:
                with LLMClient(engine.model_config()) as client:
                    results[i] = client.chat(request)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        assert not errors, errors
        assert sorted(results) == [0, 1, 2, 3]
        for i, result in results.items():
            # Whole: each stream says why it ended (llama-cpp-python's interrupted ones did not).
            assert result.finish_reason in ("stop", "length"), (i, result.finish_reason)
            assert f"f{i}" in result.text and result.stats.completion_tokens > 5
        ask_steps = ChatRequest([ChatMessage("user", "List 6 steps to write a Fibonacci CLI, as JSON.")], max_tokens=200, temperature=0.0)
        with LLMClient(engine.model_config()) as client:
            steps, result = client.chat_structured(ask_steps, Steps)
        assert 1 <= len(steps.steps) <= 2 and not result.cut  # the schema is the grammar: six cannot be written
