"""Incremental decoders for the two streaming wire formats: NDJSON (Ollama) and SSE.

Bytes go in as they arrive from the socket, in pieces of any size; whole records come out.
No I/O here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from crewmux.agents.llm.errors import clean_detail


class WireError(Exception):
    """The bytes are not the expected wire format (a proxy's HTML page, binary junk...)."""


def decode_json_object(line: bytes) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise WireError(f"not JSON: {clean_detail(line.decode('utf-8', 'replace'), 80)!r}") from None
    if not isinstance(value, dict):
        raise WireError(f"expected a JSON object, got: {line[:80]!r}")
    return value


class NDJSONDecoder:
    """One JSON object per line; blank lines are ignored."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        self._buffer += data
        if b"\n" not in data:
            return []
        *lines, self._buffer = self._buffer.split(b"\n")
        return [decode_json_object(line) for line in lines if line.strip()]

    def close(self) -> list[dict[str, Any]]:
        """The last line, if the stream ended without a newline after it."""
        rest, self._buffer = self._buffer, b""
        return [decode_json_object(rest)] if rest.strip() else []


@dataclass
class SSEEvent:
    event: str  # "message" when the server named none
    data: str


class SSEDecoder:
    """Server-sent events: `field: value` lines, events separated by a blank line."""

    def __init__(self) -> None:
        self._buffer = b""
        self._event = ""
        self._data: list[str] = []

    def feed(self, data: bytes) -> list[SSEEvent]:
        self._buffer += data
        if b"\n" not in data:
            return []
        *lines, self._buffer = self._buffer.split(b"\n")
        events: list[SSEEvent] = []
        for raw in lines:
            event = self._line(raw)
            if event is not None:
                events.append(event)
        return events

    def close(self) -> list[SSEEvent]:
        """Dispatch an event the stream ended in the middle of (no blank line after it)."""
        events: list[SSEEvent] = []
        if self._buffer.strip():
            event = self._line(self._buffer)
            if event is not None:
                events.append(event)
        self._buffer = b""
        event = self._line(b"")
        return events + ([event] if event is not None else [])

    def _line(self, raw: bytes) -> SSEEvent | None:
        try:
            line = raw.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError:
            raise WireError(f"not UTF-8 text: {raw[:80]!r}") from None
        if not line:
            if not self._data:
                self._event = ""
                return None
            event = SSEEvent(self._event or "message", "\n".join(self._data))
            self._event, self._data = "", []
            return event
        if line.startswith(":"):
            return None  # a comment / keep-alive
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name not in ("id", "retry"):
            raise WireError(f"not a server-sent event line: {line[:80]!r}")
        return None


def sse_json(event: SSEEvent) -> dict[str, Any]:
    """The JSON object in an SSE event's data."""
    return decode_json_object(event.data.encode())
