"""Resource limits for generated code, and the `prlimit` prefix that applies them.

The limits are applied by exec'ing through util-linux `prlimit` inside the sandbox, not by
a ``preexec_fn``: the callers are threaded, and ``preexec_fn`` is unsafe after threads start.
Applying them *inside* the new user namespace matters for RLIMIT_NPROC: there the kernel
counts only the sandbox's own processes, while outside it counts every process the user
runs (a desktop user easily has more than 256).
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024

# The hard CPU limit sits a little above the soft one, so the program first gets SIGXCPU
# (reported as "cpu") and SIGKILL only if it ignores that.
CPU_GRACE_SECONDS = 2


@dataclass(frozen=True)
class Limits:
    """Per-run ceilings. ``memory_mb`` caps each process's data segment (RLIMIT_DATA):
    RLIMIT_AS would also count address-space reservations and breaks Chromium, V8 and Go."""

    cpu_seconds: int = 60
    memory_mb: int = 2048
    file_size_mb: int = 64
    processes: int = 256
    output_bytes: int = 1_000_000
    tmp_mb: int = 512

    def __post_init__(self) -> None:
        for name in ("cpu_seconds", "memory_mb", "file_size_mb", "processes", "output_bytes", "tmp_mb"):
            if getattr(self, name) <= 0:
                raise ValueError(f"Limits.{name} must be positive, got {getattr(self, name)}")


def prlimit_argv(prlimit: str, limits: Limits, *, processes: int | None = None) -> list[str]:
    """The prefix that sets every limit and then execs the command.

    ``processes`` overrides ``limits.processes`` (the unsandboxed mode must add the
    processes the user already has, because there the kernel counts all of them).
    """
    nproc = limits.processes if processes is None else processes
    return [
        prlimit,
        f"--cpu={limits.cpu_seconds}:{limits.cpu_seconds + CPU_GRACE_SECONDS}",
        f"--data={limits.memory_mb * MB}",
        f"--fsize={limits.file_size_mb * MB}",
        f"--nproc={nproc}",
        "--core=0",
        "--",
    ]
