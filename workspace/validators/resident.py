"""The Python checker an agent keeps running beside its worktree.

Run the one-off way, `python.lint` starts a sandbox and an interpreter that imports
pyflakes for every check: about 50 ms of CPU and 75 ms of wall time on an idle 2-core
machine, and four coders finishing at once queue behind each other. An agent's worktree
is one directory for the whole run, so one sandboxed ``pycheck.py --serve`` with the
worktree mounted read-only answers each check in a few milliseconds, with the same
checker and the same isolation.

Anything unexpected (the helper died or went silent, the worktree directory was replaced,
a garbled answer) ends the session, and that check runs the one-off way, which reports
whatever is wrong. docs/decisions.md has the measurements.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from crewmux.workspace.sandbox import Sandbox, SandboxSession, SandboxUnavailable
from crewmux.workspace.sandbox_session import SessionEnded, SessionTimedOut
from crewmux.workspace.validators.base import python_readable, script_argv
from crewmux.workspace.validators.python import PYCHECK

# A session's CPU-time limit counts over all its requests: start a fresh helper now and then.
MAX_REQUESTS = 500
# A helper warmed ahead of need starts at a lower priority: its ~50 ms of start-up CPU
# must not delay the agents preparing their model requests at the same moment (measured:
# the 4th coder's request left 72 ms after the plan instead of ~25 ms).
WARM_NICE = 10


def _is_end(line: str) -> bool:
    return line.startswith('{"kind": "end"')


class ResidentPyCheck:
    """``pycheck.py --serve`` in the sandbox, for one worktree; started on first use."""

    def __init__(self, sandbox: Sandbox, root: Path, timeout: float = 120.0) -> None:
        self.sandbox = sandbox
        self.root = Path(root)
        self.timeout = timeout
        self._session: SandboxSession | None = None
        self._root_id: tuple[int, int] | None = None
        self._lock = threading.Lock()
        self.served = 0  # checks the helper answered (the rest ran the one-off way)

    @property
    def pid(self) -> int | None:
        """The running helper's process id (outside the sandbox), if there is one."""
        session = self._session
        return session.proc.pid if session is not None and session.alive else None

    def warm(self) -> None:
        """Start the helper now, so it has imported pyflakes by the time it is asked.
        A helper that cannot start is not an error here: the check itself will say why."""
        with self._lock:
            try:
                self._ready(nice=WARM_NICE)
            except (OSError, ValueError, SandboxUnavailable):
                pass

    def ask(self, files: list[str], flakes: bool) -> list[str] | None:
        """pycheck's output lines for ``files`` (relative to the root), or None when the
        check must be run the one-off way."""
        request = json.dumps({"files": files, "flakes": flakes})
        with self._lock:
            for _ in range(2):
                try:
                    session, fresh = self._ready()
                    lines = session.ask(request, until=_is_end, timeout=self.timeout)
                except SessionTimedOut:
                    self._close()
                    return None
                except SessionEnded:
                    # A helper that died since its last answer is replaced and asked again;
                    # one that dies on this very request leaves it to the one-off run.
                    self._close()
                    if fresh:
                        return None
                    continue
                except (OSError, ValueError, SandboxUnavailable):
                    self._close()
                    return None
                self.served += 1
                return lines[:-1]
        return None

    def close(self) -> None:
        with self._lock:
            self._close()

    def _ready(self, nice: int = 0) -> tuple[SandboxSession, bool]:
        """The running helper, or a new one; and whether it was started just now."""
        stat = os.stat(self.root)
        root_id = (stat.st_dev, stat.st_ino)
        session = self._session
        if session is not None and session.alive and root_id == self._root_id and session.requests < MAX_REQUESTS:
            return session, False
        # A replaced directory would leave the helper looking at the old, deleted one.
        self._close()
        argv, env = script_argv(PYCHECK, "--serve")
        self._session = self.sandbox.start(argv, self.root, env=env, readable=[*python_readable(), str(PYCHECK.parent)],
                                           nice=nice)
        self._root_id = root_id
        return self._session, True

    def _close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None
