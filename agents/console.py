"""An agent's readable log: what the pane shows, also kept in ``logs/<agent>.log``.

The agent writes its log file itself (rather than tmux ``pipe-pane``) so headless runs
and restarts keep the same log, and the dashboard can tail it.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import TextIO

from crewmux.protocol.fsutil import disk_full


class Console:
    def __init__(self, log_path: Path, out: TextIO | None = None) -> None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._out = out if out is not None else sys.stdout
        self._lock = threading.Lock()
        self._mid_line = False

    def _write(self, text: str) -> None:
        data = text.encode("utf-8", "replace")
        with self._lock:
            try:
                os.write(self._fd, data)
            except OSError as exc:
                if not disk_full(exc):
                    raise
                text = "(disk full: not in the log file) " + text  # the pane still shows it
            try:
                self._out.write(text)
                self._out.flush()
            except (OSError, ValueError):
                pass  # the pane went away; the log file still has it

    def line(self, text: str) -> None:
        """One timestamped line (ends a streamed run of tokens first)."""
        prefix = "\n" if self._mid_line else ""
        self._mid_line = False
        self._write(f"{prefix}{time.strftime('%H:%M:%S')} {text}\n")

    def stream(self, text: str) -> None:
        """Raw streamed text (LLM tokens), no newline added."""
        if text:
            self._mid_line = not text.endswith("\n")
            self._write(text)

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1
