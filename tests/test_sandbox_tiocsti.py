"""TIOCSTI keystroke injection: generated code must not be able to type into the terminal
(the tmux pane) of the agent that runs it. The payload runs from a driver process whose
controlling terminal is a fresh pty, the way an agent runs in a pane; afterwards the test
reads that terminal's input queue and asserts nothing was injected."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crewmux.workspace.sandbox import Sandbox

pytestmark = pytest.mark.timeout(60)


TIOCSTI_PAYLOAD = r"""
import errno, fcntl, json, os, sys, termios
def inject(fd):
    for ch in "echo INJECTED\n":
        fcntl.ioctl(fd, termios.TIOCSTI, ch.encode())
results = {}
openers = {"dev_tty": lambda: os.open("/dev/tty", os.O_RDWR), "fd0": lambda: 0, "fd1": lambda: 1, "fd2": lambda: 2}
if len(sys.argv) > 1:
    openers["pts_path"] = lambda: os.open(sys.argv[1], os.O_RDWR)
for name, opener in openers.items():
    try:
        inject(opener())
        results[name] = "INJECTED-OK"
    except OSError as e:
        results[name] = errno.errorcode.get(e.errno, str(e))
print(json.dumps(results))
"""

TIOCSTI_DRIVER = r"""
import fcntl, json, sys, termios
from pathlib import Path
fcntl.ioctl(0, termios.TIOCSCTTY, 0)  # like an agent in a tmux pane: the pty is our terminal
from crewmux.workspace.sandbox import Sandbox
worktree, out, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
sandbox = Sandbox(force_unsandboxed=(mode == "fallback"))
result = sandbox.run(["python3", "payload.py", *sys.argv[4:]], worktree)
out.write_text(json.dumps({"stdout": result.stdout, "stderr": result.stderr, "sandboxed": result.sandboxed}))
"""


def run_tiocsti(worktree: Path, mode: str, with_pts_path: bool) -> tuple[dict[str, str], bytes]:
    """Run the payload from a process whose controlling terminal is a fresh pty; return
    the payload's report and whatever arrived in that terminal's input queue."""
    import tty

    (worktree / "payload.py").write_text(TIOCSTI_PAYLOAD)
    driver = worktree.parent / "driver.py"
    driver.write_text(TIOCSTI_DRIVER)
    report = worktree.parent / "report.json"
    master, slave = os.openpty()
    try:
        tty.setraw(slave)
        extra = [os.ttyname(slave)] if with_pts_path else []
        proc = subprocess.Popen([sys.executable, str(driver), str(worktree), str(report), mode, *extra],
                                stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
        try:
            assert proc.wait(timeout=40) == 0, "driver failed"
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        os.set_blocking(slave, False)
        try:
            queued = os.read(slave, 4096)
        except BlockingIOError:
            queued = b""
    finally:
        os.close(master)
        os.close(slave)
    data = json.loads(report.read_text())
    return json.loads(data["stdout"]), queued


@pytest.fixture
def worktree(tmp_path: Path) -> Path:
    path = tmp_path / "worktree"
    path.mkdir()
    return path


@pytest.mark.skipif(not Sandbox().bwrap_ok, reason="bubblewrap does not work here (see test_sandbox_adversarial)")
def test_tiocsti_keystroke_injection_fails_in_bubblewrap(worktree: Path) -> None:
    """Every vector: /dev/tty, the inherited fds, and the terminal's /dev/pts path."""
    results, queued = run_tiocsti(worktree, "bubblewrap", with_pts_path=True)
    assert set(results) == {"dev_tty", "fd0", "fd1", "fd2", "pts_path"}
    assert "INJECTED-OK" not in results.values(), results
    assert b"INJECTED" not in queued


def test_fallback_blocks_injection_through_the_controlling_terminal(worktree: Path) -> None:
    """The new session leaves generated code without a controlling terminal. NOT covered
    by the fallback: opening the pane's /dev/pts/N by its path works for root
    (CAP_SYS_ADMIN) while the kernel allows TIOCSTI (dev.tty.legacy_tiocsti=1); only
    bubblewrap's private /dev stops that, so this test does not try it."""
    results, queued = run_tiocsti(worktree, "fallback", with_pts_path=False)
    assert results == {"dev_tty": "ENXIO", "fd0": "ENOTTY", "fd1": "ENOTTY", "fd2": "ENOTTY"}
    assert b"INJECTED" not in queued
