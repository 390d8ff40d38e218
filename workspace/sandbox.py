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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from crewmux.workspace.sandbox_bwrap import SANDBOX_HOME, SystemView, bwrap_argv, system_view
from crewmux.workspace.sandbox_cgroup import CgroupJail
from crewmux.workspace.sandbox_exec import run_process
from crewmux.workspace.sandbox_limits import MB, Limits, prlimit_argv
from crewmux.workspace.sandbox_probe import probe_bwrap
from crewmux.workspace.sandbox_result import SandboxResult, classify
from crewmux.workspace.sandbox_session import SandboxSession

if TYPE_CHECKING:  # the sandbox itself needs only the standard library
    from crewmux.config import SandboxConfig

__all__ = ["Limits", "Sandbox", "SandboxResult", "SandboxSession", "SandboxUnavailable"]

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


def writable_refusal(path: Path, home: Path | None = None) -> str | None:
    """Why ``path`` must never be the writable place of generated code, or None."""
    home = (home or Path.home()).resolve()
    if path == Path("/"):
        return "it is the root directory"
    if home == path or home.is_relative_to(path):
        return "it contains your home directory; use the project's worktree"
    return None


def git_metadata(worktree: Path) -> list[Path]:
    """The worktree's ``.git`` (a directory, or a git worktree's ``gitdir:`` file). A
    symlinked ``.git`` points outside the worktree, which is not writable anyway."""
    dot_git = worktree / ".git"
    return [dot_git] if dot_git.exists() and not dot_git.is_symlink() else []


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


