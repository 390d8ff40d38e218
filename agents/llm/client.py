"""LLMClient: one model, on one or more endpoints, over one httpx client.

Streams by default, retries what is worth retrying, spreads requests over endpoints,
validates structured replies, and records every exchange in the run's llm/<agent>.jsonl.
The wire formats live in *_wire.py, the pure decisions in retry.py / endpoints.py /
jsonreply.py; this module does the I/O.
"""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import asdict, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from crewmux.agents.llm.endpoints import EndpointPool
from crewmux.agents.llm.errors import Fault, LLMCancelled, StructuredReplyError, clean_detail, describe_failure
from crewmux.agents.llm.exchange_log import ExchangeLog
from crewmux.agents.llm.interrupt import Interrupter
from crewmux.agents.llm.openai_wire import fitting_max_tokens
from crewmux.agents.llm.jsonreply import ReplyInvalid, parse_structured, repair_message, schema_instruction
from crewmux.agents.llm.retry import ENDPOINT_DOWN, RETRYABLE, RetryPolicy, parse_retry_after, retry_delay
from crewmux.agents.llm.schema_forms import PROMPT, is_refusal, next_form
from crewmux.agents.llm.streams import WireError, decode_json_object
from crewmux.agents.llm.tokens import estimate_tokens
from crewmux.agents.llm.types import (
    ChatMessage,
    ChatRequest,
    ChatResult,
    ChatStats,
    CUT_REASONS,
    ChunkCallback,
    LLMError,
)
from crewmux.agents.llm.wire import ModelInfo, Reply, StreamFailure, get_wire
from crewmux.config import ModelConfig, model_api_key, model_endpoints

M = TypeVar("M", bound=BaseModel)

ERROR_BODY_LIMIT = 4096  # bytes of an HTTP error body worth reading for its message


