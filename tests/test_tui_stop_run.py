"""The dashboard's stop (`S`, then `y`) stops the run as `crewmux stop` does: a real team
in tmux on a private socket (coordinator, CTO, coder, QA, the supervisor, and the scripted
model server as the run's service), the dashboard driven through Textual's Pilot, and
then the processes read from /proc, the session from tmux and the status from run.json."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

import crewmux
from crewmux.config import load_config
from crewmux.protocol.rundir import RunDir, build_agents
from crewmux.runtime.team import TeamRuntime
from crewmux.runtime.team_launch import Service
from crewmux.runtime.tmux import Tmux
from crewmux.tui.app import DashboardApp
from crewmux.tui.screens.confirm_stop import ConfirmStopScreen
from crewmux.workspace import git

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180), pytest.mark.anyio]
SCRIPT = Path(__file__).parent / "scripts" / "team_python_cli.toml"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def socket_name(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PYTHONPATH", str(Path(crewmux.__file__).resolve().parent.parent))
    name = f"crewmux-test-{uuid.uuid4().hex[:10]}"
    yield name
    Tmux(name).kill_server()
    assert not Tmux(name).is_alive(), f"tmux server {name} survived the test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def alive(pid: int) -> bool:
    """Running, not merely a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def run_processes(run: RunDir) -> set[int]:
    """Every live process whose command line names the run directory or the run's secrets
    (agents and supervisor: ``--run RUN``; the model service: ``--api-key-file RUN/...``)."""
    marker = str(run.path).encode()
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker in (entry / "cmdline").read_bytes() and alive(int(entry.name)):
                    found.add(int(entry.name))
            except OSError:
                continue
    return found


def start_team(project: Path, socket_name: str) -> tuple[TeamRuntime, RunDir, int]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    (project / "crewmux.toml").write_text(
        f'coders = 1\n[default]\nprovider = "ollama"\nmodel = "fake-coder:7b"\nbase_urls = ["{url}"]\ntimeout_first_token = 60\n'
    )
    config = load_config(project)
    git.ensure_repo(project)
    run = RunDir.create(project, "a CLI that counts the words of a file", build_agents(1, 1), config=config.model_dump(mode="json"))
    # Paced, so the team is mid-way (a coder inside its reply) when the key is pressed.
    argv = [sys.executable, "-m", "crewmux", "fake-llm", "--script", str(SCRIPT), "--port", str(port), "--tps", "15", "--ttft", "0.3"]
    runtime = TeamRuntime(socket_name, services=[Service(name="scripted-llm", argv=argv, url=url)])
    runtime.start(run)
    return runtime, run, port


def wait_for(what: str, predicate, timeout: float, run: RunDir) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-2000:]}" for p in sorted(run.logs_dir.glob("*")))
            raise AssertionError(f"timed out waiting for {what}\n{logs}")
        time.sleep(0.2)


async def test_stop_key_stops_every_agent_the_service_and_the_run(git_project: Path, socket_name: str) -> None:
    runtime, run, port = start_team(git_project, socket_name)
    session = runtime.session(run)
    wait_for("the plan and a coder at work", lambda: run.info().status == "running" and run.events("coder-1").is_file(), 90, run)
    panes = runtime.panes(run)
    team = {spec.name for spec in run.info().agents}
    assert {name for name, pane in panes.agents.items() if not pane.dead} == team
    before = run_processes(run)
    service = panes.services["scripted-llm"].pid
    assert service in before and panes.supervisor is not None and panes.supervisor.pid in before
    assert {pane.pid for pane in panes.agents.values()} <= before
    assert run.info().status == "running"  # nothing but the key below ends it

    app = DashboardApp(run)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause(0.5)
        await pilot.press("S")
        assert isinstance(app.screen, ConfirmStopScreen)
        await pilot.press("y")
        deadline = time.monotonic() + 60
        while (run_processes(run) or Tmux(socket_name).has_session(session)) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        await pilot.pause(0.5)
        header = str(app.main.query_one("#run-header").content)

    assert {pid for pid in before if alive(pid)} == set(), "processes of the run outlived the dashboard's stop"
    assert run_processes(run) == set()
    assert not Tmux(socket_name).has_session(session)
    info = run.info()
    assert (info.status, info.reason) == ("stopped", "stopped by the user") and info.finished_at is not None
    assert " stopped " in header
    with socket.socket() as probe:  # the model service is closed too: nothing listens on its port
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    ls = subprocess.run([sys.executable, "-m", "crewmux", "ls", "--project", str(git_project)], capture_output=True, text=True, timeout=60)
    assert f"{run.run_id}  stopped  0/{len(team)} alive" in ls.stdout, ls.stdout + ls.stderr
