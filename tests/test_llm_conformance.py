"""Conformance with the public API documentation of Ollama, OpenAI and Anthropic.

The replies below are written after the request/response examples in each API's reference
(Ollama's api.md "Chat" and "List models", OpenAI's "Create chat completion" with
streaming and `stream_options.include_usage`, Anthropic's "Messages" and "Streaming
messages"). A replay server sends them byte for byte over real HTTP, cut into small odd
pieces, and the client must read them as documented. The fake server's replies are then
checked to carry every field the documented examples carry.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import httpx
import pytest

from crewmux.agents.llm.client import LLMClient
from crewmux.agents.llm.fake_server import FakeLLMServer
from crewmux.agents.llm.retry import RetryPolicy
from crewmux.agents.llm.types import ChatMessage, ChatRequest, LLMError, RequestMeta
from crewmux.config import ModelConfig

pytestmark = pytest.mark.timeout(60)

# -- documented examples ----------------------------------------------------------------

OLLAMA_STREAM = [
    {"model": "llama3.2", "created_at": "2023-08-04T08:52:19.385406455-07:00", "message": {"role": "assistant", "content": "The", "images": None}, "done": False},
    {"model": "llama3.2", "created_at": "2023-08-04T08:52:19.4Z", "message": {"role": "assistant", "content": " sky is blue"}, "done": False},
    {
        "model": "llama3.2", "created_at": "2023-08-04T19:22:45.499127Z", "message": {"role": "assistant", "content": ""},
        "done": True, "done_reason": "stop", "total_duration": 4883583458, "load_duration": 1334875,
        "prompt_eval_count": 26, "prompt_eval_duration": 342546000, "eval_count": 282, "eval_duration": 4535599000,
    },
]
OLLAMA_WHOLE = {
    "model": "llama3.2", "created_at": "2023-12-12T14:13:43.416799Z",
    "message": {"role": "assistant", "content": "Hello! How are you today?", "thinking": "Greet back."},
    "done": True, "total_duration": 5191566416, "load_duration": 2154458, "prompt_eval_count": 26,
    "prompt_eval_duration": 383809000, "eval_count": 298, "eval_duration": 4799921000,
}
OLLAMA_TAGS = {
    "models": [
        {
            "name": "deepseek-r1:latest", "model": "deepseek-r1:latest", "modified_at": "2025-05-10T08:06:48.639712648-07:00",
            "size": 4683075271, "digest": "0a8c266910232fd3291e71e5ba1e058cc5af9d411192cf88b6d30e92b6e73163",
            "details": {"parent_model": "", "format": "gguf", "family": "qwen2", "families": ["qwen2"], "parameter_size": "7.6B", "quantization_level": "Q4_K_M"},
        }
    ]
}
OLLAMA_PS = {"models": [{**OLLAMA_TAGS["models"][0], "expires_at": "2024-06-04T14:38:31.83753-07:00", "size_vram": 4683075271}]}

OPENAI_CHUNK_BASE = {"id": "chatcmpl-123", "object": "chat.completion.chunk", "created": 1694268190, "model": "gpt-4o-mini", "system_fingerprint": "fp_44709d6fcb"}
OPENAI_STREAM = [
    {**OPENAI_CHUNK_BASE, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": None, "finish_reason": None}], "usage": None},
    {**OPENAI_CHUNK_BASE, "choices": [{"index": 0, "delta": {"content": "Hello"}, "logprobs": None, "finish_reason": None}], "usage": None},
    {**OPENAI_CHUNK_BASE, "choices": [{"index": 0, "delta": {"content": " there"}, "logprobs": None, "finish_reason": None}], "usage": None},
    {**OPENAI_CHUNK_BASE, "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}], "usage": None},
    {**OPENAI_CHUNK_BASE, "choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11}},
]
OPENAI_WHOLE = {
    "id": "chatcmpl-123", "object": "chat.completion", "created": 1677652288, "model": "gpt-4o-mini", "system_fingerprint": "fp_44709d6fcb",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "\n\nHello there, how may I assist you today?"}, "logprobs": None, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21, "completion_tokens_details": {"reasoning_tokens": 0}},
}
OPENAI_MODELS = {"object": "list", "data": [{"id": "model-id-0", "object": "model", "created": 1686935002, "owned_by": "organization-owner"}]}
OPENAI_ERROR = {"error": {"message": "Incorrect API key provided: sk-abc.", "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}}

ANTHROPIC_WHOLE = {
    "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
    "content": [{"type": "thinking", "thinking": "Say hi.", "signature": "EqQBCgIYAhIM"}, {"type": "text", "text": "Hi! My name is Claude."}],
    "stop_reason": "end_turn", "stop_sequence": None, "usage": {"input_tokens": 2095, "output_tokens": 503},
}
ANTHROPIC_STREAM = [
    ("message_start", {"type": "message_start", "message": {"id": "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY", "type": "message", "role": "assistant", "content": [], "model": "claude-sonnet-4-5", "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 25, "output_tokens": 1}}}),
    ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": ""}}),
    ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "Greet."}}),
    ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": "EqQBCgIYAhIM"}}),
    ("content_block_stop", {"type": "content_block_stop", "index": 0}),
    ("content_block_start", {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}}),
    ("ping", {"type": "ping"}),
    ("content_block_delta", {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Hello"}}),
    ("content_block_delta", {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "!"}}),
    ("content_block_stop", {"type": "content_block_stop", "index": 1}),
    ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": 15}}),
    ("message_stop", {"type": "message_stop"}),
]
ANTHROPIC_OVERLOADED = ("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
ANTHROPIC_MODELS = {"data": [{"type": "model", "id": "claude-sonnet-4-5", "display_name": "Claude Sonnet 4.5", "created_at": "2025-09-29T00:00:00Z"}], "has_more": False, "first_id": "claude-sonnet-4-5", "last_id": "claude-sonnet-4-5"}


def ndjson(lines: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(line).encode() + b"\n" for line in lines)


def sse(chunks: list[dict[str, Any]], done: bool = True) -> bytes:
    body = b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks)
    return body + (b"data: [DONE]\n\n" if done else b"")


def sse_events(events: list[tuple[str, dict[str, Any]]]) -> bytes:
    return b"".join(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in events)


# -- a replay server: canned bytes, sent in small pieces --------------------------------


class Replay:
    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.requests: list[dict[str, Any]] = []
        replay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                replay.requests.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
                status, headers, data = replay.routes[self.path]
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for i in range(0, len(data), 7):  # odd-sized pieces split lines and UTF-8 alike
                    piece = data[i : i + 7]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.write(b"0\r\n\r\n")

            do_GET = do_POST = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def route(self, path: str, data: bytes, status: int = 200, content_type: str = "application/json", **headers: str) -> None:
        self.routes[path] = (status, {"Content-Type": content_type, **headers}, data)


@pytest.fixture
def replay() -> Iterator[Replay]:
    server = Replay()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def client(provider: str, url: str, **kwargs: Any) -> LLMClient:
    model = ModelConfig(provider=provider, model="m", base_urls=[url], api_key="sk-abc", **kwargs)
    return LLMClient(model, retry=RetryPolicy(max_attempts=1), environ={})


REQUEST = ChatRequest(
    messages=[ChatMessage("system", "Be brief."), ChatMessage("user", "why is the sky blue?")],
    meta=RequestMeta(run="r", role="cto", agent="cto", task="", attempt=1),
)


# -- Ollama -----------------------------------------------------------------------------


def test_ollama_documented_stream(replay: Replay) -> None:
    replay.route("/api/chat", ndjson(OLLAMA_STREAM), content_type="application/x-ndjson")
    result = client("ollama", replay.url).chat(REQUEST)
    assert result.text == "The sky is blue"
    assert result.stats.prompt_tokens == 26 and result.stats.completion_tokens == 282
    assert result.stats.tokens_per_second == pytest.approx(282 / 4.535599)
    assert result.stats.prompt_tokens_per_second == pytest.approx(26 / 0.342546)
    assert result.raw_done["eval_duration"] == 4535599000 and result.finish_reason == "stop"
    body = replay.requests[0]["body"]
    assert body["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "why is the sky blue?"}]
    assert body["stream"] is True and isinstance(body["options"]["num_ctx"], int)


def test_ollama_documented_whole_reply_with_thinking(replay: Replay) -> None:
    replay.route("/api/chat", json.dumps(OLLAMA_WHOLE).encode())
    result = client("ollama", replay.url).chat(REQUEST, stream=False)
    assert (result.text, result.thinking) == ("Hello! How are you today?", "Greet back.")
    assert result.stats.tokens_per_second == pytest.approx(298 / 4.799921)


def test_ollama_documented_error_line_in_a_200_stream(replay: Replay) -> None:
    lines = OLLAMA_STREAM[:1] + [{"error": "an error was encountered while running the model: unexpected EOF"}]
    replay.route("/api/chat", ndjson(lines), content_type="application/x-ndjson")
    with pytest.raises(LLMError, match="unexpected EOF"):
        client("ollama", replay.url).chat(REQUEST)


def test_ollama_documented_model_not_found(replay: Replay) -> None:
    replay.route("/api/chat", json.dumps({"error": "model 'llama3' not found"}).encode(), status=404)
    with pytest.raises(LLMError, match=r"model 'llama3' not found.*ollama pull m"):
        client("ollama", replay.url).chat(REQUEST)


def test_ollama_documented_tags_and_ps(replay: Replay) -> None:
    replay.route("/api/tags", json.dumps(OLLAMA_TAGS).encode())
    replay.route("/api/ps", json.dumps(OLLAMA_PS).encode())
    (model,) = client("ollama", replay.url).list_models()
    assert (model.name, model.size_bytes, model.details, model.loaded) == ("deepseek-r1:latest", 4683075271, "7.6B Q4_K_M", True)


# -- OpenAI -----------------------------------------------------------------------------


def test_openai_documented_stream_with_usage_chunk(replay: Replay) -> None:
    replay.route("/v1/chat/completions", sse(OPENAI_STREAM), content_type="text/event-stream")
    result = client("openai", replay.url).chat(REQUEST)
    assert result.text == "Hello there"
    assert (result.stats.prompt_tokens, result.stats.completion_tokens) == (9, 2)
    assert result.finish_reason == "stop"
    sent = replay.requests[0]
    assert sent["path"] == "/v1/chat/completions" and sent["headers"]["Authorization"] == "Bearer sk-abc"
    assert sent["body"]["stream"] is True and sent["body"]["stream_options"] == {"include_usage": True}


def test_openai_stream_without_done_marker_after_finish_reason(replay: Replay) -> None:
    replay.route("/v1/chat/completions", sse(OPENAI_STREAM[:4], done=False), content_type="text/event-stream")
    assert client("openai", replay.url).chat(REQUEST).text == "Hello there"


def test_openai_stream_cut_before_finish_is_an_error(replay: Replay) -> None:
    replay.route("/v1/chat/completions", sse(OPENAI_STREAM[:2], done=False), content_type="text/event-stream")
    with pytest.raises(LLMError, match="closed the connection before the reply was complete"):
        client("openai", replay.url).chat(REQUEST)


def test_openai_documented_whole_reply(replay: Replay) -> None:
    replay.route("/v1/chat/completions", json.dumps(OPENAI_WHOLE).encode())
    result = client("openai", replay.url).chat(REQUEST, stream=False)
    assert result.text == "\n\nHello there, how may I assist you today?"
    assert (result.stats.prompt_tokens, result.stats.completion_tokens) == (9, 12)


def test_openai_documented_auth_error(replay: Replay) -> None:
    replay.route("/v1/chat/completions", json.dumps(OPENAI_ERROR).encode(), status=401)
    with pytest.raises(LLMError, match=r"Incorrect API key provided.*OPENAI_API_KEY"):
        client("openai", replay.url).chat(REQUEST)


def test_openai_documented_models(replay: Replay) -> None:
    replay.route("/v1/models", json.dumps(OPENAI_MODELS).encode())
    assert [m.name for m in client("openai", replay.url).list_models()] == ["model-id-0"]


def test_openai_structured_request_shape(replay: Replay) -> None:
    replay.route("/v1/chat/completions", json.dumps(OPENAI_WHOLE).encode())
    schema = {"title": "Verdict", "type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
    client("openai", replay.url).chat(ChatRequest(messages=REQUEST.messages, schema=schema), stream=False)
    fmt = replay.requests[0]["body"]["response_format"]
    assert fmt == {"type": "json_schema", "json_schema": {"name": "Verdict", "schema": schema, "strict": False}}


# -- Anthropic --------------------------------------------------------------------------


def test_anthropic_documented_stream_with_thinking(replay: Replay) -> None:
    replay.route("/v1/messages", sse_events(ANTHROPIC_STREAM), content_type="text/event-stream")
    result = client("anthropic", replay.url).chat(REQUEST)
    assert (result.text, result.thinking) == ("Hello!", "Greet.")
    assert (result.stats.prompt_tokens, result.stats.completion_tokens) == (25, 15)
    assert result.finish_reason == "end_turn"
    sent = replay.requests[0]
    assert sent["headers"]["x-api-key"] == "sk-abc" and sent["headers"]["anthropic-version"] == "2023-06-01"
    assert sent["body"]["system"] == "Be brief." and sent["body"]["messages"] == [{"role": "user", "content": "why is the sky blue?"}]
    assert isinstance(sent["body"]["max_tokens"], int)


def test_anthropic_documented_whole_reply(replay: Replay) -> None:
    replay.route("/v1/messages", json.dumps(ANTHROPIC_WHOLE).encode())
    result = client("anthropic", replay.url).chat(REQUEST, stream=False)
    assert (result.text, result.thinking) == ("Hi! My name is Claude.", "Say hi.")
    assert (result.stats.prompt_tokens, result.stats.completion_tokens) == (2095, 503)


def test_anthropic_documented_overloaded_error_event(replay: Replay) -> None:
    replay.route("/v1/messages", sse_events(ANTHROPIC_STREAM[:3] + [ANTHROPIC_OVERLOADED]), content_type="text/event-stream")
    with pytest.raises(LLMError, match="Overloaded"):
        client("anthropic", replay.url).chat(REQUEST)


def test_anthropic_documented_models(replay: Replay) -> None:
    replay.route("/v1/models", json.dumps(ANTHROPIC_MODELS).encode())
    assert [m.name for m in client("anthropic", replay.url).list_models()] == ["claude-sonnet-4-5"]
    assert replay.requests[0]["headers"]["anthropic-version"] == "2023-06-01"


def test_anthropic_thinking_request_shape(replay: Replay) -> None:
    replay.route("/v1/messages", json.dumps(ANTHROPIC_WHOLE).encode())
    client("anthropic", replay.url, think=True, max_tokens=16000).chat(REQUEST, stream=False)
    body = replay.requests[0]["body"]
    assert body["thinking"]["type"] == "enabled" and body["thinking"]["budget_tokens"] < body["max_tokens"]
    assert "temperature" not in body  # not allowed together with extended thinking


# -- the fake server carries every documented field ---------------------------------------


def keys(value: Any) -> set[str]:
    """Every key path in a JSON value (list items merged)."""
    found: set[str] = set()

    def walk(v: Any, prefix: str) -> None:
        if isinstance(v, dict):
            for k, item in v.items():
                found.add(prefix + k)
                walk(item, prefix + k + ".")
        elif isinstance(v, list):
            for item in v:
                walk(item, prefix + "[].")

    walk(value, "")
    return found


OPTIONAL = {"message.images", "details.parent_model", "details.families", "system_fingerprint", "logprobs", "usage.completion_tokens_details", "usage.completion_tokens_details.reasoning_tokens"}


def missing(documented: Any, produced: Any) -> set[str]:
    return {k for k in keys(documented) - keys(produced) if not any(k == o or k.endswith("." + o) or k.endswith(o) for o in OPTIONAL)}


def test_fake_server_replies_have_the_documented_fields() -> None:
    script = {"tps": 0, "ttft": 0, "default": {"reply": "Hello there", "thinking": "Greet."}, "models": ["qwen3:14b"]}
    with FakeLLMServer(script) as fake:
        body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
        ollama_lines = [json.loads(line) for line in httpx.post(f"{fake.url}/api/chat", json=body).text.splitlines()]
        assert not missing(OLLAMA_STREAM[0], ollama_lines[0])
        assert not missing(OLLAMA_STREAM[-1], ollama_lines[-1])
        assert not missing(OLLAMA_WHOLE, httpx.post(f"{fake.url}/api/chat", json={**body, "stream": False}).json())
        assert not missing(OLLAMA_TAGS, httpx.get(f"{fake.url}/api/tags").json())
        assert not missing(OLLAMA_PS, httpx.get(f"{fake.url}/api/ps").json())

        stream = httpx.post(f"{fake.url}/v1/chat/completions", json={**body, "stream": True, "stream_options": {"include_usage": True}}).text
        chunks = [json.loads(line[6:]) for line in stream.splitlines() if line.startswith("data: {")]
        assert stream.rstrip().endswith("data: [DONE]")
        first_content = next(c for c in chunks if c["choices"] and c["choices"][0]["delta"].get("content"))
        assert not missing(OPENAI_STREAM[1], first_content) and not missing(OPENAI_STREAM[-1], chunks[-1])
        assert chunks[-1]["choices"] == []
        assert not missing(OPENAI_WHOLE, httpx.post(f"{fake.url}/v1/chat/completions", json=body).json())
        assert not missing(OPENAI_MODELS, httpx.get(f"{fake.url}/v1/models").json())

        anthropic = {**body, "max_tokens": 100, "thinking": {"type": "enabled", "budget_tokens": 50}}
        whole = httpx.post(f"{fake.url}/v1/messages", json=anthropic).json()
        assert not missing(ANTHROPIC_WHOLE, whole)
        events = httpx.post(f"{fake.url}/v1/messages", json={**anthropic, "stream": True}).text.split("\n\n")
        named = {e.split("\n")[0][7:] for e in events if e.startswith("event: ")}
        assert {name for name, _ in ANTHROPIC_STREAM} <= named
        deltas = {json.loads(e.split("data: ", 1)[1])["delta"]["type"] for e in events if e.startswith("event: content_block_delta")}
        assert deltas == {"thinking_delta", "signature_delta", "text_delta"}
        assert not missing(ANTHROPIC_MODELS, httpx.get(f"{fake.url}/v1/models", headers={"anthropic-version": "2023-06-01"}).json())
