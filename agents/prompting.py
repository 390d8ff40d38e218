"""Prompts (files in ``prompts/`` beside the roles) and one LLM exchange as an agent does it.

Every exchange carries who asks (run, role, agent, task, attempt) for the X-Crewmux-*
headers, streams its tokens into the agent's readable log, and ends with an ``llm`` event
holding tokens and tokens/s.
"""

from __future__ import annotations

import os
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel

from crewmux.agents.llm.errors import LLMCancelled
from crewmux.agents.llm.prompt_template import fill_file
from crewmux.agents.llm.retry import RetryPolicy
from crewmux.agents.llm.types import ChatMessage, ChatRequest, ChatResult, ChunkCallback, RequestMeta
from crewmux.agents.loop import AgentStopped
from crewmux.config import ModelConfig, model_endpoints
from crewmux.protocol.run_secrets import SECRETS_FILE, RunSecrets

if TYPE_CHECKING:
    from crewmux.agents.loop import Agent
    from crewmux.agents.llm.client import LLMClient

PROMPTS = Path(__file__).with_name("prompts")
# A run's own model server, killed, is down for a few seconds while the supervisor brings
# it back, and a stream it was sending is cut: 16 tries (about 1-2 minutes of backoff in
# all) outlast several restarts in a row; a server that stays down fails the run anyway.
OWN_SERVER_TRIES = 16
T = TypeVar("T", bound=BaseModel)


def prompt(name: str, **values: object) -> str:
    """``prompts/<name>.md`` with its ``$names`` filled in: every one, and nothing else
    (PromptError otherwise; code braces stay as they are)."""
    return fill_file(PROMPTS / f"{name}.md", **values)


class Talker:
    """One agent's way to ask models: a client per model, reused across requests."""

    def __init__(self, agent: "Agent", role: str) -> None:
        self.agent = agent
        self.role = role
        self._clients: dict[str, LLMClient] = {}

    def _client(self, model: ModelConfig) -> LLMClient:
        key = model.model_dump_json()
        if key not in self._clients:
            # Imported here: httpx costs ~70 ms, and an agent heartbeats before it needs it.
            from crewmux.agents.llm.client import LLMClient

            # Keys come from the run's secrets.json (0600), never from argv or tmux -e.
            secrets = RunSecrets.load(self.agent.run.path / SECRETS_FILE)
            environ = secrets.environ(os.environ)
            own_key = secrets.key_for(model_endpoints(model, environ))
            retry = None
            if own_key:
                # The run's own server: the supervisor restarts it within seconds if it dies.
                retry = RetryPolicy(max_attempts=OWN_SERVER_TRIES, max_connect_attempts=OWN_SERVER_TRIES)
                if not model.api_key:
                    model = model.model_copy(update={"api_key": own_key})
            self._clients[key] = LLMClient(model, log_path=self.agent.run.llm_log(self.agent.name), environ=environ, retry=retry)
        return self._clients[key]

    def warm(self, model: ModelConfig) -> None:
        """Make the model's client now, at start-up, not inside the first task's time."""
        self._client(model)

    def _request(self, messages: list[ChatMessage], model: ModelConfig, task: str, attempt: int) -> ChatRequest:
        meta = RequestMeta(run=self.agent.run_id, role=self.role, agent=self.agent.name, task=task, attempt=attempt)
        return ChatRequest(messages=messages, temperature=model.temperature, think=model.think,
                           num_ctx=model.num_ctx, max_tokens=model.max_tokens, meta=meta)

    def _on_chunk(self, kind: str, text: str) -> None:
        if kind == "content":
            self.agent.console.stream(text)

    def _counted(self, piece: Callable[[], None], quiet: bool) -> ChunkCallback:
        """The chunk callback that also counts pieces for the heartbeat (live progress)."""
        def on_chunk(kind: str, text: str) -> None:
            piece()
            if not quiet:
                self._on_chunk(kind, text)
        return on_chunk

    def _record(self, result: ChatResult, task: str, attempt: int, rung: str = "") -> None:
        stats = result.stats
        tokens = stats.prompt_tokens + stats.completion_tokens
        self.agent.console.line(
            f"   [{stats.completion_tokens} tokens out, {stats.prompt_tokens} in, {stats.tokens_per_second:.1f} tok/s, {stats.total_seconds:.1f} s]"
        )
        self.agent.events.emit(
            "llm", status=self.agent.status, task_id=task or None, attempt=attempt or None, tokens=tokens,
            tps=round(stats.tokens_per_second, 2),
            data={"role": self.role, "model": stats.model, "prompt_tokens": stats.prompt_tokens, "completion_tokens": stats.completion_tokens,
                  "seconds": round(stats.total_seconds, 3), "endpoint": stats.endpoint, **({"rung": rung} if rung else {}),
                  **({"cost": round(stats.cost, 6)} if stats.cost else {})},  # dollars, for priced models
        )

    def chat(self, messages: list[ChatMessage], model: ModelConfig, *, task: str = "", attempt: int = 0, rung: str = "",
             quiet: bool = False) -> ChatResult:
        """One exchange; ``quiet`` does not stream into the log (replies asked for side by side)."""
        request, client = self._request(messages, model, task, attempt), self._client(model)
        try:
            with self.agent.live.track() as piece:
                # A pause cancels the stream at once; the request is made again on resume.
                result = self.agent.interruptible(lambda cancel: client.chat(request, on_chunk=self._counted(piece, quiet), cancel=cancel))
        except LLMCancelled:
            raise AgentStopped() from None
        self._record(result, task, attempt, rung)
        return result

    def structured(self, messages: list[ChatMessage], schema: type[T], model: ModelConfig, *, task: str = "", attempt: int = 0) -> tuple[T, ChatResult]:
        request, client = self._request(messages, model, task, attempt), self._client(model)
        try:
            with self.agent.live.track() as piece:
                instance, result = self.agent.interruptible(
                    lambda cancel: client.chat_structured(request, schema, on_chunk=self._counted(piece, False), cancel=cancel))
        except LLMCancelled:
            raise AgentStopped() from None
        self._record(result, task, attempt)
        return instance, result
