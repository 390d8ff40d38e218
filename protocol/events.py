"""Per-agent append-only event logs (``events/<agent>.jsonl``) and a follower for them.

Agents write what they do here (status, task, attempt, tokens, tokens/s, messages sent);
the dashboard, the tmux runtime's liveness check and the report read it. Agent status
comes only from these events, never from pane text.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crewmux.protocol.fsutil import disk_full

AgentStatus = Literal["starting", "idle", "thinking", "writing", "validating", "waiting", "paused", "stuck", "dead", "stopped"]

EventKind = Literal[
    "started",  # the process is up
    "heartbeat",  # still alive (every few seconds, and at once on start)
    "status",  # status changed
    "llm",  # one LLM exchange finished: tokens, tokens/s, seconds
    "message",  # this agent sent a message (id, type, recipient, summary)
    "received",  # this agent took a message from its mailbox
    "rejected",  # a file in this agent's mailbox was moved to failed/
    "steer",  # a human note was received and will go into the next prompt
    "verdict",  # QA's verdict on one attempt
    "merge",  # the coordinator merged, reverted or failed to merge
    "error",  # something went wrong
    "restart",  # the runtime restarted this agent
    "stopped",  # the process is ending
    "run",  # run-level milestones (coordinator): planned, finished, verdict
]
RUNTIME_EVENT_KINDS = frozenset({"restart"})  # written into an agent's log by the supervisor, not by the agent
AGENT_EVENT_KINDS = frozenset(get_args(EventKind)) - RUNTIME_EVENT_KINDS  # the signs of life an agent gives itself


class Event(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ts: float = Field(default_factory=time.time)
    agent: str
    kind: EventKind
    status: AgentStatus | None = None
    task_id: str | None = None
    attempt: int | None = None
    tokens: int | None = None
    tps: float | None = None
    text: str = ""
    data: dict[str, Any] = Field(default_factory=dict)


class EventLog:
    """The writing side: one agent appends to its own file, from any of its threads."""

    def __init__(self, path: Path, agent: str) -> None:
        self.path = path
        self.agent = agent
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._lock = threading.Lock()
        self.dropped = 0  # events not written because the disk was full

    def emit(self, kind: EventKind, **fields: Any) -> Event:
        event = Event(agent=self.agent, kind=kind, **fields)
        data = (event.model_dump_json(exclude_defaults=True) + "\n").encode()
        with self._lock:
            try:
                os.write(self._fd, data)
            except OSError as exc:
                # A full disk must not stop the agent: the log is a live view, and readers
                # skip a line cut short. Whatever else the agent writes says so.
                if not disk_full(exc):
                    raise
                self.dropped += 1
        return event

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


@dataclass
class EventFollower:
    """Reads an event log as it grows. Keeps a partial last line for the next read.

    Bad lines (a crash mid-write, a hand edit) are counted and skipped, never raised.
    """

    path: Path
    offset: int = 0
    bad_lines: int = 0
    _partial: bytes = field(default=b"", repr=False)

    def read_new(self, max_bytes: int | None = 4_000_000) -> list[Event]:
        """Complete events appended since the last call (``max_bytes=None``: all of them)."""
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self.offset)
                chunk = handle.read() if max_bytes is None else handle.read(max_bytes)
        except FileNotFoundError:
            return []
        if not chunk:
            return []
        self.offset += len(chunk)
        data = self._partial + chunk
        lines = data.split(b"\n")
        self._partial = lines.pop()
        events = []
        for line in lines:
            if not line.strip():
                continue
            try:
                events.append(Event.model_validate_json(line))
            except ValidationError:
                self.bad_lines += 1
        return events


def read_events(path: Path) -> list[Event]:
    """Every complete event in a log (for reports and tests)."""
    return EventFollower(path).read_new(max_bytes=None)


def last_event(path: Path, kinds: set[str] | None = None, tail_bytes: int = 65536) -> Event | None:
    """The newest event (of the given kinds) without reading the whole log."""
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - tail_bytes))
            lines = handle.read().split(b"\n")
    except FileNotFoundError:
        return None
    for line in reversed(lines):
        if not line.strip():
            continue
        try:
            event = Event.model_validate(json.loads(line))
        except (ValueError, ValidationError):
            continue
        if kinds is None or event.kind in kinds:
            return event
    return None
