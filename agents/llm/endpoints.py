"""Spreading requests over several endpoints of one model, skipping dead ones. No I/O here."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable


@dataclass
class Endpoint:
    url: str
    in_flight: int = 0
    dead_until: float = 0.0  # clock time before which the endpoint is skipped
    down_count: int = 0  # consecutive connection failures
    last_used: int = 0  # order of choice, to break ties round-robin


class EndpointPool:
    """Choose the live endpoint with the fewest requests in flight.

    An endpoint that refused a connection is skipped for a while (growing with repeated
    failures, up to max_dead); after that, one request goes to it again and its answer
    decides. When every endpoint is dead, the one that comes back soonest is tried anyway,
    so a single-endpoint setup still retries its only server.
    """

    def __init__(
        self,
        urls: list[str],
        *,
        dead_seconds: float = 5.0,
        max_dead: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not urls:
            raise ValueError("an endpoint pool needs at least one URL")
        self.endpoints = [Endpoint(url) for url in urls]
        self.dead_seconds = dead_seconds
        self.max_dead = max_dead
        self._clock = clock
        self._lock = threading.Lock()
        self._turn = 0

    def acquire(self) -> Endpoint:
        with self._lock:
            now = self._clock()
            live = [e for e in self.endpoints if e.dead_until <= now]
            if live:
                chosen = min(live, key=lambda e: (e.in_flight, e.last_used))
            else:
                chosen = min(self.endpoints, key=lambda e: e.dead_until)
            self._turn += 1
            chosen.last_used = self._turn
            chosen.in_flight += 1
            return chosen

    def release(self, endpoint: Endpoint, *, reachable: bool) -> None:
        """``reachable``: the server answered (even with an error) or not (connection failed)."""
        with self._lock:
            endpoint.in_flight -= 1
            if reachable:
                endpoint.down_count = 0
                endpoint.dead_until = 0.0
            else:
                endpoint.down_count += 1
                pause = min(self.dead_seconds * 2 ** (endpoint.down_count - 1), self.max_dead)
                endpoint.dead_until = self._clock() + pause

    def has_live_other(self, endpoint: Endpoint) -> bool:
        with self._lock:
            now = self._clock()
            return any(e is not endpoint and e.dead_until <= now for e in self.endpoints)
