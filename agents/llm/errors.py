"""What can go wrong talking to a model server, as data the retry logic can decide on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from crewmux.agents.llm.types import LLMError

FaultKind = Literal[
    "connect",  # connection refused / unreachable / DNS
    "connect_timeout",
    "first_token_timeout",  # connected, but no reply (or no next chunk) within timeout_first_token
    "total_timeout",  # the whole exchange took longer than timeout_total
    "http_429",
    "http_5xx",
    "http_4xx",
    "stream_cut",  # the connection ended before the reply's end marker
    "stream_error",  # the server reported an error inside a 200 stream
    "garbage",  # bytes that are not the wire format
]


@dataclass
class Fault(Exception):
    """One failed try against one endpoint (internal; the caller sees an LLMError)."""

    kind: FaultKind
    detail: str
    retry_after: float | None = None
    status: int | None = None

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


class LLMCancelled(LLMError):
    """The caller's cancel event was set; no retry."""


class StructuredReplyError(LLMError):
    """The reply was still not valid against the schema after the repair round."""

    def __init__(self, message: str, *, reply: str = "", endpoint: str = "") -> None:
        super().__init__(message, retryable=False, endpoint=endpoint)
        self.reply = reply


_WHAT = {
    "connect": "cannot connect",
    "connect_timeout": "did not accept the connection in time",
    "first_token_timeout": "sent nothing within the first-token timeout",
    "total_timeout": "did not finish within the total timeout",
    "http_429": "is rate-limiting requests (HTTP 429)",
    "http_5xx": "failed with a server error",
    "http_4xx": "refused the request",
    "stream_cut": "closed the connection before the reply was complete",
    "stream_error": "reported an error in the middle of the reply",
    "garbage": "sent something that is not its API's format",
}


def describe_failure(provider: str, url: str, model: str, fault: Fault, tries: int, hint: str) -> str:
    """One sentence the user can act on: which server, what happened, what to check."""
    status = f" {fault.status}" if fault.status and fault.kind in ("http_4xx", "http_5xx") else ""
    after = f" (after {tries} tries)" if tries > 1 else ""
    advice = hint
    detail_lower = fault.detail.lower()
    if fault.status in (401, 403):
        advice = "check the API key (OPENAI_API_KEY / ANTHROPIC_API_KEY, or api_key in crewmux.toml)"
    elif fault.status == 404 and provider == "ollama" and "not found" in detail_lower:
        advice = f"run `ollama pull {model}` or pick a model from `crewmux models`"
    elif fault.status == 404:
        advice = f"check the model name ({model}) and the base URL"
    elif fault.kind == "first_token_timeout":
        advice = "the model may still be loading or the machine is overloaded; raise timeout_first_token in crewmux.toml or use a smaller model"
    elif fault.kind == "total_timeout":
        advice = "raise timeout_total or lower max_tokens in crewmux.toml"
    elif fault.kind == "garbage":
        advice = f"is {url} really a {provider} API (not a web page or a proxy)? {hint}"
    return f"{provider} server {url} (model {model}) {_WHAT[fault.kind]}{status}{after}: {fault.detail}. {advice}"
