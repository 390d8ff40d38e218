"""OpenAI-compatible chat completions (vLLM, llama.cpp, LM Studio, OpenAI). No I/O here."""

from __future__ import annotations

import re
from typing import Any

from crewmux.agents.llm.schema_forms import JSON_OBJECT_SCHEMA, JSON_SCHEMA, PROMPT
from crewmux.agents.llm.streams import SSEDecoder, SSEEvent, sse_json
from crewmux.agents.llm.types import ChatRequest
from crewmux.agents.llm.wire import ModelInfo, Piece, Record, Reply, StreamFailure, error_text, plain_messages
from crewmux.config import ModelConfig


# vLLM (and servers copying its wording) refuse prompt + max_tokens beyond the window:
# "This model's maximum context length is 32768 tokens. However, you requested 8192 tokens
# (30000 in the messages, 8192 in the completion)."
_OVERFLOW = re.compile(r"maximum context length is (\d+) tokens.*?\((\d+) in the messages", re.DOTALL)
REPLY_MARGIN = 16  # tokens kept free so the server's own count differences do not matter


def fitting_max_tokens(detail: str) -> int | None:
    """The largest max_tokens that fits, from an overflow refusal; None if not one or none fits."""
    match = _OVERFLOW.search(detail)
    if not match:
        return None
    room = int(match.group(1)) - int(match.group(2)) - REPLY_MARGIN
    return room if room > 0 else None


class OpenAIWire:
    name = "openai"
    default_url = "https://api.openai.com/v1"
    hint = "is the server (vLLM, llama.cpp, LM Studio) running? set OPENAI_BASE_URL (ending in /v1) and OPENAI_API_KEY, or base_urls in crewmux.toml"
    schema_forms = (JSON_SCHEMA, JSON_OBJECT_SCHEMA, PROMPT)
    # A stream must say why it ended: llama-cpp-python ends a stream that another request
    # interrupted with [DONE] and no finish_reason, which is a cut reply, not a whole one.
    needs_finish_reason = True

    def chat_url(self, base: str) -> str:
        return base.rstrip("/") + "/chat/completions"

    def models_url(self, base: str) -> str:
        return base.rstrip("/") + "/models"

    def headers(self, api_key: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {api_key}"} if api_key else {}

    def body(self, model: ModelConfig, request: ChatRequest, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"model": model.model, "messages": plain_messages(request.messages), "stream": stream}
        if stream:
            body["stream_options"] = {"include_usage": True}
        temperature = request.temperature if request.temperature is not None else model.temperature
        if temperature is not None:
            body["temperature"] = temperature
        if request.seed is not None:
            body["seed"] = request.seed
        max_tokens = request.max_tokens or model.max_tokens
        if max_tokens:
            body["max_tokens"] = max_tokens
        form = request.schema_form or self.schema_forms[0]
        if request.schema is not None and form == JSON_SCHEMA:
            # strict=False: OpenAI's strict mode rejects ordinary pydantic schemas
            # (optional fields, defaults); the reply is validated with pydantic anyway.
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": str(request.schema.get("title") or "reply"), "schema": request.schema, "strict": False},
            }
        elif request.schema is not None and form == JSON_OBJECT_SCHEMA:
            body["response_format"] = {"type": "json_object", "schema": request.schema}
        think = request.think if request.think is not None else model.think
        if think is not None:
            # vLLM, SGLang and llama.cpp switch reasoning models' thinking with this.
            body["chat_template_kwargs"] = {"enable_thinking": think}
        return body

    def decoder(self) -> SSEDecoder:
        return SSEDecoder()

    def feed(self, reply: Reply, record: Record) -> list[Piece]:
        assert isinstance(record, SSEEvent)
        if record.data.strip() == "[DONE]":
            reply.finished = True
            return []
        chunk = sse_json(record)
        if chunk.get("error"):
            raise StreamFailure(error_text(chunk))
        pieces: list[Piece] = []
        for choice in chunk.get("choices") or []:  # `choices: null` on some servers' usage chunk
            delta = choice.get("delta") or {}
            reply.add("thinking", delta.get("reasoning_content") or delta.get("reasoning") or "", pieces)
            reply.add("content", delta.get("content") or "", pieces)
            if choice.get("finish_reason"):
                reply.finish_reason = str(choice["finish_reason"])
        if isinstance(chunk.get("usage"), dict):
            self._usage(reply, chunk["usage"])
        return pieces

    def parse_whole(self, reply: Reply, body: dict[str, Any]) -> None:
        if body.get("error"):
            raise StreamFailure(error_text(body))
        choices = body.get("choices") or []
        if not choices:
            raise StreamFailure("the reply has no choices")
        message = choices[0].get("message") or {}
        reply.add("thinking", message.get("reasoning_content") or message.get("reasoning") or "", [])
        reply.add("content", message.get("content") or "", [])
        reply.finish_reason = str(choices[0].get("finish_reason") or "")
        if isinstance(body.get("usage"), dict):
            self._usage(reply, body["usage"])
        reply.finished = True

    @staticmethod
    def _usage(reply: Reply, usage: dict[str, Any]) -> None:
        reply.raw_done = {"usage": usage}
        if isinstance(usage.get("prompt_tokens"), int):
            reply.prompt_tokens = usage["prompt_tokens"]
        if isinstance(usage.get("completion_tokens"), int):
            reply.completion_tokens = usage["completion_tokens"]

    def error_text(self, body: Any) -> str:
        return error_text(body)

    def parse_models(self, body: dict[str, Any]) -> list[ModelInfo]:
        return [ModelInfo(name=str(item.get("id", "?")), details=str(item.get("owned_by") or "")) for item in body.get("data") or []]


class LocalWire(OpenAIWire):
    """crewmux's embedded engine (llama-cpp-python's server): OpenAI's wire, its own quirks."""

    name = "local"
    default_url = ""
    hint = "the run's embedded engine: see logs/engine-*.log in the run directory; `crewmux doctor` checks the engine is installed"
    schema_forms = (JSON_OBJECT_SCHEMA, JSON_SCHEMA, PROMPT)
