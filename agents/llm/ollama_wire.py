"""Ollama's native API: POST /api/chat (NDJSON stream), /api/tags, /api/ps. No I/O here."""

from __future__ import annotations

from typing import Any

from crewmux.agents.llm.schema_forms import NATIVE, PROMPT
from crewmux.agents.llm.streams import NDJSONDecoder
from crewmux.agents.llm.types import ChatRequest
from crewmux.agents.llm.wire import ModelInfo, Piece, Record, Reply, StreamFailure, error_text, plain_messages
from crewmux.config import ModelConfig


class OllamaWire:
    name = "ollama"
    default_url = "http://127.0.0.1:11434"
    hint = "is `ollama serve` running? set OLLAMA_HOST or base_urls in crewmux.toml"
    schema_forms = (NATIVE, PROMPT)
    needs_finish_reason = False  # its end marker (done, message_stop) says the reply is whole

    def chat_url(self, base: str) -> str:
        return base.rstrip("/") + "/api/chat"

    def models_url(self, base: str) -> str:
        return base.rstrip("/") + "/api/tags"

    def ps_url(self, base: str) -> str:
        return base.rstrip("/") + "/api/ps"

    def headers(self, api_key: str | None) -> dict[str, str]:
        # A key only matters behind an authenticating proxy; Ollama itself ignores it.
        return {"Authorization": f"Bearer {api_key}"} if api_key else {}

    def body(self, model: ModelConfig, request: ChatRequest, stream: bool) -> dict[str, Any]:
        # num_ctx is always sent: Ollama's default window is small and it cuts silently.
        options: dict[str, Any] = {"num_ctx": request.num_ctx or model.num_ctx}
        temperature = request.temperature if request.temperature is not None else model.temperature
        if temperature is not None:
            options["temperature"] = temperature
        if request.seed is not None:
            options["seed"] = request.seed
        max_tokens = request.max_tokens or model.max_tokens
        if max_tokens:
            options["num_predict"] = max_tokens
        body: dict[str, Any] = {
            "model": model.model,
            "messages": plain_messages(request.messages),
            "stream": stream,
            "options": options,
        }
        think = request.think if request.think is not None else model.think
        if think is not None:
            body["think"] = think
        if request.schema is not None:
            body["format"] = request.schema
        if model.keep_alive:
            body["keep_alive"] = model.keep_alive
        return body

    def decoder(self) -> NDJSONDecoder:
        return NDJSONDecoder()

    def feed(self, reply: Reply, record: Record) -> list[Piece]:
        assert isinstance(record, dict)
        if "error" in record:
            raise StreamFailure(error_text(record))
        pieces: list[Piece] = []
        message = record.get("message") or {}
        reply.add("thinking", message.get("thinking") or "", pieces)
        reply.add("content", message.get("content") or "", pieces)
        if record.get("done"):
            self._done(reply, record)
        return pieces

    def parse_whole(self, reply: Reply, body: dict[str, Any]) -> None:
        if "error" in body:
            raise StreamFailure(error_text(body))
        message = body.get("message") or {}
        reply.add("thinking", message.get("thinking") or "", [])
        reply.add("content", message.get("content") or "", [])
        self._done(reply, body)

    @staticmethod
    def _done(reply: Reply, record: dict[str, Any]) -> None:
        reply.finished = True
        reply.raw_done = {k: v for k, v in record.items() if k != "message"}
        reply.finish_reason = str(record.get("done_reason") or "")
        reply.prompt_tokens = _int(record.get("prompt_eval_count"))
        reply.completion_tokens = _int(record.get("eval_count"))
        if record.get("eval_duration"):
            reply.eval_seconds = record["eval_duration"] / 1e9
        if record.get("prompt_eval_duration"):
            reply.prompt_eval_seconds = record["prompt_eval_duration"] / 1e9

    def error_text(self, body: Any) -> str:
        return error_text(body)

    def parse_models(self, body: dict[str, Any]) -> list[ModelInfo]:
        models = []
        for item in body.get("models") or []:
            details = item.get("details") or {}
            described = " ".join(str(details[k]) for k in ("parameter_size", "quantization_level") if details.get(k))
            models.append(ModelInfo(name=item.get("name") or item.get("model", "?"), size_bytes=item.get("size"), details=described))
        return models


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) else None
