"""The sandbox as an ordinary user sees it. Most users are not root, and for them the
process limit works differently (RLIMIT_NPROC counts per user namespace inside bubblewrap,
and every process of the user in the unsandboxed mode) and no cgroup jail is available.

When the suite runs as root, this copies the sandbox modules (standard library only) to a
directory `nobody` can read and runs them as `nobody` with the system Python; as a
non-root user the rest of the suite already covers this and the module is skipped."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

import crewmux.workspace as workspace_pkg

pytestmark = pytest.mark.timeout(90)

SYSTEM_PYTHON = shutil.which("python3", path="/usr/bin:/bin")

SMOKE = r"""
import json, os, sys, uuid
from pathlib import Path
from crewmux.workspace.sandbox import Limits, Sandbox
from crewmux.workspace.sandbox_cgroup import CgroupJail

def alive(marker):
    found = 0
    for pid in os.listdir("/proc"):
        try:
            found += pid.isdigit() and marker.encode() in open(f"/proc/{pid}/cmdline", "rb").read()
        except OSError:
            pass
    return found

worktree = Path(sys.argv[1])
report = {"uid": os.getuid(), "jail": CgroupJail.create(max_tasks=8, memory_bytes=1 << 27) is not None}
for mode in ("bubblewrap", "fallback"):
    sandbox = Sandbox(force_unsandboxed=(mode == "fallback"))
    marker = "crewmux-nonroot-bomb-" + uuid.uuid4().hex
    bomb = sandbox.run(["sh", "-c", "bomb() { bomb | bomb & }; bomb; sleep 30", marker], worktree,
                       timeout=3, limits=Limits(processes=64))
    spawn = sandbox.run(["sh", "-c", "for i in $(seq 40); do sleep 1 & done; wait"], worktree,
                        limits=Limits(processes=20))
    memory = sandbox.run(["python3", "-c", "a = []\nwhile True: a.append(bytearray(32 << 20))"],
                         worktree, limits=Limits(memory_mb=256))
    plain = sandbox.run(["sh", "-c", "for i in $(seq 10); do sleep 0.2 & done; wait; echo fine"], worktree,
                        limits=Limits(processes=20))
    report[mode] = {"mode": sandbox.mode, "bomb_stopped": bomb.stopped, "bomb_left": alive(marker),
                    "spawn_ok": spawn.ok, "spawn_err": spawn.stderr[-200:],
                    "memory": memory.stopped, "plain": plain.stdout.strip()}
print(json.dumps(report))
"""


@pytest.fixture
def as_nobody():
    if os.getuid() != 0:
        pytest.skip("not root: the other sandbox tests already run as an ordinary user")
    if not (shutil.which("setpriv") and SYSTEM_PYTHON):
        pytest.skip("needs setpriv and a system python3 to switch to the nobody user")
    top = Path(tempfile.mkdtemp(prefix="crewmux-nonroot-"))
    try:
        package = top / "crewmux" / "workspace"
        package.mkdir(parents=True)
        (top / "crewmux" / "__init__.py").write_text("")
        source = Path(workspace_pkg.__file__).parent
        for module in [source / "__init__.py", *source.glob("sandbox*.py")]:
            shutil.copy(module, package / module.name)
        (top / "smoke.py").write_text(SMOKE)
        worktree = top / "worktree"
        worktree.mkdir()
        for path in [top, *top.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        os.chown(worktree, 65534, 65534)
        yield top
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_limits_hold_for_an_ordinary_user(as_nobody: Path) -> None:
    done = subprocess.run(
        ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
         SYSTEM_PYTHON, str(as_nobody / "smoke.py"), str(as_nobody / "worktree")],  # type: ignore[list-item]
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(as_nobody)},
        capture_output=True, text=True, timeout=80, cwd=as_nobody,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["uid"] == 65534 and report["jail"] is False  # rlimits alone, no cgroup
    for mode in ("bubblewrap", "fallback"):
        got = report[mode]
        if mode == "bubblewrap" and got["mode"] != "bubblewrap":
            continue  # unprivileged user namespaces blocked for nobody: the fallback case covers it
        assert got["bomb_stopped"] == "timeout" and got["bomb_left"] == 0, got
        assert not got["spawn_ok"] and "fork" in got["spawn_err"].lower(), got  # 40 > 20 processes
        assert got["memory"] == "memory", got
        assert got["plain"] == "fine", got  # a normal program under the same limit is unaffected
