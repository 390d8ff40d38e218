"""What an agent's model requests are doing right now, for its heartbeats: waiting for
the first token (on a CPU engine that is often the queue behind another agent) or writing,
with tokens so far and the live speed. A 1.5B model at 6 tokens/s takes minutes per reply;
this is what makes that wait watchable in the dashboard."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass
class _Request:
    started: float
    first: float | None = None
    pieces: int = 0


class LiveRequests:
    """The agent's requests in flight (candidates side by side are several at once)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._requests: dict[int, _Request] = {}
        self._ids = itertools.count()

    @contextmanager
    def track(self) -> Iterator[Callable[[], None]]:
        """Around one request; call what it yields for every streamed piece."""
        ident = next(self._ids)
        with self._lock:
            self._requests[ident] = _Request(self._clock())

        def piece() -> None:
            with self._lock:
                request = self._requests.get(ident)
                if request is not None:
                    if request.first is None:
                        request.first = self._clock()
                    request.pieces += 1

        try:
            yield piece
        finally:
            with self._lock:
                self._requests.pop(ident, None)

    def snapshot(self) -> dict[str, Any] | None:
        """None when nothing is in flight; else the phase, seconds in it, tokens, tokens/s."""
        now = self._clock()
        with self._lock:
            requests = list(self._requests.values())
        if not requests:
            return None
        writing = [r for r in requests if r.first is not None]
        if not writing:
            return {"phase": "waiting", "seconds": round(now - min(r.started for r in requests), 1), "tokens": 0, "requests": len(requests)}
        pieces = sum(r.pieces for r in writing)
        since = min(r.first for r in writing if r.first is not None)
        elapsed = now - since
        return {"phase": "writing", "seconds": round(elapsed, 1), "tokens": pieces,
                "tps": round(pieces / elapsed, 1) if elapsed > 0.5 else None, "requests": len(requests)}
