"""The real embedded engine (llama.cpp through llama-cpp-python's server) on the real
Qwen2.5-Coder-0.5B: what real servers do, handled by the client, and the engine as a
service of a real team run. Slow (minutes on 2 cores); CI installs the engine and pulls
the model (scripts/setup.sh), so there these tests run and never skip."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from crewmux.agents.llm.client import LLMClient
from crewmux.agents.llm.schema_forms import JSON_OBJECT_SCHEMA, JSON_SCHEMA
from crewmux.agents.llm.types import ChatMessage, ChatRequest, ChatResult
from crewmux.engine.process import EngineProcess
from crewmux.engine.server import LLAMA_CPP_PYTHON, engine_missing
from crewmux.engine.store import ModelStore
from crewmux.protocol.plan import MAX_TASKS, PlanReply
from crewmux.protocol.rundir import list_runs

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

MODEL = "qwen2.5-coder:0.5b"
SERVER_VARIABLES = ("OLLAMA_HOST", "OPENAI_BASE_URL", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL")


def _needs_engine() -> None:
    why = engine_missing() or (None if ModelStore.default().path_of(MODEL) else f"{MODEL} is not pulled (crewmux models pull {MODEL})")
    if why is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must test the real engine: {why}")
    pytest.skip(why)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):
    _needs_engine()
    log = tmp_path_factory.mktemp("engine") / "engine.log"
    # These tests pin llama-cpp-python's server's own behaviour (its 500 on json_schema, no
    # usage in streams); llama-server, which a run prefers when built, has its own test file.
    with EngineProcess.start(MODEL, n_ctx=4096, log_path=log, backend=LLAMA_CPP_PYTHON) as running:
        yield running


class Step(BaseModel):
    title: str = Field(max_length=30)


class Steps(BaseModel):
    steps: list[Step] = Field(min_length=1, max_length=2)


def _ask(count: int) -> ChatRequest:
    text = f"List {count} separate steps to build a Python CLI that prints the n-th Fibonacci number, as JSON."
    return ChatRequest([ChatMessage("user", text)], max_tokens=300, temperature=0.0)


def test_a_structured_reply_is_bounded_by_the_grammar(engine: EngineProcess, tmp_path: Path) -> None:
    """Asked for ten steps, the model can write only two: the schema's maxItems is the
    grammar's, so a runaway plan cannot happen (in the prompt alone it could)."""
    log = tmp_path / "llm.jsonl"
    with LLMClient(engine.model_config(), log_path=log) as client:
        steps, result = client.chat_structured(_ask(10), Steps)
        assert client.schema_form() == JSON_OBJECT_SCHEMA
    assert 1 <= len(steps.steps) <= 2 and all(len(s.title) <= 30 for s in steps.steps)
    assert not result.cut and result.finish_reason == "stop"
    record = json.loads(log.read_text().splitlines()[0])
    assert record["failed_tries"] == [] and record["purpose"] == "structured"


def test_the_ctos_plan_schema_stops_a_runaway_plan(engine: EngineProcess) -> None:
    """The CTO's real schema (PlanReply: bounded tasks, strings and lists, $defs) through
    llama-cpp-python's grammar: asked for twelve tasks, the 0.5B model can write only
    MAX_TASKS, and the reply validates whole (no cut, no repair round)."""
    brief = "Plan a landing page for a bakery with a contact form: index.html, style.css, form.js. Give 12 tasks."
    request = ChatRequest([ChatMessage("user", brief)], max_tokens=1200, temperature=0.0)
    with LLMClient(engine.model_config()) as client:
        plan, result = client.chat_structured(request, PlanReply)
    assert 1 <= len(plan.tasks) <= MAX_TASKS
    assert result.finish_reason == "stop" and not result.cut


def test_llama_cpp_python_refuses_json_schema_with_500_and_the_client_steps_on(engine: EngineProcess, tmp_path: Path) -> None:
    """As an OpenAI-compatible server (provider openai: json_schema first), llama-cpp-python
    answers HTTP 500; the client switches to json_object + schema at once, not after three
    retries of a request that cannot succeed, and remembers it for the endpoint."""
    log = tmp_path / "llm.jsonl"
    with LLMClient(engine.model_config(provider="openai"), log_path=log) as client:
        assert client.schema_form() == JSON_SCHEMA
        steps, _ = client.chat_structured(_ask(3), Steps)
        assert client.schema_form() == JSON_OBJECT_SCHEMA
        client.chat_structured(_ask(1), Steps)
    first, second = [json.loads(line) for line in log.read_text().splitlines()]
    assert [t["status"] for t in first["failed_tries"]] == [500]
    assert first["failed_tries"][0]["schema_form"] == JSON_SCHEMA
    assert second["failed_tries"] == []  # remembered: no second refusal
    assert 1 <= len(steps.steps) <= 2


