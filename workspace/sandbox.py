"""Run generated code: bubblewrap where it works, loud warnings where it does not.

Every validator, test and build QA runs goes through `Sandbox.run`. In bubblewrap mode
the program sees no network, a read-only system, no home directory, no keys, and can
write only the worktree (plus a private /tmp). In unsandboxed mode only the limits, the
timeout, the clean environment and the process-group kill apply; docs/security.md says
exactly what that does and does not stop.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from crewmux.config import SandboxConfig
from crewmux.workspace.sandbox_bwrap import SANDBOX_HOME, SystemView, bwrap_argv, system_view
from crewmux.workspace.sandbox_cgroup import CgroupJail
from crewmux.workspace.sandbox_exec import run_process
from crewmux.workspace.sandbox_limits import MB, Limits, prlimit_argv
from crewmux.workspace.sandbox_probe import probe_bwrap
from crewmux.workspace.sandbox_result import SandboxResult, classify

__all__ = ["Limits", "Sandbox", "SandboxResult", "SandboxUnavailable"]

SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# A stream that keeps going past this many times its cap is stopped ("output_limit").
FLOOD_FACTOR = 64
AUTO = "auto"


class SandboxUnavailable(RuntimeError):
    """Raised by `Sandbox.run` when the config requires bubblewrap and it does not work."""


def clean_env(home: str, tmp: str) -> dict[str, str]:
    """The whole environment of generated code: nothing inherited from the user."""
    return {
        "PATH": SAFE_PATH,
        "HOME": home,
        "TMPDIR": tmp,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "XDG_CACHE_HOME": f"{home}/.cache",
        "GOCACHE": f"{home}/.cache/go-build",
        "GOPATH": f"{home}/go",
        "GOFLAGS": "-modcacherw",
        "GOTOOLCHAIN": "local",
        "npm_config_cache": f"{home}/.npm",
        "PYTHONDONTWRITEBYTECODE": "1",
        "NO_COLOR": "1",
    }


def count_user_tasks(uid: int) -> int:
    """Tasks (threads included) the user runs now: RLIMIT_NPROC counts all of them."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid != uid:
                continue
            for line in Path(entry.path, "status").read_text().splitlines():
                if line.startswith("Threads:"):
                    total += int(line.split()[1])
                    break
        except (OSError, ValueError):
            continue
    return total


class Sandbox:
    """Probes bubblewrap once; `run` is thread-safe and keeps no state between runs."""

    def __init__(
        self,
        require: bool = False,
        limits: Limits | None = None,
        *,
        bwrap_path: str | None = AUTO,
        force_unsandboxed: bool = False,
        use_cgroups: bool = True,
    ) -> None:
        self.require = require
        self.limits = limits or Limits()
        self.use_cgroups = use_cgroups
        self.view: SystemView = system_view()
        self.prlimit = shutil.which("prlimit")
        bwrap = shutil.which("bwrap") if bwrap_path == AUTO else bwrap_path
        if force_unsandboxed:
            self.bwrap_ok, self.bwrap_reason = False, "the sandbox was switched off (force_unsandboxed)"
        else:
            self.bwrap_ok, self.bwrap_reason = probe_bwrap(bwrap, self.view)
        self.bwrap = bwrap if self.bwrap_ok else None
        self.mode = "bubblewrap" if self.bwrap_ok else "unsandboxed"

    @classmethod
    def from_config(cls, config: SandboxConfig) -> Sandbox:
        return cls(require=config.require, limits=Limits(memory_mb=config.memory_mb))

    def describe(self) -> str:
        if self.bwrap_ok:
            return "sandbox: bubblewrap (no network, read-only system, only the worktree writable)"
        return (f"WARNING: generated code runs UNSANDBOXED: {self.bwrap_reason} "
                "— install bubblewrap / enable user namespaces")

    def run(
        self,
        argv: list[str],
        cwd: Path,
        *,
        timeout: float = 120.0,
        env: dict[str, str] | None = None,
        writable: Sequence[Path] | None = None,
        readable: Sequence[Path] | None = None,
        network: bool = False,
        stdin: bytes | None = None,
        limits: Limits | None = None,
    ) -> SandboxResult:
        if not self.bwrap_ok and self.require:
            raise SandboxUnavailable(
                self.describe() + " (sandbox.require is set in crewmux.toml, so nothing is run)")
        if not argv:
            raise ValueError("Sandbox.run needs a command")
        if not self.prlimit:
            raise SandboxUnavailable("prlimit (util-linux) is not installed: apt-get install util-linux")
        limits = limits or self.limits
        cwd = Path(cwd).resolve()
        if not cwd.is_dir():
            raise ValueError(f"Sandbox.run: the working directory {cwd} does not exist")
        jail = (CgroupJail.create(max_tasks=limits.processes, memory_bytes=limits.memory_mb * MB)
                if self.use_cgroups else None)
        private_tmp: str | None = None
        try:
            if self.bwrap:
                home, tmp = SANDBOX_HOME, "/tmp"
                full_env = {**clean_env(home, tmp), **(env or {})}
                command = [
                    *bwrap_argv(self.bwrap, self.view, cwd=cwd, env=full_env,
                                writable=[Path(p).resolve() for p in writable or ()],
                                readable=[Path(p).resolve() for p in readable or ()],
                                network=network, tmp_bytes=limits.tmp_mb * MB),
                    *prlimit_argv(self.prlimit, limits),
                    *argv,
                ]
                popen_env: dict[str, str] = {}
            else:
                private_tmp = tempfile.mkdtemp(prefix="crewmux-sandbox-")
                home = os.path.join(private_tmp, "home")
                os.mkdir(home)
                full_env = {**clean_env(home, private_tmp), **(env or {})}
                nproc = limits.processes + count_user_tasks(os.getuid())
                command = [*prlimit_argv(self.prlimit, limits, processes=nproc), *argv]
                popen_env = full_env
            if jail:
                command = [*jail.wrapper_argv(), *command]
            outcome = run_process(
                command,
                cwd=cwd,
                env=popen_env,
                stdin=stdin,
                timeout=timeout,
                output_bytes=limits.output_bytes,
                flood_bytes=limits.output_bytes * FLOOD_FACTOR,
                kill_rest=jail.kill_all if jail else None,
            )
            oom = jail.oom_killed() if jail else False
        finally:
            if jail:
                jail.remove()
            if private_tmp:
                shutil.rmtree(private_tmp, ignore_errors=True)
        stderr = outcome.stderr.text()
        exit_code, stopped = classify(
            outcome.returncode, bwrap=bool(self.bwrap), timed_out=outcome.timed_out,
            output_limited=outcome.output_limited, oom_killed=oom, stderr_tail=stderr,
        )
        return SandboxResult(
            exit_code=exit_code,
            stdout=outcome.stdout.text(),
            stderr=stderr,
            duration=outcome.duration,
            stopped=stopped,
            truncated=outcome.stdout.truncated or outcome.stderr.truncated,
            sandboxed=bool(self.bwrap),
        )
