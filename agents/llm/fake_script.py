"""The fake-llm script: ordered reply rules, how a request picks one, and token counting.

Pure logic, no I/O beyond reading the script file. The format is documented in
docs/fake-llm.md; keep the two in step.
"""

from __future__ import annotations

import json
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from crewmux.agents.llm.tokens import estimate_tokens as count_tokens
from crewmux.agents.llm.tokens import split_tokens
from crewmux.protocol.validation import error_lines

Fault = Literal["http_400", "http_500", "http_429", "hang", "midstream_error", "malformed_json", "truncated"]
Api = Literal["ollama", "openai", "anthropic"]

# The one demo: the scripted team `crewmux run` uses when no model server is configured.
DEMO_SCRIPT = Path(__file__).resolve().parent.parent / "demo" / "team.toml"
__all__ = ["DEMO_SCRIPT", "Script", "Rule", "ScriptedReply", "RuleBook", "RequestInfo", "count_tokens", "split_tokens", "load_script", "parse_script"]


class ScriptedReply(BaseModel):
    """What to answer and how: shared by rules and the default."""

    model_config = ConfigDict(extra="forbid")

    reply: str | dict[str, Any] | list[Any] = ""
    thinking: str = ""
    fault: Fault | None = None
    retry_after: float = Field(default=1.0, ge=0, description="Seconds in the Retry-After header of http_429")
    error_message: str = Field(default="", description="Text of the error body of an http_* fault")
    fault_after_tokens: int = Field(default=-1, description="midstream faults: tokens sent before the fault; -1 = half")
    tps: float | None = Field(default=None, ge=0, description="Tokens per second; 0 = as fast as possible")
    ttft: float | None = Field(default=None, ge=0, description="Seconds before the first token")
    quirks: list[Literal["choices_null", "no_usage"]] = Field(default_factory=list)

    def reply_text(self) -> str:
        if isinstance(self.reply, str):
            return self.reply
        return json.dumps(self.reply, indent=2)


class Rule(ScriptedReply):
    """A reply chosen when every given condition holds."""

    role: str | None = None
    agent: str | None = None
    task: str | None = None
    attempt: int | None = None
    model: str | None = None
    api: Api | None = None
    structured: bool | None = Field(default=None, description="Match only requests that do (true) or do not (false) send a schema")
    think: bool | None = Field(default=None, description="Match only requests that do (true) or do not (false) ask for thinking")
    contains: list[str] = Field(default_factory=list, description="Every string must appear in the request's messages")
    excludes: list[str] = Field(default_factory=list, description="No string may appear in the request's messages")
    times: int | None = Field(default=None, ge=1, description="Use this rule at most this many times")

    @field_validator("contains", "excludes", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class Script(BaseModel):
    model_config = ConfigDict(extra="forbid")

    models: list[str] = Field(default_factory=lambda: ["fake-coder:7b", "fake-planner:14b"])
    tps: float = Field(default=50.0, ge=0)
    ttft: float = Field(default=0.05, ge=0)
    strict_models: bool = Field(default=False, description="Answer 404 for a model not in `models`, as Ollama does")
    rules: list[Rule] = Field(default_factory=list)
    default: ScriptedReply | None = None

    @field_validator("default", mode="before")
    @classmethod
    def _default_text(cls, value: Any) -> Any:
        return {"reply": value} if isinstance(value, str) else value


class ScriptError(Exception):
    pass


def load_script(path: Path) -> Script:
    """Read a JSON or TOML script; errors name the file and the bad key."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ScriptError(f"cannot read script {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        kind = "TOML" if path.suffix == ".toml" else "JSON"
        raise ScriptError(f"{path}: not valid {kind}: {exc}") from None
    return parse_script(data, source=str(path))


def parse_script(data: Any, source: str = "script") -> Script:
    try:
        return Script.model_validate(data)
    except ValidationError as exc:
        raise ScriptError(f"{source}: {'; '.join(error_lines(exc, 5))}") from None


@dataclass
class RequestInfo:
    """What a rule can match on, taken from one HTTP request."""

    api: Api
    model: str = ""
    role: str = ""
    agent: str = ""
    task: str = ""
    attempt: int | None = None
    text: str = ""  # every message's content, joined
    structured: bool = False
    think: bool = False  # the request explicitly asks for thinking


@dataclass
class RuleBook:
    """A script plus how often each rule was used. Thread-safe: the server is threaded."""

    script: Script
    uses: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.uses = [0] * len(self.script.rules)

    def choose(self, info: RequestInfo) -> tuple[int | None, ScriptedReply | None]:
        """(rule index, reply): the first matching rule with uses left, else the default.

        The index is None when the default answers; the reply is None when nothing does.
        """
        with self._lock:
            for index, rule in enumerate(self.script.rules):
                if rule.times is not None and self.uses[index] >= rule.times:
                    continue
                if matches(rule, info):
                    self.uses[index] += 1
                    return index, rule
        return None, self.script.default


def matches(rule: Rule, info: RequestInfo) -> bool:
    checks = (
        (rule.role, info.role),
        (rule.agent, info.agent),
        (rule.task, info.task),
        (rule.model, info.model),
        (rule.api, info.api),
    )
    if any(want is not None and want != got for want, got in checks):
        return False
    if rule.attempt is not None and rule.attempt != info.attempt:
        return False
    if rule.structured is not None and rule.structured != info.structured:
        return False
    if rule.think is not None and rule.think != info.think:
        return False
    if any(text not in info.text for text in rule.contains):
        return False
    return not any(text in info.text for text in rule.excludes)
