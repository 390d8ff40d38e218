"""Hostile generated code, run through the bubblewrap sandbox exactly as QA runs it.

Each test plants canaries on the HOST (files the test owns, a listener on loopback,
variables in the environment crewmux runs with) and asserts afterwards that the host is
unchanged. "Host" here is the process that calls Sandbox.run: its environment, its
HOME (a directory the test creates and points HOME at, so a failure never touches the
real one), the directories next to the worktree, and the system directories.
The whole module is skipped only when the bubblewrap probe fails, with the probe's reason.
"""

from __future__ import annotations

import resource
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from crewmux.workspace.sandbox import Limits, Sandbox

pytestmark = pytest.mark.timeout(60)

ProcessFinder = Callable[[str], list[int]]  # the processes_with fixture (conftest.py)

_PROBE = Sandbox()
if not _PROBE.bwrap_ok:
    pytest.skip(f"bubblewrap does not work here: {_PROBE.bwrap_reason}", allow_module_level=True)


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox(require=True)


@pytest.fixture
def host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A worktree, a fake HOME with an SSH key, and a directory beside the worktree."""
    worktree = tmp_path / "worktree"
    worktree.mkdir()
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    key = f"-----BEGIN OPENSSH PRIVATE KEY----- CANARY-{uuid.uuid4().hex}"
    (home / ".ssh" / "id_ed25519").write_text(key)
    (home / "canary.txt").write_text("still here")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "canary.txt").write_text("untouched")
    monkeypatch.setenv("HOME", str(home))
    return {"worktree": worktree, "home": home, "outside": outside, "key": Path(key)}


def _py(code: str) -> list[str]:
    return ["python3", "-c", code]




def test_probe_reports_bubblewrap(sandbox: Sandbox) -> None:
    assert sandbox.mode == "bubblewrap"
    assert "bubblewrap" in sandbox.describe() and "WARNING" not in sandbox.describe()


def test_deleting_home_leaves_host_home_alone(sandbox: Sandbox, host: dict[str, Path]) -> None:
    home, outside = host["home"], host["outside"]
    script = f'rm -rf "$HOME" ~ {home} {outside} 2>/dev/null; ls {home} 2>&1; echo done'
    result = sandbox.run(["sh", "-c", script], host["worktree"])
    assert result.ok, result
    assert "No such file" in result.stdout  # the host home is not even visible inside
    assert (home / "canary.txt").read_text() == "still here"
    assert (home / ".ssh" / "id_ed25519").exists()
    assert (outside / "canary.txt").read_text() == "untouched"


def test_writing_outside_the_worktree_fails(sandbox: Sandbox, host: dict[str, Path]) -> None:
    worktree, outside = host["worktree"], host["outside"]
    name = f"crewmux-sandbox-test-{uuid.uuid4().hex}"
    targets = [outside / "canary.txt", outside / name, worktree.parent / name,
               Path("/usr") / name, Path("/etc") / name, Path("/") / name, host["home"] / name]
    script = "; ".join(f"echo pwned > {t} 2>/dev/null" for t in targets) + "; echo inside > ok.txt"
    try:
        result = sandbox.run(["sh", "-c", script], worktree)
        assert result.ok, result
        assert (worktree / "ok.txt").read_text() == "inside\n"  # the worktree IS writable
        assert (outside / "canary.txt").read_text() == "untouched"
        leaked = [t for t in targets[1:] if t.exists()]
        assert leaked == []
    finally:
        for t in targets[1:]:
            if t.exists():
                t.unlink()


def test_ssh_keys_and_api_keys_are_not_readable(sandbox: Sandbox, host: dict[str, Path],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    secret = f"sk-CANARY-{uuid.uuid4().hex}"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    monkeypatch.setenv("ANTHROPIC_API_KEY", secret)
    monkeypatch.setenv("SSH_AUTH_SOCK", str(host["home"] / "agent.sock"))
    key_canary = str(host["key"])
    home = host["home"]
    script = (f"cat ~/.ssh/id_ed25519 {home}/.ssh/id_ed25519 2>&1; env; "
              "cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'; "
              "test -e /root && echo ROOT_VISIBLE; test -e /home && echo HOME_DIR_VISIBLE; "
              "cat /etc/shadow 2>&1; ls /etc/ssh 2>&1")
    result = sandbox.run(["sh", "-c", script], host["worktree"])
    seen = result.stdout + result.stderr
    assert secret not in seen
    assert key_canary not in seen
    assert "SSH_AUTH_SOCK" not in seen
    assert "ROOT_VISIBLE" not in seen and "HOME_DIR_VISIBLE" not in seen
    assert "root:" not in seen  # no shadow file
    assert "HOME=/tmp/home" in seen  # a private, empty home instead


def test_no_connection_reaches_a_loopback_listener(sandbox: Sandbox, host: dict[str, Path]) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    accepted: list[object] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                accepted.append(conn)
                conn.close()
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        code = ("import socket,errno\n"
                "for host in ('127.0.0.1','localhost'):\n"
                "  try:\n"
                f"    socket.create_connection((host,{port}),timeout=2); print('CONNECTED')\n"
                "  except OSError as e: print('failed', errno.errorcode.get(e.errno, e))\n")
        result = sandbox.run(_py(code), host["worktree"])
        time.sleep(0.3)
    finally:
        stop.set()
        thread.join(2)
        listener.close()
    assert "CONNECTED" not in result.stdout, result
    assert result.stdout.count("failed") == 2
    assert accepted == []


def test_outside_addresses_are_unreachable(sandbox: Sandbox, host: dict[str, Path]) -> None:
    # 192.0.2.1 is TEST-NET-1: never routed. Outside the sandbox the connect would hang or
    # time out; inside there is no route at all, which is what proves the isolation.
    code = ("import socket,errno\n"
            "try:\n"
            "  socket.create_connection(('192.0.2.1',80),timeout=3); print('CONNECTED')\n"
            "except OSError as e: print('connect', errno.errorcode.get(e.errno, e))\n"
            "try:\n"
            "  socket.getaddrinfo('example.com',443); print('RESOLVED')\n"
            "except OSError as e: print('dns failed')\n")
    result = sandbox.run(_py(code), host["worktree"])
    assert "connect ENETUNREACH" in result.stdout, result
    assert "RESOLVED" not in result.stdout and "dns failed" in result.stdout


def test_network_flag_gives_network(sandbox: Sandbox, host: dict[str, Path]) -> None:
    """The opposite check, so the test above cannot pass for a wrong reason."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        code = f"import socket; socket.create_connection(('127.0.0.1',{port}),timeout=3); print('CONNECTED')"
        result = sandbox.run(_py(code), host["worktree"], network=True)
        listener.settimeout(2)
        conn, _ = listener.accept()
        conn.close()
    assert "CONNECTED" in result.stdout, result


def test_fork_bomb_is_contained_and_cleaned_up(processes_with: ProcessFinder, sandbox: Sandbox, host: dict[str, Path]) -> None:
    marker = f"crewmux-forkbomb-{uuid.uuid4().hex}"
    started = time.monotonic()
    result = sandbox.run(["sh", "-c", "bomb() { bomb | bomb & }; bomb; sleep 30", marker],
                         host["worktree"], timeout=4, limits=Limits(processes=64))
    assert time.monotonic() - started < 15
    assert result.stopped == "timeout", result.stopped  # the bomb ran until the wall clock ended it
    assert "fork" in result.stderr.lower()  # the process cap was hit ("Cannot fork")
    assert processes_with(marker) == []
    assert subprocess.run(["true"]).returncode == 0  # the host can still fork


def test_memory_bomb_is_stopped(sandbox: Sandbox, host: dict[str, Path]) -> None:
    code = "a = []\nwhile True: a.append(bytearray(32 * 1024 * 1024))"
    result = sandbox.run(_py(code), host["worktree"], timeout=20, limits=Limits(memory_mb=256))
    assert result.stopped == "memory", result
    assert result.duration < 10


def test_endless_loop_hits_the_wall_clock_timeout(processes_with: ProcessFinder, sandbox: Sandbox, host: dict[str, Path]) -> None:
    marker = f"crewmux-loop-{uuid.uuid4().hex}"
    result = sandbox.run(["sh", "-c", "while :; do :; done", marker], host["worktree"], timeout=1.5)
    assert result.stopped == "timeout"
    assert result.exit_code is None and not result.ok
    assert result.duration < 6
    assert processes_with(marker) == []


def test_endless_loop_hits_the_cpu_limit(sandbox: Sandbox, host: dict[str, Path]) -> None:
    result = sandbox.run(_py("while True: pass"), host["worktree"], timeout=20,
                         limits=Limits(cpu_seconds=1))
    assert result.stopped == "cpu", result
    assert result.duration < 6


def test_gigabyte_flood_on_stdout_is_capped(sandbox: Sandbox, host: dict[str, Path]) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = sandbox.run(["sh", "-c", "head -c 1073741824 /dev/zero | tr '\\0' x; echo END"],
                         host["worktree"], timeout=30)
    grew_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert result.stopped == "output_limit", result.stopped
    assert result.truncated
    assert len(result.stdout) < Limits().output_bytes + 200
    assert "bytes of output cut here" in result.stdout
    assert grew_mb < 50
    assert result.duration < 20


