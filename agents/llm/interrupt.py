"""Ending a blocked HTTP exchange from outside: on the caller's cancel event or a deadline.

A thread blocked reading a socket does not notice an Event; shutting the socket down does
wake it. httpcore's trace hook hands over the connection's stream as soon as it exists
(the client opens one connection per request, so every request passes through it).
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any, Literal

CANCEL_POLL = 0.1  # seconds between looks at the caller's cancel event

Reason = Literal["cancelled", "deadline"]


class Interrupter:
    def __init__(self, cancel: threading.Event | None, deadline: float) -> None:
        self.cancel = cancel
        self.deadline = deadline
        self.reason: Reason | None = None
        self._stream: Any = None
        self._finished = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._watch, name="llm-interrupt", daemon=True)
        self._thread.start()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore trace hook: remember the newest network stream (TCP, then TLS over it)."""
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            with self._lock:
                self._stream = info.get("return_value")
                interrupt_now = self.reason is not None
            if interrupt_now:
                self._shutdown()

    def finish(self) -> None:
        self._finished.set()

    def _watch(self) -> None:
        while not self._finished.is_set():
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                self._fire("deadline")
                return
            if self.cancel is None:
                self._finished.wait(remaining)
            elif self.cancel.wait(min(CANCEL_POLL, remaining)):
                self._fire("cancelled")
                return

    def _fire(self, reason: Reason) -> None:
        if self._finished.is_set():
            return
        with self._lock:
            self.reason = reason
        self._shutdown()

    def _shutdown(self) -> None:
        with self._lock:
            stream = self._stream
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed
