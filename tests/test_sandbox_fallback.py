"""The unsandboxed fallback (no bubblewrap), forced with ``force_unsandboxed=True``.

What it CAN stop, asserted as such: wall-clock timeouts, the output cap, memory and CPU
limits, environment scrubbing (API keys, SSH_AUTH_SOCK), killing the process group, and
keystroke injection through the controlling terminal.
What it CANNOT stop is asserted too, in tests named ``test_fallback_cannot_...``: they
prove the limitation is real (docs/security.md states it) and will fail, prompting a
docs update, if it ever changes. Those tests only touch files and ports the test owns.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from crewmux.workspace.sandbox import Limits, Sandbox, SandboxUnavailable
from crewmux.workspace.sandbox_cgroup import CgroupJail

pytestmark = pytest.mark.timeout(60)

ProcessFinder = Callable[[str], list[int]]  # the processes_with fixture (conftest.py)


def _jail_available() -> bool:
    jail = CgroupJail.create(max_tasks=64, memory_bytes=256 * 1024 * 1024)
    if jail is None:
        return False
    jail.remove()
    return True


@pytest.fixture
def fallback() -> Sandbox:
    return Sandbox(force_unsandboxed=True)


@pytest.fixture
def worktree(tmp_path: Path) -> Path:
    path = tmp_path / "worktree"
    path.mkdir()
    return path




def test_fallback_says_loudly_that_it_is_unsandboxed(fallback: Sandbox) -> None:
    assert fallback.mode == "unsandboxed" and not fallback.bwrap_ok
    assert fallback.describe().startswith("WARNING: generated code runs UNSANDBOXED")


def test_missing_bwrap_is_explained() -> None:
    sandbox = Sandbox(bwrap_path=None)
    assert sandbox.mode == "unsandboxed"
    assert "not installed" in sandbox.bwrap_reason
    assert "install bubblewrap" in sandbox.describe()


def test_require_refuses_to_run_without_bubblewrap(worktree: Path) -> None:
    sandbox = Sandbox(require=True, force_unsandboxed=True)
    marker = worktree / "ran"
    with pytest.raises(SandboxUnavailable, match="UNSANDBOXED"):
        sandbox.run(["touch", str(marker)], worktree)
    assert not marker.exists()


def test_fallback_scrubs_the_environment(fallback: Sandbox, worktree: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    secret = f"sk-CANARY-{uuid.uuid4().hex}"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    monkeypatch.setenv("SSH_AUTH_SOCK", "/tmp/agent.sock")
    result = fallback.run(["sh", "-c", 'env; echo "home=$HOME"'], worktree)
    assert result.ok and not result.sandboxed
    assert secret not in result.stdout and "SSH_AUTH_SOCK" not in result.stdout
    home = next(line[5:] for line in result.stdout.splitlines() if line.startswith("home="))
    assert home != os.environ["HOME"]
    assert not Path(home).exists()  # the private home is removed after the run


def test_fallback_timeout_kills_the_process_group(processes_with: ProcessFinder, fallback: Sandbox, worktree: Path) -> None:
    marker = f"crewmux-fb-loop-{uuid.uuid4().hex}"
    script = f"sh -c 'while :; do sleep 0.1; done' {marker} & while :; do :; done"
    result = fallback.run(["sh", "-c", script], worktree, timeout=1.5)
    assert result.stopped == "timeout" and result.exit_code is None
    assert result.duration < 6
    assert processes_with(marker) == []


def test_fallback_child_in_the_group_dies_with_the_parent(processes_with: ProcessFinder, fallback: Sandbox, worktree: Path) -> None:
    marker = f"crewmux-fb-orphan-{uuid.uuid4().hex}"
    result = fallback.run(["sh", "-c", f"sh -c 'sleep 60' {marker} >/dev/null 2>&1 & echo bye"], worktree)
    assert result.ok
    assert processes_with(marker) == []


@pytest.mark.skipif(not _jail_available(), reason="no writable cgroup here: a setsid daemon escapes the fallback")
def test_fallback_setsid_daemon_dies_only_thanks_to_the_cgroup_jail(processes_with: ProcessFinder, fallback: Sandbox, worktree: Path) -> None:
    marker = f"crewmux-fb-daemon-{uuid.uuid4().hex}"
    script = f"setsid sh -c 'sleep 60' {marker} >/dev/null 2>&1 < /dev/null & sleep 0.3; echo bye"
    result = fallback.run(["sh", "-c", script], worktree)
    assert result.ok
    assert processes_with(marker) == []


def test_fallback_caps_a_flood(fallback: Sandbox, worktree: Path) -> None:
    result = fallback.run(["sh", "-c", "head -c 1073741824 /dev/zero"], worktree, timeout=30)
    assert result.stopped == "output_limit" and result.truncated
    assert len(result.stdout) < Limits().output_bytes + 200


def test_fallback_memory_limit(fallback: Sandbox, worktree: Path) -> None:
    code = "a = []\nwhile True: a.append(bytearray(32 * 1024 * 1024))"
    result = fallback.run(["python3", "-c", code], worktree, limits=Limits(memory_mb=256))
    assert result.stopped == "memory", result


def test_fallback_cpu_limit(fallback: Sandbox, worktree: Path) -> None:
    result = fallback.run(["python3", "-c", "while True: pass"], worktree, timeout=20,
                          limits=Limits(cpu_seconds=1))
    assert result.stopped == "cpu", result


@pytest.mark.skipif(os.getuid() == 0 and not _jail_available(),
                    reason="root without a writable cgroup: the kernel exempts root from RLIMIT_NPROC")
def test_fallback_fork_bomb_is_contained(processes_with: ProcessFinder, fallback: Sandbox, worktree: Path) -> None:
    marker = f"crewmux-fb-bomb-{uuid.uuid4().hex}"
    result = fallback.run(["sh", "-c", "bomb() { bomb | bomb & }; bomb; sleep 30", marker],
                          worktree, timeout=4, limits=Limits(processes=64))
    assert result.stopped == "timeout", result.stopped
    assert "fork" in result.stderr.lower()  # the process cap was hit ("Cannot fork")
    assert processes_with(marker) == []


def test_fallback_cannot_stop_writes_outside_the_worktree(fallback: Sandbox, worktree: Path) -> None:
    target = worktree.parent / "outside.txt"
    result = fallback.run(["sh", "-c", f"echo written > {target}"], worktree)
    assert result.ok
    assert target.read_text() == "written\n"  # NOT stopped: no filesystem isolation


def test_fallback_cannot_hide_files_outside_the_worktree(fallback: Sandbox, worktree: Path) -> None:
    key = worktree.parent / "id_ed25519"
    key.write_text("CANARY-KEY")
    result = fallback.run(["cat", str(key)], worktree)
    assert result.stdout == "CANARY-KEY"  # NOT stopped: anything the user can read is readable


def test_fallback_cannot_stop_network(fallback: Sandbox, worktree: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(5)
        port = listener.getsockname()[1]
        code = f"import socket; socket.create_connection(('127.0.0.1',{port}),timeout=3); print('CONNECTED')"
        result = fallback.run(["python3", "-c", code], worktree, network=False)
        conn, _ = listener.accept()  # NOT stopped: the connection arrives
        conn.close()
    assert "CONNECTED" in result.stdout


def test_fallback_kills_a_program_that_ignores_sigterm(processes_with: ProcessFinder, fallback: Sandbox, worktree: Path) -> None:
    marker = f"crewmux-fb-stubborn-{uuid.uuid4().hex}"
    result = fallback.run(["sh", "-c", "trap '' TERM; while :; do :; done", marker], worktree, timeout=1)
    assert result.stopped == "timeout"
    assert 2.5 < result.duration < 8  # the timeout, the 2 s grace, then SIGKILL
    assert processes_with(marker) == []


def test_config_sets_limits_and_default_timeout(worktree: Path) -> None:
    from crewmux.config import SandboxConfig

    sandbox = Sandbox.from_config(SandboxConfig(require=False, timeout=1.0, memory_mb=300))
    assert sandbox.limits.memory_mb == 300
    result = sandbox.run(["sleep", "30"], worktree)
    assert result.stopped == "timeout" and result.duration < 6


def test_fallback_cannot_protect_git_metadata(fallback: Sandbox, git_project: Path) -> None:
    hook = git_project / ".git" / "hooks" / "post-commit"
    result = fallback.run(["sh", "-c", "echo '#!/bin/sh' > .git/hooks/post-commit"], git_project)
    assert result.ok
    assert hook.exists()  # NOT stopped: the hook would run on the next commit
