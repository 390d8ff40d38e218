"""Anthropic's Messages API: POST /v1/messages (SSE events), GET /v1/models. No I/O here."""

from __future__ import annotations

from typing import Any

from crewmux.agents.llm.schema_forms import NATIVE, PROMPT
from crewmux.agents.llm.streams import SSEDecoder, SSEEvent, sse_json
from crewmux.agents.llm.types import ChatRequest
from crewmux.agents.llm.wire import ModelInfo, Piece, Record, Reply, StreamFailure, error_text
from crewmux.config import ModelConfig

API_VERSION = "2023-06-01"
THINKING_BUDGET = 4096  # tokens of thinking allowed when think is on (must stay below max_tokens)


class AnthropicWire:
    name = "anthropic"
    default_url = "https://api.anthropic.com"
    hint = "set ANTHROPIC_API_KEY (or api_key in crewmux.toml) and check the model name"
    schema_forms = (NATIVE, PROMPT)
    needs_finish_reason = False  # its end marker (done, message_stop) says the reply is whole

    def chat_url(self, base: str) -> str:
        return base.rstrip("/") + "/v1/messages"

    def models_url(self, base: str) -> str:
        return base.rstrip("/") + "/v1/models"

    def headers(self, api_key: str | None) -> dict[str, str]:
        headers = {"anthropic-version": API_VERSION}
        if api_key:
            headers["x-api-key"] = api_key
        return headers

    def body(self, model: ModelConfig, request: ChatRequest, stream: bool) -> dict[str, Any]:
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        max_tokens = request.max_tokens or model.max_tokens
        body: dict[str, Any] = {
            "model": model.model,
            "max_tokens": max_tokens,  # required by this API
            "messages": [{"role": m.role, "content": m.content} for m in request.messages if m.role != "system"],
            "stream": stream,
        }
        if system:
            body["system"] = system
        think = request.think if request.think is not None else model.think
        if think and max_tokens > THINKING_BUDGET:
            body["thinking"] = {"type": "enabled", "budget_tokens": THINKING_BUDGET}
        else:
            # Extended thinking refuses a temperature; send it only without thinking.
            temperature = request.temperature if request.temperature is not None else model.temperature
            if temperature is not None:
                body["temperature"] = temperature
        if request.schema is not None:
            body["output_config"] = {"format": {"type": "json_schema", "schema": request.schema}}
        return body

    def decoder(self) -> SSEDecoder:
        return SSEDecoder()

    def feed(self, reply: Reply, record: Record) -> list[Piece]:
        assert isinstance(record, SSEEvent)
        event = sse_json(record)
        kind = event.get("type") or record.event
        pieces: list[Piece] = []
        if kind == "error":
            raise StreamFailure(error_text(event))
        if kind == "message_start":
            usage = (event.get("message") or {}).get("usage") or {}
            if isinstance(usage.get("input_tokens"), int):
                reply.prompt_tokens = usage["input_tokens"]
        elif kind == "content_block_delta":
            delta = event.get("delta") or {}
            if delta.get("type") == "thinking_delta":
                reply.add("thinking", delta.get("thinking") or "", pieces)
            elif delta.get("type") == "text_delta":
                reply.add("content", delta.get("text") or "", pieces)
        elif kind == "message_delta":
            usage = event.get("usage") or {}
            if isinstance(usage.get("output_tokens"), int):
                reply.completion_tokens = usage["output_tokens"]
            if isinstance(usage.get("input_tokens"), int):
                reply.prompt_tokens = usage["input_tokens"]
            reply.finish_reason = str((event.get("delta") or {}).get("stop_reason") or "")
            reply.raw_done = {"usage": usage, "stop_reason": reply.finish_reason}
        elif kind == "message_stop":
            reply.finished = True
        return pieces

    def parse_whole(self, reply: Reply, body: dict[str, Any]) -> None:
        if body.get("type") == "error" or "error" in body:
            raise StreamFailure(error_text(body))
        for block in body.get("content") or []:
            if block.get("type") == "thinking":
                reply.add("thinking", block.get("thinking") or "", [])
            elif block.get("type") == "text":
                reply.add("content", block.get("text") or "", [])
        usage = body.get("usage") or {}
        reply.prompt_tokens = usage.get("input_tokens")
        reply.completion_tokens = usage.get("output_tokens")
        reply.finish_reason = str(body.get("stop_reason") or "")
        reply.raw_done = {"usage": usage, "stop_reason": reply.finish_reason}
        reply.finished = True

    def error_text(self, body: Any) -> str:
        return error_text(body)

    def parse_models(self, body: dict[str, Any]) -> list[ModelInfo]:
        return [ModelInfo(name=str(item.get("id", "?")), details=str(item.get("display_name") or "")) for item in body.get("data") or []]
