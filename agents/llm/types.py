"""The one interface every provider implements: a chat request in, text and stats out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal


@dataclass
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass
class RequestMeta:
    """Who asks: sent as the X-Crewmux-* headers and recorded in llm/<agent>.jsonl."""

    run: str = ""
    role: str = ""
    agent: str = ""
    task: str = ""
    attempt: int = 0

    def headers(self) -> dict[str, str]:
        return {
            "X-Crewmux-Run": self.run,
            "X-Crewmux-Role": self.role,
            "X-Crewmux-Agent": self.agent,
            "X-Crewmux-Task": self.task,
            "X-Crewmux-Attempt": str(self.attempt),
        }


@dataclass
class ChatRequest:
    messages: list[ChatMessage]
    schema: dict[str, Any] | None = None  # JSON Schema for a structured reply
    think: bool | None = None
    temperature: float | None = None
    seed: int | None = None
    max_tokens: int | None = None
    num_ctx: int | None = None
    meta: RequestMeta = field(default_factory=RequestMeta)
    # How the schema is sent, chosen per endpoint by the client (schema_forms.py); None: the
    # wire's first choice.
    schema_form: str | None = None


@dataclass
class ChatStats:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    ttft: float = 0.0  # seconds to the first content or thinking token
    total_seconds: float = 0.0
    tokens_per_second: float = 0.0  # generation speed, as the server measured it where it says
    prompt_tokens_per_second: float = 0.0
    cost: float = 0.0
    truncated_prompt: bool = False  # the server cut the prompt to its context window
    endpoint: str = ""
    model: str = ""


@dataclass
class ChatResult:
    text: str
    thinking: str = ""
    stats: ChatStats = field(default_factory=ChatStats)
    raw_done: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # e.g. the prompt was cut to the window
    finish_reason: str = ""  # as the server said: stop, length, end_turn, max_tokens...

    @property
    def cut(self) -> bool:
        """The reply stopped at the token limit: its end is missing, it is never whole."""
        return self.finish_reason in CUT_REASONS


CUT_REASONS = ("length", "max_tokens")


# Called for each streamed piece: (kind, text) with kind "content" or "thinking".
ChunkCallback = Callable[[str, str], None]


class LLMError(Exception):
    """A failure the user can act on. The message names the server and what to check."""

    def __init__(
        self, message: str, *, retryable: bool = False, endpoint: str = "", kind: str = "", status: int | None = None
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.endpoint = endpoint
        self.kind = kind  # errors.FaultKind of the last try, "cancelled", "structured" or ""
        self.status = status  # HTTP status of the last try, when there was one