@dataclass
class Launch:
    """A sandboxed process about to start: its command line, environment and working
    directory, and what must be cleaned up once it has ended (cgroup jail, private /tmp)."""

    command: list[str]
    env: dict[str, str]
    cwd: Path
    jail: CgroupJail | None
    private_tmp: str | None

    def release(self) -> None:
        if self.jail:
            self.jail.remove()
        if self.private_tmp:
            shutil.rmtree(self.private_tmp, ignore_errors=True)


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
        default_timeout: float = 120.0,
    ) -> None:
        self.require = require
        self.default_timeout = default_timeout
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
        return cls(require=config.require, limits=Limits(memory_mb=config.memory_mb),
                   default_timeout=config.timeout)

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
        timeout: float | None = None,
        env: dict[str, str] | None = None,
        writable: Sequence[Path] | None = None,
        readable: Sequence[Path] | None = None,
        network: bool = False,
        stdin: bytes | None = None,
        limits: Limits | None = None,
    ) -> SandboxResult:
        """Run ``argv`` in ``cwd`` (the worktree). ``timeout`` defaults to the config's
        ``sandbox.timeout``; ``env`` is added to the clean environment, never the caller's."""
        limits = limits or self.limits
        launch = self._launch(argv, cwd, limits, env, writable, readable, network, cwd_writable=True)
        try:
            outcome = run_process(
                launch.command,
                cwd=launch.cwd,
                env=launch.env,
                stdin=stdin,
                timeout=self.default_timeout if timeout is None else timeout,
                output_bytes=limits.output_bytes,
                flood_bytes=limits.output_bytes * FLOOD_FACTOR,
                kill_rest=launch.jail.kill_all if launch.jail else None,
            )
            oom = launch.jail.oom_killed() if launch.jail else False
        finally:
            launch.release()
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

    def start(
        self,
        argv: list[str],
        cwd: Path,
        *,
        env: dict[str, str] | None = None,
        readable: Sequence[Path] | None = None,
        limits: Limits | None = None,
        nice: int = 0,
    ) -> SandboxSession:
        """Start ``argv`` as a resident helper that answers requests line by line (see
        `SandboxSession`). Same isolation as `run`, but ``cwd`` is mounted read-only and
        nothing is writable but the private /tmp: a helper reads code, it never builds it.
        ``nice``: a helper started ahead of need yields the CPU to work being done now."""
        launch = self._launch(argv, cwd, limits or self.limits, env, (), readable, False, cwd_writable=False)
        nice_path = shutil.which("nice") if nice else None
        if nice_path:
            launch.command = [nice_path, "-n", str(nice), *launch.command]
        try:
            return SandboxSession(launch)
        except BaseException:
            launch.release()
            raise

    def _launch(
        self, argv: list[str], cwd: Path, limits: Limits, env: dict[str, str] | None,
        writable: Sequence[Path] | None, readable: Sequence[Path] | None, network: bool, *, cwd_writable: bool,
    ) -> Launch:
        """Everything a sandboxed process needs before it starts; the caller releases it."""
        if not self.bwrap_ok and self.require:
            raise SandboxUnavailable(
                self.describe() + " (sandbox.require is set in crewmux.toml, so nothing is run)")
        if not argv:
            raise ValueError("Sandbox.run needs a command")
        if not self.prlimit:
            raise SandboxUnavailable("prlimit (util-linux) is not installed: apt-get install util-linux")
        cwd = Path(cwd).resolve()
        if not cwd.is_dir():
            raise ValueError(f"Sandbox.run: the working directory {cwd} does not exist")
        for place in [cwd, *(Path(p).resolve() for p in writable or ())]:
            refused = writable_refusal(place)
            if refused:
                raise ValueError(f"Sandbox.run: refusing to make {place} writable: {refused}")
        jail = (CgroupJail.create(max_tasks=limits.processes, memory_bytes=limits.memory_mb * MB)
                if self.use_cgroups else None)
        private_tmp = None if self.bwrap else tempfile.mkdtemp(prefix="crewmux-sandbox-")
        launch = Launch([], {}, cwd, jail, private_tmp)
        try:
            if private_tmp:
                launch.command, launch.env = self._unsandboxed_command(argv, limits, env, private_tmp)
            else:
                launch.command, launch.env = self._bwrap_command(
                    argv, cwd, limits, env, writable, readable, network, cwd_writable=cwd_writable)
        except BaseException:
            launch.release()
            raise
        if jail:
            launch.command = [*jail.wrapper_argv(), *launch.command]
        return launch

    def _bwrap_command(
        self, argv: list[str], cwd: Path, limits: Limits, env: dict[str, str] | None,
        writable: Sequence[Path] | None, readable: Sequence[Path] | None, network: bool, *, cwd_writable: bool = True,
    ) -> tuple[list[str], dict[str, str]]:
        """The command line; bwrap itself gets an empty environment (it sets the program's)."""
        assert self.bwrap and self.prlimit
        full_env = {**clean_env(SANDBOX_HOME, "/tmp"), **(env or {})}
        prefix = bwrap_argv(
            self.bwrap, self.view, cwd=cwd, env=full_env,
            writable=[Path(p).resolve() for p in writable or ()],
            readable=[Path(p).resolve() for p in readable or ()],
            network=network, tmp_bytes=limits.tmp_mb * MB, protect=git_metadata(cwd) if cwd_writable else (),
            cwd_writable=cwd_writable,
        )
        return [*prefix, *prlimit_argv(self.prlimit, limits), *argv], {}

    def _unsandboxed_command(
        self, argv: list[str], limits: Limits, env: dict[str, str] | None, private_tmp: str,
    ) -> tuple[list[str], dict[str, str]]:
        """Limits only; HOME and TMPDIR point into a private directory removed afterwards."""
        assert self.prlimit
        home = os.path.join(private_tmp, "home")
        os.mkdir(home)
        full_env = {**clean_env(home, private_tmp), **(env or {})}
        # Outside a user namespace RLIMIT_NPROC counts every process the user has.
        nproc = limits.processes + count_user_tasks(os.getuid())
        return [*prlimit_argv(self.prlimit, limits, processes=nproc), *argv], full_env
