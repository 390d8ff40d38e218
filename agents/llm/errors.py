"""What can go wrong talking to a model server, as data the retry logic can decide on."""

from __future__ import annotations

import html
import re
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

    def __init__(self, message: str, *, endpoint: str = "") -> None:
        super().__init__(message, retryable=False, endpoint=endpoint, kind="cancelled")


class StructuredReplyError(LLMError):
    """The reply was still not valid against the schema after the repair round."""

    def __init__(self, message: str, *, reply: str = "", endpoint: str = "") -> None:
        super().__init__(message, retryable=False, endpoint=endpoint, kind="structured")
        self.reply = reply


DETAIL_LIMIT = 200  # characters of a server's own words kept in a message
_TAG = re.compile(r"<[^>]*(>|$)")  # a tag, or one cut by the end of the text
_DROPPED = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:200].lower()
    return head.startswith(("<!doctype", "<html", "<head", "<body")) or bool(re.search(r"<(html|body|title|h1|p)\b", head))


def one_line(text: str, limit: int = DETAIL_LIMIT) -> str:
    """Whitespace collapsed; cut at a word with an ellipsis, never mid-word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + " …"


def clean_detail(raw: str, limit: int = DETAIL_LIMIT) -> str:
    """What a server answered, in one clean line: an HTML page becomes its title or
    heading (or its text without tags), said to be a web page, not the API's own error."""
    if not looks_like_html(raw):
        return one_line(raw, limit)
    title = _TITLE.search(raw)
    heading = " ".join(html.unescape(_TAG.sub(" ", title.group(1))).split()) if title else ""
    text = " ".join(html.unescape(_TAG.sub(" ", _DROPPED.sub(" ", raw))).split())
    if heading and not text.startswith(heading):
        text = f"{heading}: {text}" if text else heading
    return f"a web page, not an API reply: {one_line(text, limit)}" if text else "a web page, not an API reply"


_AN_API = {"ollama": "an Ollama API", "openai": "an OpenAI-compatible API", "anthropic": "the Anthropic API",
           "local": "crewmux's embedded engine"}

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
    # The hint says how to start or find the server: right when nothing answered, wrong
    # once a server did (e.g. `ollama serve` for an HTTP 500 from some other server).
    advice = hint if fault.kind in ("connect", "connect_timeout") else f"check that {url} is {_AN_API.get(provider, provider)} and see its log"
    detail_lower = fault.detail.lower()
    web_page = fault.detail.startswith("a web page")
    if fault.status in (401, 403):
        advice = "check the API key (OPENAI_API_KEY / ANTHROPIC_API_KEY, or api_key in crewmux.toml)"
    elif fault.status == 404 and web_page:
        advice = f"check the base URL {url}: it is a web server, not {_AN_API.get(provider, provider)}"
    elif fault.status == 404 and provider == "ollama" and "not found" in detail_lower:
        advice = f"run `ollama pull {model}` or pick a model from `crewmux models`"
    elif fault.status == 404:
        advice = f"check the model name ({model}) and the base URL"
    elif fault.kind in ("http_5xx", "http_429") and not web_page:
        advice = f"the server answered, so it is running: its own log says why ({url})"
    elif fault.kind == "first_token_timeout":
        advice = "the model may still be loading or the machine is overloaded; raise timeout_first_token in crewmux.toml or use a smaller model"
    elif fault.kind == "total_timeout":
        advice = "raise timeout_total or lower max_tokens in crewmux.toml"
    elif fault.kind == "garbage":
        advice = f"is {url} really {_AN_API.get(provider, provider)} (not a web page or a proxy)?" + ("" if "a web page" in fault.detail else f" {hint}")
    detail = one_line(fault.detail, DETAIL_LIMIT + 40).rstrip(".")
    end = " " if detail.endswith("…") else ". "
    return f"{provider} server {url} (model {model}) {_WHAT[fault.kind]}{status}{after}: {detail}{end}{advice}"
