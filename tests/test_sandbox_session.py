"""A resident sandboxed helper (Sandbox.start): real bubblewrap, real processes.

The helper keeps the sandbox's isolation for its whole life (no network, nothing
writable, its working directory read-only), answers request after request from one
process, and every way it can go wrong (silent, dead, flooding, its agent killed) ends
it with its whole process tree and tells the caller why.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest

from crewmux.workspace.sandbox import Sandbox
from crewmux.workspace.sandbox_session import SessionEnded

pytestmark = pytest.mark.timeout(60)

_PROBE = Sandbox()
if not _PROBE.bwrap_ok:
    pytest.skip(f"bubblewrap does not work here: {_PROBE.bwrap_reason}", allow_module_level=True)

# A helper that runs each request line as Python code and answers its result, then END.
HELPER = textwrap.dedent("""
    import json, os, sys
    state = {"count": 0}
    for line in sys.stdin:
        state["count"] += 1
        try:
            result = eval(compile(line, "<request>", "eval"), {"os": os, "state": state, "__import__": __import__})
        except Exception as exc:
            result = f"{type(exc).__name__}: {exc}"
        print(json.dumps({"result": repr(result)}))
        print("END", flush=True)
""")


def is_end(line: str) -> bool:
    return line == "END"


def eventually(condition, seconds: float = 10.0) -> bool:
    """Processes appear and vanish asynchronously (a process in exec shows no command line)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def worktree(tmp_path: Path) -> Path:
    root = tmp_path / "worktree"
    root.mkdir()
    (root / "code.py").write_text("x = 1\n")
    return root


def start(sandbox: Sandbox, worktree: Path, script: str = HELPER, *extra: str):
    return sandbox.start(["python3", "-S", "-c", script, *extra], worktree)  # the system's, found inside


def answer(session, request: str, timeout: float = 10.0) -> str:
    lines = session.ask(request, until=is_end, timeout=timeout)
    assert lines[-1] == "END"
    return json.loads(lines[-2])["result"]


def test_one_process_answers_every_request_in_order(worktree):
    with start(Sandbox(require=True), worktree) as session:
        pids = {answer(session, "os.getpid()") for _ in range(20)}
        assert answer(session, "state['count']") == "21"  # the same interpreter saw them all
        assert len(pids) == 1
        assert answer(session, "open('code.py').read()") == repr("x = 1\n")
        (worktree / "code.py").write_text("x = 2\n")  # a change on the host is seen at once
        assert answer(session, "open('code.py').read()") == repr("x = 2\n")


def test_the_helper_cannot_write_its_worktree_or_reach_the_network(worktree):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    with start(Sandbox(require=True), worktree) as session:
        wrote = answer(session, "open('code.py', 'w').write('pwned')")
        assert "Read-only file system" in wrote or "Permission denied" in wrote
        made = answer(session, "open('new.py', 'w').write('pwned')")
        assert "Read-only file system" in made or "Permission denied" in made
        connected = answer(session, f"__import__('socket').create_connection(('127.0.0.1', {port}), 1)")
        assert "Error" in connected
        home = answer(session, f"os.path.exists({str(Path.home())!r} + '/.ssh')")
        assert home == "False"
    assert (worktree / "code.py").read_text() == "x = 1\n"
    assert not (worktree / "new.py").exists()
    with pytest.raises(TimeoutError):
        listener.accept()
    listener.close()


def test_a_silent_helper_is_ended_and_its_processes_killed(worktree, processes_with):
    marker = f"crewmux-silent-{uuid.uuid4().hex}"
    silent = "import sys, time\nfor line in sys.stdin:\n    time.sleep(3600)\n"
    session = start(Sandbox(require=True), worktree, silent, marker)
    assert eventually(lambda: processes_with(marker))
    started = time.monotonic()
    with pytest.raises(SessionEnded, match="no answer within 1 s"):
        session.ask("hello", until=is_end, timeout=1.0)
    assert time.monotonic() - started < 5
    assert not session.alive
    assert processes_with(marker) == []
    with pytest.raises(SessionEnded, match="closed"):
        session.ask("again", until=is_end, timeout=1.0)


def test_a_helper_that_dies_says_how(worktree):
    with start(Sandbox(require=True), worktree) as session:
        with pytest.raises(SessionEnded, match=r"exit code 3"):
            session.ask("os._exit(3)", until=is_end, timeout=10.0)
        assert not session.alive
    crash = "import sys\nfor line in sys.stdin:\n    raise RuntimeError('checker broke on ' + line.strip())\n"
    with start(Sandbox(require=True), worktree, crash) as session:
        with pytest.raises(SessionEnded, match="checker broke on boom"):
            session.ask("boom", until=is_end, timeout=10.0)


def test_a_flooding_helper_is_stopped_at_the_cap(worktree):
    flood = "import sys\nfor line in sys.stdin:\n    while True:\n        sys.stdout.write('x' * 65536 + '\\n')\n"
    with start(Sandbox(require=True), worktree, flood) as session:
        with pytest.raises(SessionEnded, match="past 1000000 bytes"):
            session.ask("go", until=is_end, timeout=20.0, max_bytes=1_000_000)
        assert not session.alive


def test_closing_kills_what_the_helper_started_even_in_a_new_session(worktree, processes_with):
    marker = f"crewmux-orphan-{uuid.uuid4().hex}"
    with start(Sandbox(require=True), worktree) as session:
        spawn = f"__import__('subprocess').Popen(['python3', '-c', 'import time; time.sleep(3600)', '{marker}'], start_new_session=True).pid"
        answer(session, spawn)
        assert eventually(lambda: processes_with(marker))
    assert eventually(lambda: processes_with(marker) == [])


def test_the_helper_dies_with_the_agent_that_started_it(worktree, tmp_path, processes_with):
    """An agent SIGKILLed by the user (or the supervisor) leaves no helper behind."""
    marker = f"crewmux-agent-{uuid.uuid4().hex}"
    agent = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from crewmux.workspace.sandbox import Sandbox
        session = Sandbox(require=True).start(["python3", "-S", "-c", "import sys\\nfor l in sys.stdin: pass", "{marker}"], Path({str(worktree)!r}))
        print("ready", flush=True)
        time.sleep(3600)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert agent.stdout.readline().strip() == "ready"
        assert eventually(lambda: processes_with(marker))
        os.kill(agent.pid, signal.SIGKILL)
        agent.wait(10)
        assert eventually(lambda: processes_with(marker) == [])
    finally:
        if agent.poll() is None:
            agent.kill()
            agent.wait()


def test_concurrent_askers_get_their_own_answers(worktree):
    with start(Sandbox(require=True), worktree) as session:
        results: dict[int, str] = {}

        def ask(n: int) -> None:
            results[n] = answer(session, f"{n} * 1000")

        threads = [threading.Thread(target=ask, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert results == {n: str(n * 1000) for n in range(8)}


def test_unsandboxed_mode_still_keeps_a_session(worktree):
    """Where bubblewrap does not work the helper runs with limits only (docs/security.md)."""
    with start(Sandbox(force_unsandboxed=True), worktree) as session:
        assert answer(session, "1 + 1") == "2"
        assert answer(session, "os.environ.get('HOME', '')").startswith("'/tmp/crewmux-sandbox-") is True


def test_a_request_is_one_line(worktree):
    with start(Sandbox(require=True), worktree) as session:
        with pytest.raises(ValueError):
            session.ask("a\nb", until=is_end, timeout=1.0)
        assert answer(session, "2 + 2") == "4"
