"""A resident sandboxed helper: one long-lived process that answers requests line by line.

Starting a sandboxed process costs tens of milliseconds of CPU (bubblewrap, the cgroup
jail, an interpreter and its imports). A checker run after every reply of every coder
pays that each time, and on a 2-core machine four coders finishing together queue behind
each other. A session pays it once: a request goes in as one line on stdin, the answer
comes back as lines on stdout, ending with a line the caller recognises. The isolation is
the sandbox's own. A request that gets no answer in time, an answer that grows past its
cap, or a helper that dies ends the session (its process group and cgroup killed); the
caller decides what to do next, usually a one-off `Sandbox.run`.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crewmux.workspace.sandbox import Launch

CHUNK = 65536


class SessionEnded(RuntimeError):
    """The helper is gone (or was stopped); the message says why."""


class SessionTimedOut(SessionEnded):
    """The helper did not answer in time (and was stopped)."""


class SandboxSession:
    """One sandboxed helper process. `ask` is thread-safe (one request at a time)."""

    def __init__(self, launch: Launch) -> None:
        self._launch = launch
        self._lock = threading.Lock()
        self._buffer = b""
        self._closed = False
        self.requests = 0
        self.proc = subprocess.Popen(
            launch.command,
            cwd=launch.cwd,
            env=launch.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,  # a crash's traceback is read as the answer's last words
            start_new_session=True,
            close_fds=True,
        )
        for stream in (self.proc.stdin, self.proc.stdout):
            os.set_blocking(stream.fileno(), False)  # type: ignore[union-attr]

    @property
    def alive(self) -> bool:
        return not self._closed and self.proc.poll() is None

    def ask(self, request: str, *, until: Callable[[str], bool], timeout: float, max_bytes: int = 1_000_000) -> list[str]:
        """Send ``request`` (one line) and return the answer's lines, up to and including
        the first line for which ``until`` is true. Raises `SessionEnded` (and ends the
        session) when the helper dies, is silent for ``timeout`` seconds or says more than
        ``max_bytes``."""
        if "\n" in request:
            raise ValueError("a session request is one line")
        with self._lock:
            if self._closed:
                raise SessionEnded("the session was closed")
            self.requests += 1
            deadline = time.monotonic() + timeout
            pending = memoryview((request + "\n").encode())
            lines: list[str] = []
            received = 0
            with selectors.DefaultSelector() as sel:
                sel.register(self.proc.stdout.fileno(), selectors.EVENT_READ, "out")  # type: ignore[union-attr]
                sel.register(self.proc.stdin.fileno(), selectors.EVENT_WRITE, "in")  # type: ignore[union-attr]
                while True:
                    # Lines already buffered first: the answer may have arrived with the last chunk.
                    while b"\n" in self._buffer:
                        raw, self._buffer = self._buffer.split(b"\n", 1)
                        line = raw.decode(errors="replace")
                        lines.append(line)
                        if until(line):
                            return lines
                    left = deadline - time.monotonic()
                    if left <= 0:
                        self._end()
                        raise SessionTimedOut(f"no answer within {timeout:g} s")
                    for key, _ in sel.select(timeout=left):
                        if key.data == "in":
                            try:
                                pending = pending[os.write(key.fd, pending):]
                            except BlockingIOError:
                                continue
                            except BrokenPipeError:
                                pending = memoryview(b"")
                            if not pending:
                                sel.unregister(key.fd)
                            continue
                        try:
                            chunk = os.read(key.fd, CHUNK)
                        except BlockingIOError:
                            continue
                        if not chunk:
                            try:
                                self.proc.wait(timeout=1.0)  # its exit code says why
                            except subprocess.TimeoutExpired:
                                pass
                            code = self._end()
                            said = " | ".join([*lines, self._buffer.decode(errors="replace")][-5:]).strip()
                            raise SessionEnded(f"the helper ended (exit code {code})" + (f": {said}" if said else ""))
                        received += len(chunk)
                        if received > max_bytes:
                            self._end()
                            raise SessionEnded(f"the answer ran past {max_bytes} bytes")
                        self._buffer += chunk

    def close(self) -> None:
        with self._lock:
            self._end()

    def _end(self) -> int | None:
        """Kill the helper's process group, reap it, release the launch (which empties and
        removes the cgroup, killing anything that left the group)."""
        if self._closed:
            return self.proc.returncode
        self._closed = True
        exited = self.proc.poll()
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
        self._launch.release()
        return exited

    def __enter__(self) -> SandboxSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
