"""Optional cgroup jail around one sandboxed run: a cap on the number of tasks and on
the memory of all processes together, and a way to find and kill every one of them.

Why: the kernel never applies RLIMIT_NPROC to root (a fork bomb run by root, e.g. crewmux
in a container, is not stopped by it), and RLIMIT_DATA is per process. Where the process's
own cgroup can take a child (root, or a delegated cgroup v2 subtree with the controllers
enabled) the run joins a fresh child cgroup; elsewhere this is skipped and only rlimits
apply. The run joins the cgroup from a tiny shell wrapper *before* it execs anything, so
no process of the run is ever outside it.
"""

from __future__ import annotations

import os
import shlex
import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path


PREFIX = "crewmux-sandbox-"


@dataclass(frozen=True)
class _Hierarchy:
    mount: Path
    path: str            # this process's cgroup inside that hierarchy
    controllers: tuple[str, ...]
    v2: bool


def _hierarchies() -> list[_Hierarchy]:
    try:
        own = Path("/proc/self/cgroup").read_text().splitlines()
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return []
    v1_mounts: dict[str, Path] = {}
    v2_mount: Path | None = None
    for line in mounts:
        parts = line.split()
        if len(parts) < 4:
            continue
        if parts[2] == "cgroup2" and v2_mount is None:
            v2_mount = Path(parts[1])
        elif parts[2] == "cgroup":
            for opt in parts[3].split(","):
                if opt in ("pids", "memory"):
                    v1_mounts[opt] = Path(parts[1])
    found: list[_Hierarchy] = []
    for line in own:
        hier, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if hier == "0" and not controllers and v2_mount is not None:
            found.append(_Hierarchy(v2_mount, path, ("pids", "memory"), True))
        for name in controllers.split(","):
            if name in v1_mounts:
                found.append(_Hierarchy(v1_mounts[name], path, (name,), False))
    return found


def _write(path: Path, text: str) -> bool:
    try:
        path.write_text(text)
        return True
    except OSError:
        return False


@dataclass
class CgroupJail:
    dirs: list[Path]
    v2: bool

    @classmethod
    def create(cls, *, max_tasks: int, memory_bytes: int) -> CgroupJail | None:
        """A fresh child cgroup with both limits set, or None where that is not possible."""
        name = f"{PREFIX}{os.getpid()}-{uuid.uuid4().hex[:10]}"
        v1_dirs: list[Path] = []
        for hier in _hierarchies():
            parent = hier.mount / hier.path.lstrip("/")
            _sweep_stale(parent)
            target = parent / name
            try:
                target.mkdir()
            except OSError:
                continue
            if hier.v2:
                if _write(target / "pids.max", str(max_tasks)):
                    _write(target / "memory.max", str(memory_bytes))
                    _write(target / "memory.swap.max", "0")
                    for d in v1_dirs:
                        _rmdir(d)
                    return cls([target], v2=True)
                _rmdir(target)
                continue
            limit_file, value = (
                ("pids.max", str(max_tasks)) if "pids" in hier.controllers
                else ("memory.limit_in_bytes", str(memory_bytes))
            )
            if _write(target / limit_file, value):
                v1_dirs.append(target)
            else:
                _rmdir(target)
        # The jail is only worth it with the task cap (the part rlimits cannot do for root).
        if any((d / "pids.max").exists() for d in v1_dirs):
            return cls(v1_dirs, v2=False)
        for d in v1_dirs:
            _rmdir(d)
        return None

    def wrapper_argv(self) -> list[str]:
        """Prefix that moves the process into the jail, then execs the rest of argv."""
        joins = " && ".join(f"echo $$ > {shlex.quote(str(d / 'cgroup.procs'))}" for d in self.dirs)
        return ["/bin/sh", "-c", f'{joins} && exec "$@"', "crewmux-cgroup-join"]

    def pids(self) -> set[int]:
        found: set[int] = set()
        for d in self.dirs:
            try:
                found.update(int(p) for p in (d / "cgroup.procs").read_text().split())
            except (OSError, ValueError):
                continue
        return found

    def kill_all(self, deadline_seconds: float = 5.0) -> None:
        """SIGKILL every process in the jail until it is empty (a fork bomb keeps forking)."""
        if self.v2:
            _write(self.dirs[0] / "cgroup.kill", "1")
        end = time.monotonic() + deadline_seconds
        while time.monotonic() < end:
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.02)

    def oom_killed(self) -> bool:
        """Whether the kernel killed something in the jail for exceeding the memory cap."""
        for d in self.dirs:
            for name in ("memory.events", "memory.oom_control"):
                try:
                    text = (d / name).read_text()
                except OSError:
                    continue
                for line in text.splitlines():
                    key, _, value = line.partition(" ")
                    if key == "oom_kill" and value.strip() not in ("", "0"):
                        return True
        return False

    def remove(self) -> None:
        self.kill_all()
        for d in self.dirs:
            _rmdir(d)


def _rmdir(path: Path) -> None:
    # A cgroup whose last process has just died may still be busy for a moment.
    for _ in range(50):
        try:
            path.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)


def _sweep_stale(parent: Path) -> None:
    """Remove jails left behind by crewmux processes that were killed mid-run. Only empty
    cgroups can be removed, so a jail still in use is never disturbed."""
    try:
        entries = list(parent.glob(PREFIX + "*"))
    except OSError:
        return
    for entry in entries:
        pid = entry.name[len(PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            try:
                entry.rmdir()
            except OSError:
                continue