class LLMClient:
    """Talk to one configured model. Thread-safe: agents may call it from several threads."""

    def __init__(
        self,
        model: ModelConfig,
        *,
        log_path: Path | None = None,
        retry: RetryPolicy | None = None,
        environ: dict[str, str] | None = None,
        rng: random.Random | None = None,
        dead_seconds: float = 5.0,
    ) -> None:
        self.model = model
        self.wire = get_wire(model.provider)
        self.pool = EndpointPool(model_endpoints(model, environ), dead_seconds=dead_seconds)
        self.retry = retry or RetryPolicy()
        self._api_key = model_api_key(model, environ)
        # Set once the server said the model cannot think: later requests leave think out.
        self._think_refused = False
        # The way each endpoint takes a schema, once one was refused (schema_forms.py).
        self._schema_form: dict[str, str] = {}
        self._rng = rng or random.Random()
        self._log = ExchangeLog(log_path) if log_path else None
        # One connection per request (no keep-alive): every request then passes httpcore's
        # connect trace, which is what lets a cancel interrupt a blocked read (interrupt.py).
        self._http = httpx.Client(
            timeout=httpx.Timeout(
                connect=model.timeout_connect,
                read=model.timeout_first_token,
                write=model.timeout_connect,
                pool=model.timeout_connect,
            ),
            limits=httpx.Limits(max_keepalive_connections=0),
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "LLMClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- chat --------------------------------------------------------------------------

    def chat(
        self,
        request: ChatRequest,
        on_chunk: ChunkCallback | None = None,
        cancel: threading.Event | None = None,
        *,
        stream: bool = True,
        purpose: str = "chat",
    ) -> ChatResult:
        """Send one request (retrying as retry.py decides) and return the whole reply.

        Raises LLMError (LLMCancelled when ``cancel`` was set) with a message naming the
        server and what to check. ``purpose`` is recorded in the exchange log.
        """
        tries: list[dict[str, Any]] = []
        shrunk = False  # max_tokens was lowered once to fit the server's window
        pause = cancel or threading.Event()
        started = time.time()
        while True:
            endpoint = self.pool.acquire()
            try:
                result = self._attempt(endpoint.url, request, on_chunk, cancel, stream)
            except Fault as fault:
                self.pool.release(endpoint, reachable=fault.kind not in ENDPOINT_DOWN)
                tries.append({"endpoint": endpoint.url, "kind": fault.kind, "detail": fault.detail, "status": fault.status})
                if request.schema is not None and is_refusal(fault.status, fault.detail):
                    refused = self._form(endpoint.url)
                    following = next_form(self.wire.schema_forms, refused)
                    if following is not None:
                        # e.g. llama-cpp-python's HTTP 500 on json_schema: the next form at
                        # once, not three retries of a request that cannot succeed.
                        self._schema_form[endpoint.url] = following
                        tries[-1]["schema_form"] = refused
                        continue
                if not self._think_refused and _thinking_refused(fault):
                    # e.g. Ollama: '"qwen2.5-coder:7b" does not support thinking'. A config
                    # asking for thinking must not make a non-thinking model unusable.
                    self._think_refused = True
                    continue
                fitting = fitting_max_tokens(fault.detail) if fault.kind == "http_4xx" and self.model.provider == "openai" else None
                if fitting is not None and not shrunk and fitting < (request.max_tokens or self.model.max_tokens):
                    shrunk = True
                    # The prompt plus max_tokens overflow the window: ask for a shorter reply.
                    request = replace(request, max_tokens=fitting)
                    continue
                delay = retry_delay(
                    self.retry,
                    fault.kind,
                    len(tries),
                    self._rng,
                    retry_after=fault.retry_after,
                    other_endpoint=self.pool.has_live_other(endpoint),
                )
                if delay is None:
                    message = describe_failure(self.model.provider, endpoint.url, self.model.model, fault, len(tries), self.wire.hint)
                    tried = sorted({t["endpoint"] for t in tries})
                    if len(tried) > 1:
                        message += f" (endpoints tried: {', '.join(tried)})"
                    error = LLMError(message, retryable=fault.kind in RETRYABLE, endpoint=endpoint.url, kind=fault.kind, status=fault.status)
                    self._record(request, started, purpose, None, error, fault.kind, tries)
                    raise error from None
                if pause.wait(delay):
                    error = LLMCancelled(f"{self.model.provider} request to {endpoint.url} cancelled", endpoint=endpoint.url)
                    self._record(request, started, purpose, None, error, "cancelled", tries)
                    raise error from None
                continue
            except LLMCancelled as error:
                self.pool.release(endpoint, reachable=True)
                self._record(request, started, purpose, None, error, "cancelled", tries)
                raise
            except BaseException:
                # e.g. the caller's on_chunk raised: keep the in-flight count right.
                self.pool.release(endpoint, reachable=True)
                raise
            self.pool.release(endpoint, reachable=True)
            self._record(request, started, purpose, result, None, None, tries)
            return result

    def chat_structured(
        self,
        request: ChatRequest,
        model_cls: type[M],
        on_chunk: ChunkCallback | None = None,
        cancel: threading.Event | None = None,
        *,
        stream: bool = True,
    ) -> tuple[M, ChatResult]:
        """A reply validated against ``model_cls``; one repair round on an invalid reply.

        The returned stats add up both rounds' tokens, time and cost.
        """
        schema = model_cls.model_json_schema()
        request = replace(request, schema=schema)
        first = self.chat(request, on_chunk, cancel, stream=stream, purpose="structured")
        try:
            if first.cut:
                raise ReplyInvalid(f"the reply was cut at the token limit ({request.max_tokens or self.model.max_tokens}); answer shorter")
            return parse_structured(first.text, model_cls), first
        except ReplyInvalid as problem:
            repair = replace(
                request,
                messages=[
                    *request.messages,
                    ChatMessage("assistant", first.text),
                    ChatMessage("user", repair_message(str(problem))),
                ],
            )
            second = self.chat(repair, on_chunk, cancel, stream=stream, purpose="repair")
            combined = _combine(first, second)
            try:
                if second.cut:
                    raise ReplyInvalid("the repaired reply was cut at the token limit too")
                return parse_structured(second.text, model_cls), combined
            except ReplyInvalid as again:
                raise StructuredReplyError(
                    f"{self.model.provider} model {self.model.model} at {second.stats.endpoint} did not return a valid "
                    f"{model_cls.__name__} even after a repair round: {again} "
                    "(a model that follows instructions better, or think off, usually helps)",
                    reply=second.text,
                    endpoint=second.stats.endpoint,
                ) from None

    # -- one try against one endpoint --------------------------------------------------

    def _attempt(
        self,
        base: str,
        request: ChatRequest,
        on_chunk: ChunkCallback | None,
        cancel: threading.Event | None,
        stream: bool,
    ) -> ChatResult:
        if cancel is not None and cancel.is_set():
            raise LLMCancelled(f"{self.model.provider} request to {base} cancelled", endpoint=base)
        url = self.wire.chat_url(base)
        model = self.model
        if request.schema is not None:
            request = self._with_form(base, request)
        if self._think_refused:
            model, request = model.model_copy(update={"think": None}), replace(request, think=None)
        body = self.wire.body(model, request, stream)
        headers = {**self.wire.headers(self._api_key), **request.meta.headers()}
        reply = Reply()
        t0 = time.monotonic()
        first: list[float] = []  # time of the first token, once there is one
        guard = Interrupter(cancel, t0 + self.model.timeout_total)
        try:
            with self._http.stream("POST", url, json=body, headers=headers, extensions={"trace": guard.trace}) as response:
                if response.status_code >= 400:
                    raise self._http_fault(response)
                if stream:
                    self._read_stream(response, reply, on_chunk, first, guard)
                else:
                    self._read_whole(response, reply, on_chunk, first)
        except httpx.HTTPError as exc:
            raise self._interrupted(guard, base) or self._transport_fault(exc, bool(first))
        except (WireError, StreamFailure) as exc:
            raise self._interrupted(guard, base) or Fault("garbage" if isinstance(exc, WireError) else "stream_error", str(exc))
        except Fault as fault:
            raise self._interrupted(guard, base) or fault
        finally:
            guard.finish()
        interrupted = self._interrupted(guard, base)
        if interrupted is not None:
            raise interrupted
        return self._result(base, request, reply, t0, first[0] if first else None)

    def _form(self, base: str) -> str:
        return self._schema_form.get(base, self.wire.schema_forms[0])

    def _with_form(self, base: str, request: ChatRequest) -> ChatRequest:
        """The request as this endpoint takes its schema; in the prompt when nothing else works."""
        form = self._form(base)
        if form == PROMPT:
            assert request.schema is not None
            instruction = ChatMessage("system", schema_instruction(request.schema))
            return replace(request, schema=None, schema_form=form, messages=[*request.messages, instruction])
        return replace(request, schema_form=form)

    def schema_form(self, base: str | None = None) -> str:
        """The way structured requests to ``base`` (default: the first endpoint) send their schema."""
        return self._form(base or self.pool.endpoints[0].url)

    def _read_stream(self, response: httpx.Response, reply: Reply, on_chunk: ChunkCallback | None, first: list[float], guard: Interrupter) -> None:
        decoder = self.wire.decoder()
        for data in response.iter_bytes():
            for record in decoder.feed(data):
                self._deliver(self.wire.feed(reply, record), on_chunk, first)
            if guard.reason is not None:
                return
        for record in decoder.close():
            self._deliver(self.wire.feed(reply, record), on_chunk, first)
        # Lenient: a stream that ended after its finish reason but without the end marker
        # ([DONE], message_stop) is complete.
        if not (reply.finished or reply.finish_reason):
            raise Fault("stream_cut", "the stream ended before the reply's end marker")
        if self.wire.needs_finish_reason and not reply.finish_reason:
            raise Fault("stream_cut", "the stream ended without a finish reason (another request may have interrupted it)")

    def _read_whole(self, response: httpx.Response, reply: Reply, on_chunk: ChunkCallback | None, first: list[float]) -> None:
        self.wire.parse_whole(reply, decode_json_object(response.read()))
        reply.streamed = False
        pieces = [("thinking", "".join(reply.thinking)), ("content", "".join(reply.content))]
        self._deliver([(kind, text) for kind, text in pieces if text], on_chunk, first)
        if not first:
            first.append(time.monotonic())

    @staticmethod
    def _deliver(pieces: list[tuple[str, str]], on_chunk: ChunkCallback | None, first: list[float]) -> None:
        if pieces and not first:
            first.append(time.monotonic())
        if on_chunk is not None:
            for kind, text in pieces:
                on_chunk(kind, text)

    def _interrupted(self, guard: Interrupter, base: str) -> Exception | None:
        if guard.reason == "cancelled":
            return LLMCancelled(f"{self.model.provider} request to {base} cancelled", endpoint=base)
        if guard.reason == "deadline":
            return Fault("total_timeout", f"no complete reply after {self.model.timeout_total:g} s")
        return None

    def _http_fault(self, response: httpx.Response) -> Fault:
        raw = b""
        for data in response.iter_bytes():
            raw += data
            if len(raw) >= ERROR_BODY_LIMIT:
                break
        try:
            detail = self.wire.error_text(json.loads(raw))
        except (json.JSONDecodeError, UnicodeDecodeError):
            detail = clean_detail(raw.decode("utf-8", "replace")) or response.reason_phrase
        status = response.status_code
        if status == 429:
            return Fault("http_429", detail, retry_after=parse_retry_after(response.headers.get("retry-after")), status=status)
        if status >= 500:
            return Fault("http_5xx", detail, status=status)
        return Fault("http_4xx", detail, status=status)

    def _transport_fault(self, exc: httpx.HTTPError, got_tokens: bool) -> Fault:
        if isinstance(exc, httpx.ConnectTimeout):
            return Fault("connect_timeout", f"no connection within {self.model.timeout_connect:g} s")
        if isinstance(exc, httpx.ConnectError):
            return Fault("connect", str(exc) or "connection refused")
        if isinstance(exc, httpx.ReadTimeout):
            where = "between two pieces of the reply" if got_tokens else "before the first token"
            return Fault("first_token_timeout", f"waited {self.model.timeout_first_token:g} s {where}")
        if isinstance(exc, httpx.DecodingError):
            return Fault("garbage", str(exc))
        return Fault("stream_cut", str(exc) or type(exc).__name__)

    # -- results and the exchange log --------------------------------------------------

    def _result(self, base: str, request: ChatRequest, reply: Reply, t0: float, first: float | None) -> ChatResult:
        end = time.monotonic()
        text, thinking = "".join(reply.content), "".join(reply.thinking)
        total = end - t0
        ttft = (first - t0) if first is not None else total
        estimated_prompt = estimate_tokens("".join(m.content for m in request.messages))
        prompt_tokens = reply.prompt_tokens if reply.prompt_tokens is not None else estimated_prompt
        if reply.completion_tokens is not None:
            completion = reply.completion_tokens
        elif reply.streamed and (reply.content or reply.thinking):
            # No usage in the stream (llama-cpp-python sends none): llama.cpp and vLLM send
            # one piece per token, which counts better than an estimate from characters.
            completion = len(reply.content) + len(reply.thinking)
        else:
            completion = estimate_tokens(text + thinking)
        if reply.eval_seconds:
            tps = completion / reply.eval_seconds
        elif first is not None and total > ttft and reply.streamed:
            tps = completion / (total - ttft)
        else:
            tps = completion / total if total > 0 else 0.0  # a whole reply: only the total is known
        if reply.prompt_eval_seconds:
            prompt_tps = prompt_tokens / reply.prompt_eval_seconds
        else:
            prompt_tps = prompt_tokens / ttft if ttft > 0 else 0.0
        warnings: list[str] = []
        truncated = False
        if self.model.provider == "ollama" and reply.prompt_tokens is not None:
            num_ctx = request.num_ctx or self.model.num_ctx
            truncated = prompt_was_cut(reply.prompt_tokens, num_ctx, estimated_prompt)
            if truncated:
                warnings.append(
                    f"the prompt (about {estimated_prompt} tokens) was cut to the context window: the server "
                    f"evaluated {reply.prompt_tokens} tokens with num_ctx={num_ctx}; raise num_ctx in crewmux.toml "
                    "or send less context"
                )
        if self._think_refused and (request.think or self.model.think):
            warnings.append(f"{self.model.model} does not support thinking; asked without it (set think = false for this role)")
        if reply.finish_reason in CUT_REASONS:
            warnings.append(f"the reply stopped at the token limit ({request.max_tokens or self.model.max_tokens}); raise max_tokens")
        stats = ChatStats(
            prompt_tokens=prompt_tokens,
            completion_tokens=completion,
            ttft=ttft,
            total_seconds=total,
            tokens_per_second=tps,
            prompt_tokens_per_second=prompt_tps,
            cost=(prompt_tokens * self.model.price_in_per_mtok + completion * self.model.price_out_per_mtok) / 1e6,
            truncated_prompt=truncated,
            endpoint=base,
            model=self.model.model,
        )
        return ChatResult(text=text, thinking=thinking, stats=stats, raw_done=reply.raw_done, warnings=warnings, finish_reason=reply.finish_reason)

    def _record(
        self,
        request: ChatRequest,
        started: float,
        purpose: str,
        result: ChatResult | None,
        error: Exception | None,
        error_kind: str | None,
        tries: list[dict[str, Any]],
    ) -> None:
        if self._log is None:
            return
        record: dict[str, Any] = {
            "time": datetime.fromtimestamp(started, timezone.utc).isoformat(),
            "purpose": purpose,
            "provider": self.model.provider,
            "model": self.model.model,
            "meta": asdict(request.meta),
            "request": {
                "messages": [asdict(m) for m in request.messages],
                "schema": request.schema,
                "think": request.think,
                "temperature": request.temperature,
                "seed": request.seed,
                "max_tokens": request.max_tokens,
                "num_ctx": request.num_ctx,
            },
            "failed_tries": tries,
        }
        if result is not None:
            record["reply"] = result.text
            record["thinking"] = result.thinking
            record["stats"] = asdict(result.stats)
            record["warnings"] = result.warnings
            record["finish_reason"] = result.finish_reason
        if error is not None:
            record["error"] = {"kind": error_kind, "message": str(error)}
        self._log.write(record)

    # -- models ------------------------------------------------------------------------

    def list_models(self) -> list[ModelInfo]:
        """The models the first reachable endpoint serves (Ollama: loaded ones marked)."""
        problems = []
        for endpoint in self.pool.endpoints:
            try:
                models = self.wire.parse_models(self._get_json(self.wire.models_url(endpoint.url)))
                ps_url = getattr(self.wire, "ps_url", None)
                if ps_url is not None:
                    loaded = {m.name for m in self.wire.parse_models(self._get_json(ps_url(endpoint.url)))}
                    for m in models:
                        m.loaded = m.name in loaded
                return models
            except Fault as fault:
                problems.append(describe_failure(self.model.provider, endpoint.url, self.model.model, fault, 1, self.wire.hint))
        raise LLMError("; ".join(problems))

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = self._http.get(url, headers=self.wire.headers(self._api_key))
        except httpx.HTTPError as exc:
            raise self._transport_fault(exc, False) from None
        if response.status_code >= 400:
            raise self._http_fault(response)
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise Fault("garbage", f"not JSON: {clean_detail(response.text, 80)}") from None
        if not isinstance(body, dict):
            raise Fault("garbage", "expected a JSON object")
        return body


def prompt_was_cut(reported: int, num_ctx: int, estimated: int) -> bool:
    """Ollama keeps only the window's worth of a long prompt and says nothing.

    The signs: it evaluated a whole window, or the prompt is longer than the window even
    by the rough estimate (which undercounts code). A small count alone proves nothing:
    a cached prefix is not evaluated again.
    """
    return reported >= num_ctx or estimated > num_ctx


def _thinking_refused(fault: Fault) -> bool:
    detail = fault.detail.lower()
    return fault.status == 400 and "think" in detail and ("support" in detail or "not allowed" in detail)


def _combine(first: ChatResult, second: ChatResult) -> ChatResult:
    """The repaired result, with both rounds' tokens, time and cost."""
    a, b = first.stats, second.stats
    stats = replace(
        b,
        prompt_tokens=a.prompt_tokens + b.prompt_tokens,
        completion_tokens=a.completion_tokens + b.completion_tokens,
        total_seconds=a.total_seconds + b.total_seconds,
        ttft=a.ttft,
        cost=a.cost + b.cost,
        truncated_prompt=a.truncated_prompt or b.truncated_prompt,
    )
    return replace(second, stats=stats, warnings=first.warnings + second.warnings)
