"""What a sandboxed run returns, and the pure decision of why it stopped."""

from __future__ import annotations

import signal
from dataclasses import dataclass

# Messages by which runtimes report a failed allocation under RLIMIT_DATA; a non-zero exit
# with one of them at the end of stderr is reported as stopped="memory".
OUT_OF_MEMORY_MARKERS = (
    "MemoryError",
    "Cannot allocate memory",
    "out of memory",
    "std::bad_alloc",
    "Allocation failed",
    "fatal error: runtime: cannot allocate memory",
)


@dataclass(frozen=True)
class SandboxResult:
    exit_code: int | None  # None when the program was killed by a signal
    stdout: str
    stderr: str
    duration: float
    stopped: str | None    # "timeout", "output_limit", "memory", "cpu", "file_size", "signal:N"
    truncated: bool
    sandboxed: bool

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and self.stopped is None

    def summary(self) -> str:
        """One line for logs and for error reports sent back to a coder."""
        how = f"stopped: {self.stopped}" if self.stopped else f"exit code {self.exit_code}"
        mode = "sandboxed" if self.sandboxed else "UNSANDBOXED"
        cut = ", output truncated" if self.truncated else ""
        return f"{how} after {self.duration:.1f}s ({mode}{cut})"


def classify(
    returncode: int | None,
    *,
    bwrap: bool,
    timed_out: bool,
    output_limited: bool,
    oom_killed: bool,
    stderr_tail: str,
) -> tuple[int | None, str | None]:
    """(exit_code, stopped) from the raw outcome.

    bwrap reports a child killed by signal N as exit status 128+N (as shells do), so in
    that mode 129..192 counts as a signal; a program that itself exits 137 is misread.
    """
    signum: int | None = None
    exit_code = returncode
    if returncode is not None and returncode < 0:
        signum, exit_code = -returncode, None
    elif bwrap and returncode is not None and 128 < returncode <= 128 + 64:
        signum, exit_code = returncode - 128, None
    if timed_out:
        return exit_code, "timeout"
    if output_limited:
        return exit_code, "output_limit"
    if oom_killed:
        return exit_code, "memory"
    if signum == signal.SIGXCPU:
        return exit_code, "cpu"
    if signum == signal.SIGXFSZ:
        return exit_code, "file_size"
    if signum is not None:
        if signum == signal.SIGABRT and _mentions_oom(stderr_tail):
            return exit_code, "memory"
        return exit_code, f"signal:{signum}"
    if exit_code not in (0, None) and _mentions_oom(stderr_tail):
        return exit_code, "memory"
    return exit_code, None


def _mentions_oom(stderr_tail: str) -> bool:
    tail = stderr_tail[-2000:]
    return any(marker in tail for marker in OUT_OF_MEMORY_MARKERS)
