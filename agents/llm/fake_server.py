"""A scripted model server on loopback that speaks the Ollama, OpenAI and Anthropic wire formats.

Tests, the demo and the benchmarks talk to it over real HTTP instead of a GPU. Replies come
from a script (see fake_script.py and docs/fake-llm.md); pacing (tokens/s, time to first
token), concurrency and faults are scripted too. Every request received can be written to
a JSONL request log so tests can see exactly what each agent sent.

With an ``api_key`` it answers only requests that carry it (``Authorization: Bearer`` or
``x-api-key``), 401 otherwise, as a hosted API does: a run's server is the run's alone.
A :class:`FaultStorm` turns a share of the chat requests into random faults (the chaos
bench's model faults), seeded, whatever the script says.
"""

from __future__ import annotations

import hmac
import json
import random
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

from crewmux.agents.llm.fake_script import (
    DEMO_SCRIPT,
    Api,
    ScriptedReply,
    RequestInfo,
    RuleBook,
    Script,
    load_script,
    parse_script,
)
from crewmux.agents.llm.tokens import estimate_tokens as count_tokens
from crewmux.agents.llm.tokens import split_tokens

__all__ = ["FakeLLMServer", "FaultStorm", "DEMO_SCRIPT"]

GARBAGE = b"\x00\xff<html>502 Bad Gateway</html>{{not json\n"
HANG_LIMIT = 600.0  # a hung request gives up after this long even if nobody stops the server
FAKE_VERSION = "0.12.6"
# What a storm can throw: the scripted faults, plus a hang that ends (the client's
# first-token timeout or the drop, whichever comes first), garbage and an empty reply.
STORM_KINDS = ("http_500", "http_429", "hang", "truncated", "malformed_json", "midstream_error", "garbage", "empty")


@dataclass
class FaultStorm:
    """A share ``rate`` of chat requests fails with one of ``kinds``, drawn from ``seed``."""

    rate: float
    seed: int = 0
    kinds: tuple[str, ...] = STORM_KINDS
    hang_seconds: float = 3.0  # a storm's hang, then the connection is dropped
    retry_after: float = 0.2
    counts: dict[str, int] = field(default_factory=dict)
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        if not 0 <= self.rate <= 1:
            raise ValueError(f"fault rate {self.rate} is not between 0 and 1")
        unknown = set(self.kinds) - set(STORM_KINDS)
        if unknown:
            raise ValueError(f"unknown storm fault(s) {', '.join(sorted(unknown))}; choose from {', '.join(STORM_KINDS)}")
        self._rng = random.Random(self.seed)

    def draw(self) -> str | None:
        """The fault for the next request, or None (answer it as scripted)."""
        with self._lock:
            if self._rng.random() >= self.rate:
                return None
            kind = self._rng.choice(self.kinds)
            self.counts[kind] = self.counts.get(kind, 0) + 1
            return kind

    def reply(self, kind: str) -> ScriptedReply:
        if kind == "garbage":
            return ScriptedReply(reply="", fault="malformed_json", fault_after_tokens=0)
        if kind == "empty":
            return ScriptedReply(reply="")
        return ScriptedReply(reply="The storm ate this reply. " * 8, fault=kind, retry_after=self.retry_after)  # type: ignore[arg-type]


@dataclass
class _Plan:
    """One reply, ready to send: what to stream and the numbers to report."""

    api: Api
    model: str
    stream: bool
    reply: ScriptedReply
    content: list[str]
    thinking: list[str]
    prompt_tokens: int
    finish_length: bool
    tps: float
    ttft: float
    include_usage: bool
    started: float = 0.0  # monotonic clock: request planned, first token, last token
    first: float = 0.0
    ended: float = 0.0

    @property
    def completion_tokens(self) -> int:
        return len(self.content) + len(self.thinking)

    def fault_at(self) -> int:
        total = self.completion_tokens
        after = self.reply.fault_after_tokens
        return total // 2 if after < 0 else min(after, total)