def test_two_agents_streaming_at_once_both_get_whole_replies(engine: EngineProcess) -> None:
    """With llama-cpp-python's default (interrupt_requests) the second request cuts the
    first stream short; the engine's settings queue it instead."""
    results: dict[str, ChatResult] = {}
    errors: list[BaseException] = []
    pieces: dict[str, int] = {"a": 0, "b": 0}

    def ask(name: str) -> None:
        request = ChatRequest([ChatMessage("user", f"Write a Python function {name}_fib(n) returning the n-th Fibonacci number.")],
                              max_tokens=80, temperature=0.0)

        def count(kind: str, text: str) -> None:
            pieces[name] += 1

        try:
            with LLMClient(engine.model_config()) as client:
                results[name] = client.chat(request, on_chunk=count)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
        time.sleep(0.3)  # b arrives while a streams
    for thread in threads:
        thread.join(300)
    assert not errors, errors
    for name in ("a", "b"):
        result = results[name]
        assert result.finish_reason in ("stop", "length"), (name, result.finish_reason)
        assert f"{name}_fib" in result.text
        # No usage in llama-cpp-python's streams: tokens are counted from the pieces.
        assert result.stats.completion_tokens == pieces[name] > 5


def test_a_reply_stopped_by_max_tokens_is_known_as_cut(engine: EngineProcess) -> None:
    request = ChatRequest([ChatMessage("user", "Write a long Python module with ten functions.")], max_tokens=8, temperature=0.0)
    with LLMClient(engine.model_config()) as client:
        result = client.chat(request)
    assert result.finish_reason == "length" and result.cut
    assert any("token limit" in w for w in result.warnings)


def test_a_headless_team_run_on_the_engine_ends_with_a_verdict(git_project: Path, processes_with) -> None:
    """The product path: provider local in crewmux.toml, no server; the run starts the
    engine as its service window, the team works on the real 0.5B model, the run ends
    with a verdict (pass or a clean fail: no hang, no traceback) and the engine is gone."""
    _needs_engine()
    (git_project / ".git" / "info" / "exclude").write_text(".crewmux/\ncrewmux.toml\n")
    (git_project / "crewmux.toml").write_text(
        f'coders = 1\n[default]\nprovider = "local"\nmodel = "{MODEL}"\nnum_ctx = 4096\nmax_tokens = 700\n'
        "[budgets]\nwall_seconds = 600\nattempts_per_task = 2\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in SERVER_VARIABLES}
    started = time.monotonic()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "crewmux", "run", "--headless", "a Python CLI: python3 fib.py N prints the N-th Fibonacci number"],
            cwd=git_project, env=env, capture_output=True, text=True, timeout=780,
        )
    finally:
        subprocess.run(["tmux", "-L", "crewmux", "kill-server"], capture_output=True, env=env, timeout=10)
    out = result.stdout + result.stderr
    took = time.monotonic() - started
    assert result.returncode in (0, 1, 2), out
    assert "embedded engine" in out and "Traceback" not in out
    run = list_runs(git_project)[-1]
    info = run.info()
    assert info.status in ("succeeded", "partial", "failed"), (info.status, info.reason)
    assert run.report_md.is_file()
    launch = json.loads((run.path / "launch.json").read_text())
    # One engine for the run's model (and, where a bigger model is pulled, one for the
    # escalation model).
    engines = [s for s in launch["services"] if s["name"].startswith("engine") and MODEL in s["argv"]]
    assert len(engines) == 1
    port = int(engines[0]["argv"][engines[0]["argv"].index("--port") + 1])
    # The agents really asked the engine (their exchanges are logged), with its key. (A
    # one-file brief is planned without a model; the coder always asks.)
    assert run.llm_log("coder-1").is_file(), f"{info.status}: {info.reason}\n{out}"
    coder = [json.loads(line) for line in run.llm_log("coder-1").read_text().splitlines()]
    assert coder and coder[0]["provider"] == "local" and "reply" in coder[0]
    for name in ("coordinator", "cto", "coder-1", "qa"):
        assert "Traceback" not in run.log(name).read_text(), name
    # Either engine: `crewmux serve` runs llama-cpp-python's server, or becomes llama-server (exec).
    engine_argv = f"--port\0{port}\0"
    deadline = time.monotonic() + 20
    while processes_with(engine_argv) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert processes_with(engine_argv) == [], "the engine outlived its run"
    print(f"team run on {MODEL}: {info.status} in {took:.0f} s: {info.reason}")
