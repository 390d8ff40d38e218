"""Agents as plain child processes: the headless launcher until the tmux runtime hosts them.

Same surface as the tmux runtime (``start(run)``, ``wait``, ``stop``), so a headless run
can switch to tmux panes without the caller changing. Each agent is its own process
group; stopping signals the groups this launcher started, nothing else.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from crewmux.agents.loop import RESTART_EXIT_CODE
from crewmux.protocol.rundir import RunDir
from crewmux.protocol.wakeup import Wakeup

MAX_RESTARTS = 3  # an agent that keeps dying is left down; the coordinator's budgets end the run


class ProcessRuntime:
    def __init__(self, *, show: str | None = "coordinator") -> None:
        self.show = show  # the agent whose readable log goes to our stdout
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.run: RunDir | None = None
        self._stderr: list = []
        self._restarts: dict[str, int] = {}
        self._gone: set[str] = set()  # exited for good (stopped, or died too often)

    def _spawn(self, name: str, role: str) -> None:
        assert self.run is not None
        stderr = open(self.run.logs_dir / f"{name}.stderr", "ab")
        self._stderr.append(stderr)
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "crewmux.agents", role, "--run", str(self.run.path), "--name", name],
            stdin=subprocess.DEVNULL,
            stdout=None if name == self.show else subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
            cwd=self.run.project_dir,
        )

    def start(self, run: RunDir) -> None:
        self.run = run
        run.logs_dir.mkdir(parents=True, exist_ok=True)
        for agent in run.info().agents:
            self._spawn(agent.name, agent.role)

    def wait(self, timeout: float | None = None) -> int | None:
        """Until the coordinator is done; its exit code.

        An agent that asks for a restart, or dies, is started again (a coordinator resumes
        from state.json, any agent gets back the messages it had claimed).
        """
        assert self.run is not None
        deadline = None if timeout is None else time.monotonic() + timeout
        roles = {a.name: a.role for a in self.run.info().agents}
        with Wakeup([self.run.path], interval=0.5) as wake:
            while True:
                for name, proc in list(self.procs.items()):
                    code = proc.poll()
                    if code is None or name in self._gone:
                        continue
                    if name == "coordinator" and (code == 0 or self._restarts.get(name, 0) >= MAX_RESTARTS):
                        return code
                    if code == RESTART_EXIT_CODE or (code != 0 and self._restarts.get(name, 0) < MAX_RESTARTS):
                        # Asked to, or died: its claimed messages come back to it on start.
                        self._restarts[name] = self._restarts.get(name, 0) + (code != RESTART_EXIT_CODE)
                        self._spawn(name, roles[name])
                    else:
                        self._gone.add(name)
                if deadline is not None and time.monotonic() > deadline:
                    return None
                wake.wait()

    def stop(self, grace: float = 5.0) -> None:
        """Let the agents leave on their own (they were told to stop), then end their groups."""
        deadline = time.monotonic() + grace
        for proc in self.procs.values():
            try:
                proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for proc in self.procs.values():
            if proc.poll() is None:
                _signal_group(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(2.0)
            except subprocess.TimeoutExpired:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait()
        for handle in self._stderr:
            handle.close()
        self._stderr.clear()


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)  # the group this launcher created for that agent (start_new_session)
    except ProcessLookupError:
        pass