class FakeLLMServer:
    """``FakeLLMServer(script).start()`` returns the base URL; ``.stop()`` ends it."""

    def __init__(
        self,
        script: Script | Path | str | dict[str, Any] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        tps: float | None = None,
        ttft: float | None = None,
        concurrency: int | None = None,
        request_log: Path | None = None,
        api_key: str | None = None,
        storm: FaultStorm | None = None,
    ) -> None:
        if script is None:
            script = DEMO_SCRIPT
        if isinstance(script, (str, Path)):
            loaded = load_script(Path(script))
        elif isinstance(script, dict):
            loaded = parse_script(script)
        else:
            loaded = script
        if tps is not None:
            loaded = loaded.model_copy(update={"tps": tps})
        if ttft is not None:
            loaded = loaded.model_copy(update={"ttft": ttft})
        self.script = loaded
        self.rules = RuleBook(loaded)
        self.host = host
        self.port = port
        self.request_log = Path(request_log) if request_log else None
        self.api_key = api_key
        self.storm = storm
        self.requests: list[dict[str, Any]] = []
        self._log_lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(concurrency) if concurrency else None
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> str:
        self._httpd = _HTTPServer((self.host, self.port), _Handler)
        self._httpd.fake = self
        self.port = self._httpd.server_address[1]
        # A short poll interval makes stop() quick (serve_forever checks for shutdown that often).
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), name="fake-llm", daemon=True)
        self._thread.start()
        return self.url

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def request_stop(self) -> None:
        """Ask serve_forever() to return; safe from a signal handler."""
        self._stopping.set()

    def serve_forever(self) -> None:
        """Block the calling thread until request_stop() (e.g. from a signal handler)."""
        if self._httpd is None:
            self.start()
        try:
            self._stopping.wait()
        finally:
            self.stop()

    def __enter__(self) -> "FakeLLMServer":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- request log -------------------------------------------------------------------

    def record(self, entry: dict[str, Any]) -> None:
        with self._log_lock:
            self.requests.append(entry)
            if self.request_log is not None:
                with self.request_log.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(entry) + "\n")

    def wait(self, seconds: float) -> bool:
        """Sleep unless the server stops first; True when it is stopping."""
        return self._stopping.wait(seconds) if seconds > 0 else self._stopping.is_set()


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def _message_text(content: Any) -> str:
    """Text of a message's content: a string, or a list of parts / blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(_message_text(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeLLMServer


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"

    @property
    def fake(self) -> FakeLLMServer:
        return self.server.fake

    server_version = "fake-llm"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # the request log is the record; stderr stays quiet for tests and panes

    # -- routing -----------------------------------------------------------------------

    def _authorized(self) -> bool:
        """Whether the request carries the server's key (any request, when it has none)."""
        key = self.fake.api_key
        if key is None:
            return True
        given = self.headers.get("x-api-key") or ""
        bearer = self.headers.get("Authorization") or ""
        if bearer.startswith("Bearer "):
            given = given or bearer[len("Bearer "):]
        if hmac.compare_digest(given.encode(), key.encode()):
            return True
        # Read the body first, so the connection stays in step for the next request.
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._send_json(401, {"error": "fake-llm: this server needs its API key (Authorization: Bearer KEY); a run's agents read it from the run's secrets.json"})
        return False

    def do_GET(self) -> None:
        path = self.path.split("?")[0].rstrip("/")
        self._record(None)
        if not self._authorized():
            return
        models = self.fake.script.models
        if path == "":
            self._send_text(200, "Ollama is running")
        elif path == "/api/version":
            self._send_json(200, {"version": FAKE_VERSION})
        elif path == "/api/tags":
            self._send_json(200, {"models": [self._ollama_model(m) for m in models]})
        elif path == "/api/ps":
            loaded = [
                {**self._ollama_model(m), "expires_at": _now_iso(), "size_vram": 4_000_000_000, "context_length": 16384}
                for m in models[:1]
            ]
            self._send_json(200, {"models": loaded})
        elif path == "/v1/models" and self.headers.get("anthropic-version"):
            data = [{"type": "model", "id": m, "display_name": m, "created_at": _now_iso()} for m in models]
            self._send_json(200, {"data": data, "has_more": False, "first_id": models[0] if models else None, "last_id": models[-1] if models else None})
        elif path == "/v1/models":
            data = [{"id": m, "object": "model", "created": int(time.time()), "owned_by": "fake-llm"} for m in models]
            self._send_json(200, {"object": "list", "data": data})
        else:
            self._send_json(404, {"error": f"fake-llm: no such path {self.path}"})

    def do_POST(self) -> None:
        if not self._authorized():
            self._record(None)
            return
        path = self.path.split("?")[0].rstrip("/")
        api: Api | None = {"/api/chat": "ollama", "/v1/chat/completions": "openai", "/chat/completions": "openai", "/v1/messages": "anthropic"}.get(path)  # type: ignore[assignment]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            self._record(raw.decode("utf-8", "replace"))
            self._send_json(400, {"error": "fake-llm: request body is not JSON"})
            return
        if api is None:
            self._record(body)
            self._send_json(404, {"error": f"fake-llm: no such path {self.path}"})
            return
        info = self._request_info(api, body)
        storm = self.fake.storm.draw() if self.fake.storm is not None else None
        if storm is not None and self.fake.storm is not None:
            # Drawn before the rules, so a stormed request uses up no rule's `times`.
            self._record(body, rule=f"storm:{storm}")
            self._answer(self._plan(api, body, info, self.fake.storm.reply(storm)), hang_limit=self.fake.storm.hang_seconds)
            return
        index, reply = self.fake.rules.choose(info)
        self._record(body, rule="default" if index is None else index)
        if reply is None:
            self._send_error(api, 500, f"fake-llm: no rule matched and the script has no default (role={info.role!r} task={info.task!r} attempt={info.attempt})")
            return
        if self.fake.script.strict_models and info.model not in self.fake.script.models:
            self._send_error(api, 404, f'model "{info.model}" not found, try pulling it first')
            return
        plan = self._plan(api, body, info, reply)
        if self.fake._slots is None:
            self._answer(plan)
            return
        with self.fake._slots:
            self._answer(plan)

    # -- request reading ---------------------------------------------------------------

    def _record(self, body: Any, rule: int | str | None = None) -> None:
        entry: dict[str, Any] = {
            "time": time.time(),
            "method": self.command,
            "path": self.path,
            "headers": {k: v for k, v in self.headers.items()},
            "crewmux": {
                name: self.headers.get(f"X-Crewmux-{name.capitalize()}", "")
                for name in ("run", "role", "agent", "task", "attempt")
            },
            "body": body,
        }
        if rule is not None:
            entry["rule"] = rule
        self.fake.record(entry)

    def _request_info(self, api: Api, body: dict[str, Any]) -> RequestInfo:
        texts = [_message_text(m.get("content")) for m in body.get("messages") or [] if isinstance(m, dict)]
        if api == "anthropic":
            texts.insert(0, _message_text(body.get("system", "")))
            structured = bool((body.get("output_config") or {}).get("format") or body.get("output_format") or body.get("tools"))
            think = (body.get("thinking") or {}).get("type") == "enabled"
        elif api == "openai":
            structured = (body.get("response_format") or {}).get("type") in ("json_schema", "json_object")
            think = (body.get("chat_template_kwargs") or {}).get("enable_thinking") is True
        else:
            structured = bool(body.get("format"))
            think = body.get("think") is True
        attempt_header = self.headers.get("X-Crewmux-Attempt", "")
        return RequestInfo(
            api=api,
            model=str(body.get("model", "")),
            role=self.headers.get("X-Crewmux-Role", ""),
            agent=self.headers.get("X-Crewmux-Agent", ""),
            task=self.headers.get("X-Crewmux-Task", ""),
            attempt=int(attempt_header) if attempt_header.isdigit() else None,
            text="\n".join(texts),
            structured=structured,
            think=think,
        )

    def _plan(self, api: Api, body: dict[str, Any], info: RequestInfo, reply: ScriptedReply) -> _Plan:
        script = self.fake.script
        options = body.get("options") or {}
        prompt_tokens = count_tokens(info.text)
        limit: int | None = None
        if api == "ollama":
            num_ctx = options.get("num_ctx")
            if isinstance(num_ctx, int) and prompt_tokens > num_ctx:
                prompt_tokens = num_ctx  # Ollama silently keeps only the window's worth
            limit = options.get("num_predict")
            wants_thinking = body.get("think") is not False
        elif api == "openai":
            limit = body.get("max_completion_tokens") or body.get("max_tokens")
            wants_thinking = True
        else:
            limit = body.get("max_tokens")
            wants_thinking = (body.get("thinking") or {}).get("type") == "enabled"
        content = split_tokens(reply.reply_text())
        finish_length = isinstance(limit, int) and 0 <= limit < len(content)
        if finish_length:
            content = content[:limit]
        thinking = split_tokens(reply.thinking) if wants_thinking else []
        stream = body.get("stream", api == "ollama") is not False
        stream_options = body.get("stream_options") or {}
        return _Plan(
            api=api,
            model=info.model or (script.models[0] if script.models else "fake"),
            stream=stream,
            reply=reply,
            content=content,
            thinking=thinking,
            prompt_tokens=prompt_tokens,
            finish_length=finish_length,
            tps=script.tps if reply.tps is None else reply.tps,
            ttft=script.ttft if reply.ttft is None else reply.ttft,
            include_usage=bool(stream_options.get("include_usage")) and "no_usage" not in reply.quirks,
        )

    # -- answering ---------------------------------------------------------------------

    def _answer(self, plan: _Plan, hang_limit: float = HANG_LIMIT) -> None:
        fault = plan.reply.fault
        try:
            custom = plan.reply.error_message
            if fault == "http_400":
                self._send_error(plan.api, 400, custom or "fake-llm: scripted bad request")
            elif fault == "http_500":
                self._send_error(plan.api, 500, custom or "fake-llm: scripted internal server error")
            elif fault == "http_429":
                self._send_error(plan.api, 429, custom or "fake-llm: scripted rate limit", retry_after=plan.reply.retry_after)
            elif fault == "hang":
                self.fake.wait(hang_limit)
                self._drop_connection()
            elif plan.stream:
                self._stream(plan)
            else:
                self._whole(plan)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away (cancelled or timed out)

    def _pieces(self, plan: _Plan) -> Iterator[tuple[str, str]]:
        """(kind, text) per token, paced by ttft and tps; stops early if the server stops."""
        plan.started = time.monotonic()
        if self.fake.wait(plan.ttft):
            return
        first = plan.first = time.monotonic()
        kinds = [("thinking", t) for t in plan.thinking] + [("content", t) for t in plan.content]
        for i, piece in enumerate(kinds):
            # Token i is ready (i + 1) / tps after generation starts, so that
            # eval_count / eval_duration is exactly the scripted rate.
            if plan.tps > 0:
                delay = first + (i + 1) / plan.tps - time.monotonic()
                if delay > 0 and self.fake.wait(delay):
                    return
            yield piece
        plan.ended = time.monotonic()

    def _timings(self, plan: _Plan) -> dict[str, int]:
        prompt_ns = max(int((plan.first - plan.started) * 1e9), 1)
        eval_ns = max(int((plan.ended - plan.first) * 1e9), 1)
        return {
            "total_duration": prompt_ns + eval_ns + 1_000_000,
            "load_duration": 1_000_000,
            "prompt_eval_count": plan.prompt_tokens,
            "prompt_eval_duration": prompt_ns,
            "eval_count": plan.completion_tokens,
            "eval_duration": eval_ns,
        }

    def _whole(self, plan: _Plan) -> None:
        thinking = "".join(text for kind, text in self._pieces(plan) if kind == "thinking")
        content = "".join(plan.content)
        if plan.reply.fault == "midstream_error":
            self._send_error(plan.api, 500, "fake-llm: scripted model runner crash")
            return
        if plan.reply.fault == "malformed_json":
            self._send_raw(200, "application/json", GARBAGE)
            return
        body = self._whole_body(plan, content, thinking)
        data = json.dumps(body).encode()
        if plan.reply.fault == "truncated":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self._drop_connection()
            return
        self._send_raw(200, "application/json", data)

    def _whole_body(self, plan: _Plan, content: str, thinking: str) -> dict[str, Any]:
        if plan.api == "ollama":
            message: dict[str, Any] = {"role": "assistant", "content": content}
            if thinking:
                message["thinking"] = thinking
            return {
                "model": plan.model,
                "created_at": _now_iso(),
                "message": message,
                "done": True,
                "done_reason": "length" if plan.finish_length else "stop",
                **self._timings(plan),
            }
        if plan.api == "openai":
            message = {"role": "assistant", "content": content}
            if thinking:
                message["reasoning_content"] = thinking
            body: dict[str, Any] = {
                "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": plan.model,
                "choices": [{"index": 0, "message": message, "finish_reason": "length" if plan.finish_length else "stop"}],
            }
            if "no_usage" not in plan.reply.quirks:
                body["usage"] = self._openai_usage(plan)
            return body
        blocks: list[dict[str, Any]] = []
        if thinking:
            blocks.append({"type": "thinking", "thinking": thinking, "signature": "fake-signature"})
        blocks.append({"type": "text", "text": content})
        return {
            "id": f"msg_{uuid.uuid4().hex[:20]}",
            "type": "message",
            "role": "assistant",
            "model": plan.model,
            "content": blocks,
            "stop_reason": "max_tokens" if plan.finish_length else "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": plan.prompt_tokens, "output_tokens": plan.completion_tokens},
        }

    @staticmethod
    def _openai_usage(plan: _Plan) -> dict[str, int]:
        return {
            "prompt_tokens": plan.prompt_tokens,
            "completion_tokens": plan.completion_tokens,
            "total_tokens": plan.prompt_tokens + plan.completion_tokens,
        }

    def _stream(self, plan: _Plan) -> None:
        content_type = "application/x-ndjson" if plan.api == "ollama" else "text/event-stream"
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        encode = {"ollama": self._ollama_events, "openai": self._openai_events, "anthropic": self._anthropic_events}[plan.api]
        faulty = plan.reply.fault in ("midstream_error", "malformed_json", "truncated")
        fault_at, total = plan.fault_at(), plan.completion_tokens
        sent = 0
        for frame, is_token in encode(plan):
            # The fault replaces token number fault_at, or, when every token was to be sent,
            # the end of the reply (so the end marker never arrives).
            if faulty and sent == fault_at and (is_token or sent == total):
                self._stream_fault(plan)
                return
            self._chunk(frame)
            sent += is_token
        self.wfile.write(b"0\r\n\r\n")

    def _stream_fault(self, plan: _Plan) -> None:
        fault = plan.reply.fault
        if fault == "truncated":
            self._drop_connection()
            return
        if fault == "malformed_json":
            self._chunk(GARBAGE if plan.api == "ollama" else b"data: " + GARBAGE + b"\n")
        else:
            message = "fake-llm: scripted error in the middle of the stream"
            if plan.api == "ollama":
                self._chunk(json.dumps({"error": message}).encode() + b"\n")
            elif plan.api == "openai":
                self._chunk(_sse({"error": {"message": message, "type": "server_error", "code": None}}))
            else:
                self._chunk(_sse({"type": "error", "error": {"type": "overloaded_error", "message": message}}, "error"))
        self.wfile.write(b"0\r\n\r\n")
        self.close_connection = True

    def _ollama_events(self, plan: _Plan) -> Iterator[tuple[bytes, bool]]:
        for kind, text in self._pieces(plan):
            message = {"role": "assistant", "content": text if kind == "content" else ""}
            if kind == "thinking":
                message["thinking"] = text
            line = {"model": plan.model, "created_at": _now_iso(), "message": message, "done": False}
            yield json.dumps(line).encode() + b"\n", True
        final = {
            "model": plan.model,
            "created_at": _now_iso(),
            "message": {"role": "assistant", "content": ""},
            "done": True,
            "done_reason": "length" if plan.finish_length else "stop",
            **self._timings(plan),
        }
        yield json.dumps(final).encode() + b"\n", False

    def _openai_events(self, plan: _Plan) -> Iterator[tuple[bytes, bool]]:
        ident = f"chatcmpl-{uuid.uuid4().hex[:12]}"
        created = int(time.time())

        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            data = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": plan.model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            if plan.include_usage:
                data["usage"] = None  # as documented: null on every chunk but the last
            return _sse(data)

        yield chunk({"role": "assistant", "content": ""}), False
        for kind, text in self._pieces(plan):
            yield chunk({"reasoning_content": text} if kind == "thinking" else {"content": text}), True
        yield chunk({}, "length" if plan.finish_length else "stop"), False
        if plan.include_usage:
            choices: list[Any] | None = None if "choices_null" in plan.reply.quirks else []
            yield _sse({"id": ident, "object": "chat.completion.chunk", "created": created, "model": plan.model, "choices": choices, "usage": self._openai_usage(plan)}), False
        yield b"data: [DONE]\n\n", False

    def _anthropic_events(self, plan: _Plan) -> Iterator[tuple[bytes, bool]]:
        message: dict[str, Any] = {
            "id": f"msg_{uuid.uuid4().hex[:20]}", "type": "message", "role": "assistant", "content": [],
            "model": plan.model, "stop_reason": None, "stop_sequence": None,
            "usage": {"input_tokens": plan.prompt_tokens, "output_tokens": 1},
        }
        yield _sse({"type": "message_start", "message": message}, "message_start"), False
        yield _sse({"type": "ping"}, "ping"), False
        index = -1
        current = ""
        signature = {"type": "signature_delta", "signature": "ZmFrZS1zaWduYXR1cmU="}
        for kind, text in self._pieces(plan):
            if kind != current:
                if current == "thinking":
                    yield _sse({"type": "content_block_delta", "index": index, "delta": signature}, "content_block_delta"), False
                if current:
                    yield _sse({"type": "content_block_stop", "index": index}, "content_block_stop"), False
                index += 1
                current = kind
                block = {"type": "thinking", "thinking": ""} if kind == "thinking" else {"type": "text", "text": ""}
                yield _sse({"type": "content_block_start", "index": index, "content_block": block}, "content_block_start"), False
            delta = {"type": "thinking_delta", "thinking": text} if kind == "thinking" else {"type": "text_delta", "text": text}
            yield _sse({"type": "content_block_delta", "index": index, "delta": delta}, "content_block_delta"), True
        if current:
            yield _sse({"type": "content_block_stop", "index": index}, "content_block_stop"), False
        stop = "max_tokens" if plan.finish_length else "end_turn"
        yield _sse({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None}, "usage": {"output_tokens": plan.completion_tokens}}, "message_delta"), False
        yield _sse({"type": "message_stop"}, "message_stop"), False

    # -- low-level writing -------------------------------------------------------------

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def _drop_connection(self) -> None:
        """End the TCP connection mid-body, as a crashed server would."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _send_raw(self, status: int, content_type: str, data: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self._send_raw(status, "application/json", json.dumps(body).encode(), headers)

    def _send_text(self, status: int, text: str) -> None:
        self._send_raw(status, "text/plain; charset=utf-8", text.encode())

    def _send_error(self, api: Api, status: int, message: str, retry_after: float | None = None) -> None:
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
        if api == "ollama":
            body: Any = {"error": message}
        elif api == "openai":
            kind = {429: "rate_limit_error", 400: "invalid_request_error"}.get(status, "server_error")
            body = {"error": {"message": message, "type": kind, "code": None}}
        else:
            kind = {429: "rate_limit_error", 404: "not_found_error", 400: "invalid_request_error"}.get(status, "api_error")
            body = {"type": "error", "error": {"type": kind, "message": message}}
        self._send_json(status, body, headers)

    @staticmethod
    def _ollama_model(name: str) -> dict[str, Any]:
        # Sizes follow the tag as Q4 weights would (about 0.6 bytes per parameter): "14b" -> 8.4 GB.
        match = re.search(r"(\d+(?:\.\d+)?)b\b", name.lower())
        billions = float(match.group(1)) if match else 7.0
        return {
            "name": name,
            "model": name,
            "modified_at": _now_iso(),
            "size": int(billions * 0.6e9),
            "digest": uuid.uuid5(uuid.NAMESPACE_DNS, name).hex * 2,
            "details": {"format": "gguf", "family": "fake", "parameter_size": f"{billions:g}B", "quantization_level": "Q4_K_M"},
        }


def _sse(data: dict[str, Any], event: str | None = None) -> bytes:
    head = f"event: {event}\n".encode() if event else b""
    return head + b"data: " + json.dumps(data).encode() + b"\n\n"
