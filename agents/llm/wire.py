"""What every provider's wire module fills in, and how one is chosen by name. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, Union

from crewmux.agents.llm.streams import NDJSONDecoder, SSEDecoder, SSEEvent
from crewmux.agents.llm.types import ChatMessage, ChatRequest
from crewmux.config import ModelConfig

Decoder = Union[NDJSONDecoder, SSEDecoder]
Record = Union[dict[str, Any], SSEEvent]
Piece = tuple[str, str]  # (kind, text): kind is "content" or "thinking"


class StreamFailure(Exception):
    """The server reported an error inside a 200 reply."""


@dataclass
class Reply:
    """A reply as it accumulates; numbers stay None when the server did not send them."""

    content: list[str] = field(default_factory=list)
    thinking: list[str] = field(default_factory=list)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    eval_seconds: float | None = None  # server-measured generation time
    prompt_eval_seconds: float | None = None
    finish_reason: str = ""
    finished: bool = False  # the wire format's end marker arrived
    streamed: bool = True  # False: the reply came whole, so ttft is the total time
    raw_done: dict[str, Any] = field(default_factory=dict)

    def add(self, kind: str, text: str, pieces: list[Piece]) -> None:
        if text:
            (self.thinking if kind == "thinking" else self.content).append(text)
            pieces.append((kind, text))


@dataclass
class ModelInfo:
    name: str
    size_bytes: int | None = None
    details: str = ""
    loaded: bool = False


class Wire(Protocol):
    name: str
    default_url: str
    hint: str  # what the user should check when the server cannot be reached
    schema_forms: tuple[str, ...]  # ways to send a JSON Schema, tried in order (schema_forms.py)
    needs_finish_reason: bool  # a stream without a finish reason is a cut one

    def chat_url(self, base: str) -> str: ...
    def models_url(self, base: str) -> str: ...
    def headers(self, api_key: str | None) -> dict[str, str]: ...
    def body(self, model: ModelConfig, request: ChatRequest, stream: bool) -> dict[str, Any]: ...
    def decoder(self) -> Decoder: ...
    def feed(self, reply: Reply, record: Record) -> list[Piece]: ...
    def parse_whole(self, reply: Reply, body: dict[str, Any]) -> None: ...
    def error_text(self, body: Any) -> str: ...
    def parse_models(self, body: dict[str, Any]) -> list[ModelInfo]: ...


def get_wire(provider: str) -> Wire:
    from crewmux.agents.llm import anthropic_wire, ollama_wire, openai_wire

    wires: dict[str, Wire] = {
        "ollama": ollama_wire.OllamaWire(),
        "openai": openai_wire.OpenAIWire(),
        "anthropic": anthropic_wire.AnthropicWire(),
        "local": openai_wire.LocalWire(),
    }
    try:
        return wires[provider]
    except KeyError:
        raise ValueError(f"unknown provider {provider!r}: use local, ollama, openai or anthropic") from None


def plain_messages(messages: list[ChatMessage]) -> list[dict[str, str]]:
    return [{"role": m.role, "content": m.content} for m in messages]


def error_text(body: Any) -> str:
    """The message in the usual error bodies: {"error": "..."} or {"error": {"message": ...}}."""
    if isinstance(body, dict):
        err = body.get("error", body.get("detail"))
        if isinstance(err, dict):
            return str(err.get("message") or err.get("type") or err)
        if err:
            return str(err)
        if body.get("message"):
            return str(body["message"])
    if isinstance(body, str):
        return body.strip()[:300]
    return str(body)[:300]