def test_big_output_keeps_head_and_tail(sandbox: Sandbox, host: dict[str, Path]) -> None:
    code = "print('FIRST'); print('x' * 3_000_000); print('LAST SUMMARY')"
    result = sandbox.run(_py(code), host["worktree"])
    assert result.ok and result.truncated
    assert result.stdout.startswith("FIRST") and result.stdout.rstrip().endswith("LAST SUMMARY")


def test_child_that_outlives_its_parent_is_killed(processes_with: ProcessFinder, sandbox: Sandbox, host: dict[str, Path]) -> None:
    worktree = host["worktree"]
    marker = f"crewmux-orphan-{uuid.uuid4().hex}"
    daemon = "while :; do date +%s%N > beat; sleep 0.05; done"
    script = f"setsid sh -c '{daemon}' {marker} >/dev/null 2>&1 < /dev/null & sleep 0.5; echo parent-exits"
    result = sandbox.run(["sh", "-c", script], worktree)
    assert result.ok and "parent-exits" in result.stdout
    assert (worktree / "beat").exists()  # the daemon really ran
    first = (worktree / "beat").read_text()
    time.sleep(0.5)
    assert (worktree / "beat").read_text() == first
    assert processes_with(marker) == []


def test_file_size_limit(sandbox: Sandbox, host: dict[str, Path]) -> None:
    result = sandbox.run(["sh", "-c", "head -c 20000000 /dev/zero > big.bin"], host["worktree"],
                         limits=Limits(file_size_mb=1))
    assert not result.ok
    assert (host["worktree"] / "big.bin").stat().st_size <= 1024 * 1024


def test_private_tmp_is_size_capped(sandbox: Sandbox, host: dict[str, Path]) -> None:
    result = sandbox.run(["sh", "-c", "for i in 1 2 3 4; do head -c 3000000 /dev/zero > /tmp/f$i || exit 3; done"],
                         host["worktree"], limits=Limits(tmp_mb=8, file_size_mb=4))
    assert result.exit_code == 3


def test_concurrent_runs_from_threads_stay_apart(sandbox: Sandbox, tmp_path: Path) -> None:
    """The callers are threaded: runs at the same time keep their own output and files."""
    from concurrent.futures import ThreadPoolExecutor

    def one(i: int) -> tuple[int, str, bool]:
        worktree = tmp_path / f"wt{i}"
        worktree.mkdir()
        result = sandbox.run(["sh", "-c", f"echo run-{i}; echo {i} > mine.txt; sleep 0.3; ls"], worktree)
        return i, result.stdout, (worktree / "mine.txt").read_text() == f"{i}\n"

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(one, range(6)))
    for i, stdout, own_file in results:
        assert stdout.splitlines() == [f"run-{i}", "mine.txt"]
        assert own_file


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**__import__("os").environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)


def _tree_bytes(path: Path) -> dict[str, bytes]:
    if path.is_file():
        return {".": path.read_bytes()}
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("kind", ["repository", "git-worktree"])
def test_git_metadata_cannot_be_planted(sandbox: Sandbox, git_project: Path, tmp_path: Path, kind: str) -> None:
    """Hooks, core.fsmonitor or a rewritten gitdir: line would run code on the HOST the next
    time crewmux runs git in the worktree; the sandbox keeps .git read-only."""
    if kind == "git-worktree":
        worktree = tmp_path / "coder-wt"
        _git(git_project, "worktree", "add", "-q", "-b", "coder", str(worktree))
    else:
        worktree = git_project
    pwned = tmp_path / "pwned"
    before = {"dot_git": _tree_bytes(worktree / ".git"), "main_git": _tree_bytes(git_project / ".git")}
    script = (
        f"mkdir -p evil && printf '#!/bin/sh\\ntouch {pwned}\\n' > evil/hook; chmod +x evil/hook; "
        f"printf '#!/bin/sh\\ntouch {pwned}\\n' > .git/hooks/post-commit 2>/dev/null; "
        f"git config core.fsmonitor evil/hook 2>/dev/null; git config core.hooksPath evil 2>/dev/null; "
        "echo 'gitdir: evil' > .git 2>/dev/null; echo '[core]' >> .git/config 2>/dev/null; "
        "echo change > README.md; echo done"
    )
    result = sandbox.run(["sh", "-c", script], worktree)
    assert "done" in result.stdout, result
    assert (worktree / "README.md").read_text() == "change\n"  # ordinary files are writable
    assert {"dot_git": _tree_bytes(worktree / ".git"), "main_git": _tree_bytes(git_project / ".git")} == before
    _git(worktree, "add", "-A")
    _git(worktree, "commit", "-q", "-m", "after the sandbox")  # what the coordinator would do
    assert not pwned.exists()
