"""Run one process group: feed stdin, read stdout/stderr concurrently with a cap, enforce
a wall-clock timeout, and kill the whole group (TERM, grace, KILL) when it ends.

Everything happens in the calling thread with one selector (no preexec_fn, no helper
threads), so it is safe to call from many threads at once. The process's exit is seen
through a pidfd, so waiting costs nothing.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from crewmux.workspace.sandbox_output import CappedOutput

CHUNK = 65536
# After the main process exits, leftover output is read for at most this long.
DRAIN_SECONDS = 1.0


@dataclass
class ProcessOutcome:
    returncode: int | None
    stdout: CappedOutput
    stderr: CappedOutput
    timed_out: bool
    output_limited: bool
    duration: float


def _killpg(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def run_process(
    argv: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    stdin: bytes | None,
    timeout: float,
    output_bytes: int,
    flood_bytes: int,
    grace: float = 2.0,
    kill_rest: Callable[[], None] | None = None,
) -> ProcessOutcome:
    """``flood_bytes``: a stream that produces more than this is stopped ("output_limit").
    ``kill_rest``: kills processes that may have left the group (e.g. a cgroup)."""
    started = time.monotonic()
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        close_fds=True,
    )
    pgid = proc.pid  # start_new_session: the child leads its own group
    out, err = CappedOutput(output_bytes), CappedOutput(output_bytes)
    sinks = {proc.stdout.fileno(): out, proc.stderr.fileno(): err}  # type: ignore[union-attr]
    sel = selectors.DefaultSelector()
    for fd in sinks:
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ, "out")
    pending = memoryview(stdin or b"")
    if proc.stdin is not None:
        os.set_blocking(proc.stdin.fileno(), False)
        sel.register(proc.stdin.fileno(), selectors.EVENT_WRITE, "in")
    pidfd: int | None = None
    try:
        pidfd = os.pidfd_open(proc.pid)
        sel.register(pidfd, selectors.EVENT_READ, "exit")
    except (AttributeError, OSError):
        pidfd = None  # old kernel: fall back to waking up every 50 ms

    deadline = started + timeout
    timed_out = output_limited = False
    kill_at: float | None = None      # when TERM was sent and KILL is due
    drain_until: float | None = None  # set once the main process has exited
    try:
        while True:
            now = time.monotonic()
            exited = proc.poll() is not None
            if exited and drain_until is None:
                # Whatever the process left behind in its group dies with it.
                _killpg(pgid, signal.SIGKILL)
                if kill_rest:
                    kill_rest()
                drain_until = now + DRAIN_SECONDS
            if not exited and kill_at is None and now >= deadline:
                timed_out = True
            if (timed_out or output_limited) and kill_at is None and not exited:
                _killpg(pgid, signal.SIGTERM)
                kill_at = now + grace
            if kill_at is not None and now >= kill_at and not exited:
                _killpg(pgid, signal.SIGKILL)
                if kill_rest:
                    kill_rest()
                kill_at = now + 3600  # sent; wait for the exit
            reading = [k for k in sel.get_map().values() if k.data == "out"]
            if exited and (not reading or now >= (drain_until or now)):
                break
            wakeups = [t for t in (deadline, kill_at, drain_until) if t is not None and t > now]
            wait = min(wakeups) - now if wakeups else 0.05
            if pidfd is None or exited:
                wait = min(wait, 0.05)
            for key, _ in sel.select(timeout=max(wait, 0.0)):
                if key.data == "exit":
                    sel.unregister(key.fd)
                elif key.data == "in":
                    try:
                        pending = pending[os.write(key.fd, pending[:CHUNK]):]
                    except BlockingIOError:
                        continue
                    except BrokenPipeError:
                        pending = memoryview(b"")  # the program stopped reading: fine
                    if not pending:
                        sel.unregister(key.fd)
                        proc.stdin.close()  # type: ignore[union-attr]
                else:
                    try:
                        chunk = os.read(key.fd, CHUNK)
                    except BlockingIOError:
                        continue
                    if not chunk:
                        sel.unregister(key.fd)
                        continue
                    sink = sinks[key.fd]
                    sink.feed(chunk)
                    if sink.total > flood_bytes and not output_limited:
                        output_limited = True
    finally:
        sel.close()
        if pidfd is not None:
            os.close(pidfd)
        if proc.poll() is None:
            _killpg(pgid, signal.SIGKILL)
        if kill_rest:
            kill_rest()
        proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None and not stream.closed:
                stream.close()
    return ProcessOutcome(
        returncode=proc.returncode,
        stdout=out,
        stderr=err,
        timed_out=timed_out,
        output_limited=output_limited,
        duration=time.monotonic() - started,
    )
