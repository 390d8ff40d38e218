"""LLMClient over real HTTP against the scripted fake server: every provider, streaming
and not, structured replies with a repair round, every fault, failover, headers, logs."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from pydantic import BaseModel

from crewmux.agents.llm.client import LLMClient
from crewmux.agents.llm.errors import LLMCancelled, StructuredReplyError
from crewmux.agents.llm.exchange_log import read_exchanges
from crewmux.agents.llm.fake_server import FakeLLMServer
from crewmux.agents.llm.retry import RetryPolicy
from crewmux.agents.llm.tokens import estimate_tokens
from crewmux.agents.llm.types import ChatMessage, ChatRequest, LLMError, RequestMeta
from crewmux.config import ModelConfig

pytestmark = pytest.mark.timeout(60)

PROVIDERS = ["ollama", "openai", "anthropic"]
FAST = RetryPolicy(max_attempts=3, base_delay=0.05, max_delay=0.1)
META = RequestMeta(run="run-1", role="coder", agent="coder-2", task="t7", attempt=3)
REPLY = "def add(a, b):\n    return a + b\n"
THINKING = "The user wants an add function."


class Plan(BaseModel):
    summary: str
    tasks: list[str]


@pytest.fixture
def fake() -> Iterator[Any]:
    servers: list[FakeLLMServer] = []

    def start(script: dict[str, Any], **kwargs: Any) -> FakeLLMServer:
        server = FakeLLMServer({"tps": 0, "ttft": 0, **script}, **kwargs)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def client_for(provider: str, urls: list[str], tmp_path: Path | None = None, **model: Any) -> LLMClient:
    config = ModelConfig(provider=provider, model="fake-coder:7b", base_urls=urls, api_key="key-123", **model)
    return LLMClient(config, log_path=tmp_path / "llm" / "coder-2.jsonl" if tmp_path else None, retry=FAST, environ={})


def ask(text: str = "write add()", **kwargs: Any) -> ChatRequest:
    return ChatRequest(messages=[ChatMessage("system", "You write Python."), ChatMessage("user", text)], meta=META, **kwargs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- every provider, streaming and not --------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("stream", [True, False])
def test_reply_thinking_and_stats(fake, provider: str, stream: bool) -> None:
    server = fake({"default": {"reply": REPLY, "thinking": THINKING}})
    chunks: list[tuple[str, str]] = []
    with client_for(provider, [server.url], think=True) as client:
        result = client.chat(ask(), on_chunk=lambda kind, text: chunks.append((kind, text)), stream=stream)
    assert result.text == REPLY
    assert result.thinking == THINKING
    assert "".join(t for k, t in chunks if k == "content") == REPLY
    assert "".join(t for k, t in chunks if k == "thinking") == THINKING
    if stream:
        assert len(chunks) == estimate_tokens(REPLY) + estimate_tokens(THINKING)  # token by token
    assert result.stats.completion_tokens == estimate_tokens(REPLY) + estimate_tokens(THINKING)
    assert result.stats.prompt_tokens == estimate_tokens("You write Python.\nwrite add()")
    assert result.stats.endpoint == server.url.rstrip("/") + ("/v1" if provider == "openai" else "")
    assert result.stats.total_seconds > 0 and result.stats.tokens_per_second > 0
    assert result.finish_reason in ("stop", "end_turn")
    assert server.requests[-1]["body"]["stream"] is stream


@pytest.mark.parametrize("provider", PROVIDERS)
def test_streaming_is_paced_and_measured(fake, provider: str) -> None:
    server = fake({"default": "x" * 4 * 40, "tps": 100, "ttft": 0.2})  # 40 tokens at 100/s
    arrivals: list[float] = []
    with client_for(provider, [server.url]) as client:
        start = time.monotonic()
        result = client.chat(ask(), on_chunk=lambda kind, text: arrivals.append(time.monotonic() - start))
    assert len(arrivals) == 40
    assert 0.2 <= arrivals[0] < 0.5  # first token after ttft, not at the end
    assert arrivals[-1] - arrivals[0] > 0.3  # tokens really arrived over time
    assert 80 <= result.stats.tokens_per_second <= 115
    assert 0.2 <= result.stats.ttft < 0.5


@pytest.mark.parametrize("provider", PROVIDERS)
def test_headers_and_wire_fields(fake, provider: str) -> None:
    server = fake({"default": '{"summary": "s", "tasks": ["a"]}'})
    with client_for(provider, [server.url], num_ctx=8192, keep_alive="10m", temperature=0.1) as client:
        client.chat_structured(ask(seed=7), Plan)
    entry = server.requests[-1]
    assert entry["crewmux"] == {"run": "run-1", "role": "coder", "agent": "coder-2", "task": "t7", "attempt": "3"}
    headers = {k.lower(): v for k, v in entry["headers"].items()}
    body = entry["body"]
    assert body["model"] == "fake-coder:7b"
    if provider == "ollama":
        assert entry["path"] == "/api/chat"
        assert body["options"]["num_ctx"] == 8192 and body["options"]["seed"] == 7
        assert body["options"]["temperature"] == 0.1
        assert body["keep_alive"] == "10m"
        assert body["format"]["title"] == "Plan"
    elif provider == "openai":
        assert entry["path"] == "/v1/chat/completions"
        assert headers["authorization"] == "Bearer key-123"
        assert body["stream_options"] == {"include_usage": True}
        assert body["response_format"]["type"] == "json_schema"
        assert body["response_format"]["json_schema"]["schema"]["title"] == "Plan"
        assert body["seed"] == 7
    else:
        assert entry["path"] == "/v1/messages"
        assert headers["x-api-key"] == "key-123" and headers["anthropic-version"] == "2023-06-01"
        assert body["max_tokens"] == 8192 and body["system"] == "You write Python."
        assert [m["role"] for m in body["messages"]] == ["user"]
        assert body["output_config"]["format"]["schema"]["title"] == "Plan"


def test_ollama_always_sends_num_ctx_and_think(fake) -> None:
    server = fake({"default": "ok"})
    with client_for("ollama", [server.url], num_ctx=4096) as client:
        client.chat(ask(think=False))
        client.chat(ask(num_ctx=32768))
    first, second = (r["body"] for r in server.requests[-2:])
    assert first["options"]["num_ctx"] == 4096 and first["think"] is False
    assert second["options"]["num_ctx"] == 32768 and "think" not in second


# -- structured replies -----------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_structured_reply_with_one_repair_round(fake, tmp_path: Path, provider: str) -> None:
    server = fake(
        {
            "rules": [
                {"contains": "could not be used", "reply": '```json\n{"summary": "fixed", "tasks": ["t1", "t2"]}\n```'},
                {"reply": '{"summary": "missing tasks"}'},
            ]
        }
    )
    with client_for(provider, [server.url], tmp_path) as client:
        plan, result = client.chat_structured(ask("plan it"), Plan)
    assert plan == Plan(summary="fixed", tasks=["t1", "t2"])
    repair = server.requests[-1]["body"]["messages"]
    assert repair[-2] == {"role": "assistant", "content": '{"summary": "missing tasks"}'}
    assert "tasks: Field required" in repair[-1]["content"]
    assert result.stats.completion_tokens == estimate_tokens('{"summary": "missing tasks"}') + estimate_tokens(
        '```json\n{"summary": "fixed", "tasks": ["t1", "t2"]}\n```'
    )
    purposes = [r["purpose"] for r in read_exchanges(tmp_path / "llm" / "coder-2.jsonl")]
    assert purposes == ["structured", "repair"]


def test_structured_reply_still_invalid_raises(fake) -> None:
    server = fake({"default": "I cannot produce JSON, sorry."})
    with client_for("ollama", [server.url]) as client:
        with pytest.raises(StructuredReplyError, match="even after a repair round") as info:
            client.chat_structured(ask(), Plan)
    assert info.value.reply == "I cannot produce JSON, sorry."
    assert len(server.requests) == 2  # one try and one repair, no more


# -- faults -----------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("fault", ["http_500", "midstream_error", "malformed_json", "truncated"])
@pytest.mark.parametrize("stream", [True, False])
def test_transient_fault_is_retried_then_succeeds(fake, tmp_path: Path, provider: str, fault: str, stream: bool) -> None:
    server = fake({"rules": [{"fault": fault, "times": 1, "reply": REPLY}], "default": REPLY})
    with client_for(provider, [server.url], tmp_path) as client:
        result = client.chat(ask(), stream=stream)
    assert result.text == REPLY
    assert len(server.requests) == 2
    record = read_exchanges(tmp_path / "llm" / "coder-2.jsonl")[-1]
    assert record["reply"] == REPLY and len(record["failed_tries"]) == 1


@pytest.mark.parametrize(
    "fault, words",
    [
        ("http_500", "failed with a server error 500"),
        ("midstream_error", "error in the middle of the reply"),
        ("malformed_json", "not its API's format"),
        ("truncated", "closed the connection before the reply was complete"),
    ],
)
@pytest.mark.parametrize("provider", PROVIDERS)
def test_persistent_fault_gives_a_clear_error(fake, tmp_path: Path, provider: str, fault: str, words: str) -> None:
    server = fake({"default": {"reply": REPLY, "fault": fault}})
    with client_for(provider, [server.url], tmp_path) as client:
        with pytest.raises(LLMError) as info:
            client.chat(ask())
    message = str(info.value)
    assert words in message and server.url in message and "after 3 tries" in message
    assert len(server.requests) == FAST.max_attempts
    record = read_exchanges(tmp_path / "llm" / "coder-2.jsonl")[-1]
    assert record["error"]["message"] == message and "reply" not in record


@pytest.mark.parametrize("provider", PROVIDERS)
def test_429_waits_for_retry_after(fake, provider: str) -> None:
    server = fake({"rules": [{"fault": "http_429", "retry_after": 0.4, "times": 1}], "default": "ok"})
    with client_for(provider, [server.url]) as client:
        start = time.monotonic()
        assert client.chat(ask()).text == "ok"
    assert time.monotonic() - start >= 0.4
    gap = server.requests[1]["time"] - server.requests[0]["time"]
    assert gap >= 0.4


def test_4xx_is_not_retried_and_says_what_to_do(fake) -> None:
    server = fake({"strict_models": True, "models": ["other:1b"], "default": "ok"})
    with client_for("ollama", [server.url]) as client:
        with pytest.raises(LLMError, match=r"ollama pull fake-coder:7b"):
            client.chat(ask())
    assert len(server.requests) == 1


def test_connection_refused(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with client_for("ollama", [url], tmp_path) as client:
        with pytest.raises(LLMError) as info:
            client.chat(ask())
    message = str(info.value)
    assert "cannot connect" in message and url in message and "ollama serve" in message and "OLLAMA_HOST" in message
    assert read_exchanges(tmp_path / "llm" / "coder-2.jsonl")[-1]["error"]["kind"] == "connect"


def test_connect_timeout() -> None:
    # A listener that never accepts, with its backlog full: SYNs go unanswered.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(s)
    try:
        client = client_for("openai", [f"http://127.0.0.1:{port}"], timeout_connect=0.3)
        client.retry = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.01)
        start = time.monotonic()
        with pytest.raises(LLMError, match="did not accept the connection in time"):
            client.chat(ask())
        assert time.monotonic() - start < 5
    finally:
        for s in fillers:
            s.close()
        listener.close()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_first_token_timeout_on_a_hung_server(fake, provider: str) -> None:
    server = fake({"default": {"fault": "hang"}})
    with client_for(provider, [server.url], timeout_first_token=0.4) as client:
        start = time.monotonic()
        with pytest.raises(LLMError, match="first-token timeout"):
            client.chat(ask())
    assert time.monotonic() - start < 3
    assert len(server.requests) == 1  # a timeout is not retried


def test_total_timeout_on_a_slow_stream(fake) -> None:
    server = fake({"default": "y" * 4 * 200, "tps": 20})  # 10 s of tokens
    with client_for("ollama", [server.url], timeout_total=0.6) as client:
        start = time.monotonic()
        with pytest.raises(LLMError, match="did not finish within the total timeout"):
            client.chat(ask())
    assert time.monotonic() - start < 2


@pytest.mark.parametrize("provider", PROVIDERS)
def test_cancel_while_waiting_and_while_streaming(fake, tmp_path: Path, provider: str) -> None:
    server = fake({"rules": [{"contains": "hang", "fault": "hang"}], "default": "z" * 4 * 500, "tps": 20})
    with client_for(provider, [server.url], tmp_path) as client:
        for text in ("hang please", "stream slowly"):
            cancel = threading.Event()
            got: list[str] = []
            threading.Timer(0.5, cancel.set).start()
            start = time.monotonic()
            with pytest.raises(LLMCancelled):
                client.chat(ask(text), on_chunk=lambda kind, t: got.append(t), cancel=cancel)
            assert time.monotonic() - start < 1.5
            if text == "stream slowly":
                assert 0 < len(got) < 500
        with pytest.raises(LLMCancelled):
            done = threading.Event()
            done.set()
            client.chat(ask("anything"), cancel=done)
    kinds = [r["error"]["kind"] for r in read_exchanges(tmp_path / "llm" / "coder-2.jsonl")]
    assert kinds == ["cancelled", "cancelled", "cancelled"]


def test_cancel_during_backoff(fake) -> None:
    server = fake({"default": {"fault": "http_429", "retry_after": 30}})
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    with client_for("ollama", [server.url]) as client:
        client.retry = RetryPolicy(max_retry_after=30)
        start = time.monotonic()
        with pytest.raises(LLMCancelled):
            client.chat(ask(), cancel=cancel)
    assert time.monotonic() - start < 2


# -- OpenAI leniency and Ollama truncation ----------------------------------------------


@pytest.mark.parametrize("quirk", ["choices_null", "no_usage"])
def test_openai_lenient_about_usage_chunk(fake, quirk: str) -> None:
    server = fake({"default": {"reply": REPLY, "quirks": [quirk]}})
    with client_for("openai", [server.url]) as client:
        result = client.chat(ask())
        whole = client.chat(ask(), stream=False)
    assert result.text == REPLY == whole.text
    assert result.stats.completion_tokens == estimate_tokens(REPLY)  # reported, or estimated alike


def test_ollama_warns_when_the_prompt_was_cut(fake) -> None:
    server = fake({"default": "ok"})
    with client_for("ollama", [server.url], num_ctx=64) as client:
        result = client.chat(ask("word " * 200))
        short = client.chat(ask("short"))
    assert result.stats.truncated_prompt and result.stats.prompt_tokens == 64
    assert any("cut to the context window" in w and "num_ctx=64" in w for w in result.warnings)
    assert not short.stats.truncated_prompt and short.warnings == []


def test_reply_cut_at_max_tokens_is_flagged(fake) -> None:
    server = fake({"default": "w" * 400})
    with client_for("ollama", [server.url], max_tokens=10) as client:
        result = client.chat(ask())
    assert len(result.text) == 40 and result.finish_reason == "length"
    assert any("token limit" in w for w in result.warnings)


def test_cost_from_prices(fake) -> None:
    server = fake({"default": "x" * 4000})  # 1000 completion tokens
    with client_for("anthropic", [server.url], price_in_per_mtok=3.0, price_out_per_mtok=15.0) as client:
        result = client.chat(ask())
    expected = (result.stats.prompt_tokens * 3.0 + 1000 * 15.0) / 1e6
    assert result.stats.cost == pytest.approx(expected)


# -- endpoints --------------------------------------------------------------------------


def test_dead_endpoint_is_skipped(fake, tmp_path: Path) -> None:
    server = fake({"default": "alive"})
    dead = f"http://127.0.0.1:{free_port()}"
    with client_for("ollama", [dead, server.url], tmp_path) as client:
        results = [client.chat(ask()) for _ in range(4)]
    assert all(r.text == "alive" and r.stats.endpoint == server.url for r in results)
    tries = [t for r in read_exchanges(tmp_path / "llm" / "coder-2.jsonl") for t in r["failed_tries"]]
    assert len(tries) == 1 and tries[0]["endpoint"] == dead and tries[0]["kind"] == "connect"


def test_dead_endpoint_comes_back(fake) -> None:
    port = free_port()
    live = fake({"default": "one"})
    with client_for("ollama", [f"http://127.0.0.1:{port}", live.url]) as client:
        client.pool.dead_seconds = 0.3
        assert client.chat(ask()).text == "one"
        back = fake({"default": "two"}, port=port)
        time.sleep(0.4)
        texts = {client.chat(ask()).text for _ in range(4)}
    assert texts == {"one", "two"}
    assert len(back.requests) >= 1


def test_requests_spread_by_fewest_in_flight(fake) -> None:
    a = fake({"default": "a" * 40, "tps": 20})  # 0.5 s per reply
    b = fake({"default": "b" * 40, "tps": 20})
    with client_for("ollama", [a.url, b.url]) as client:
        threads = [threading.Thread(target=client.chat, args=(ask(),)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(a.requests) == 2 and len(b.requests) == 2


# -- exchange log and models ------------------------------------------------------------


def test_every_exchange_is_recorded(fake, tmp_path: Path) -> None:
    server = fake({"default": {"reply": REPLY, "thinking": THINKING}})
    with client_for("ollama", [server.url], tmp_path, think=True) as client:
        client.chat(ask(temperature=0.5, seed=1))
    (record,) = read_exchanges(tmp_path / "llm" / "coder-2.jsonl")
    assert record["meta"] == {"run": "run-1", "role": "coder", "agent": "coder-2", "task": "t7", "attempt": 3}
    assert record["request"]["messages"][1] == {"role": "user", "content": "write add()"}
    assert record["request"]["temperature"] == 0.5 and record["request"]["seed"] == 1
    assert record["reply"] == REPLY and record["thinking"] == THINKING
    assert record["stats"]["completion_tokens"] == estimate_tokens(REPLY) + estimate_tokens(THINKING)
    assert record["provider"] == "ollama" and record["model"] == "fake-coder:7b"
    assert record["failed_tries"] == [] and "error" not in record
    json.dumps(record)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_list_models(fake, provider: str) -> None:
    server = fake({"models": ["qwen2.5-coder:7b", "qwen3:14b"], "default": "x"})
    with client_for(provider, [server.url]) as client:
        models = client.list_models()
    assert [m.name for m in models] == ["qwen2.5-coder:7b", "qwen3:14b"]
    if provider == "ollama":
        assert [m.loaded for m in models] == [True, False] and "7B" in models[0].details


def test_list_models_unreachable_names_the_server() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with client_for("ollama", [url]) as client:
        with pytest.raises(LLMError, match="cannot connect"):
            client.list_models()


def test_a_failing_callback_propagates_and_frees_the_endpoint(fake) -> None:
    server = fake({"default": REPLY})

    def explode(kind: str, text: str) -> None:
        raise RuntimeError("pane closed")

    with client_for("ollama", [server.url]) as client:
        with pytest.raises(RuntimeError, match="pane closed"):
            client.chat(ask(), on_chunk=explode)
        assert client.pool.endpoints[0].in_flight == 0
        assert client.chat(ask()).text == REPLY


@pytest.mark.parametrize("provider", PROVIDERS)
def test_schema_parameter_refused_falls_back_to_the_prompt(fake, provider: str) -> None:
    server = fake(
        {
            "rules": [{"structured": True, "fault": "http_400", "error_message": "json_schema response_format is not supported"}],
            "default": '{"summary": "s", "tasks": ["a"]}',
        }
    )
    with client_for(provider, [server.url]) as client:
        plan, _ = client.chat_structured(ask(), Plan)
    assert plan.tasks == ["a"]
    fallback = server.requests[-1]["body"]
    assert not any(key in fallback for key in ("format", "response_format", "output_config"))
    prompt = fallback.get("system", "") + "".join(m["content"] for m in fallback["messages"])
    assert '"title": "Plan"' in prompt  # the schema went into the prompt


def test_other_4xx_on_structured_is_not_hidden(fake) -> None:
    server = fake({"default": {"fault": "http_400", "error_message": "messages: too long"}})
    with client_for("openai", [server.url]) as client:
        with pytest.raises(LLMError, match="too long") as info:
            client.chat_structured(ask(), Plan)
    assert info.value.status == 400 and info.value.kind == "http_4xx"
    assert len(server.requests) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_model_that_cannot_think_is_asked_without_thinking(fake, provider: str) -> None:
    server = fake(
        {
            "rules": [{"think": True, "fault": "http_400", "error_message": '"fake-coder:7b" does not support thinking'}],
            "default": "plain answer",
        }
    )
    with client_for(provider, [server.url], think=True, max_tokens=8192) as client:
        first = client.chat(ask())
        second = client.chat(ask())
    assert first.text == second.text == "plain answer"
    assert any("does not support thinking" in w for w in first.warnings)
    assert len(server.requests) == 3  # one refusal, then never asked with thinking again
    body = server.requests[-1]["body"]
    assert "think" not in body and "thinking" not in body and "chat_template_kwargs" not in body


def test_all_endpoints_down_names_every_one() -> None:
    urls = [f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"]
    with client_for("ollama", urls) as client:
        with pytest.raises(LLMError) as info:
            client.chat(ask())
    assert all(url in str(info.value) for url in urls) and "endpoints tried" in str(info.value)


def test_openai_window_overflow_asks_for_a_shorter_reply(fake) -> None:
    refusal = (
        "This model's maximum context length is 4096 tokens. However, you requested 8292 tokens "
        "(100 in the messages, 8192 in the completion). Please reduce the length of the messages or completion."
    )
    server = fake({"rules": [{"fault": "http_400", "error_message": refusal, "times": 1}], "default": "fits"})
    with client_for("openai", [server.url], max_tokens=8192) as client:
        assert client.chat(ask()).text == "fits"
    assert [r["body"]["max_tokens"] for r in server.requests] == [8192, 4096 - 100 - 16]
