"""End to end: `crewmux run` opens the dashboard in a real terminal (a tmux pane on a
private socket), against the scripted model server over real HTTP.

Keys are typed with send-keys and the screen is read with capture-pane: the agents
appear, a task goes from running to passed, a steer note reaches the coder's next prompt
(seen in the model server's request log), `a` adds a coder while the run goes on, and
quitting the dashboard leaves the team running to the end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crewmux.agents.llm.fake_server import FakeLLMServer
from crewmux.agents.llm.model_source import DEMO_SCRIPT
from crewmux.protocol.events import read_events
from crewmux.protocol.rundir import list_runs

pytestmark = pytest.mark.timeout(240)

NOTE = "please keep the markup semantic"


def tmux(socket: str, *args: str) -> str:
    return subprocess.run(["tmux", "-L", socket, *args], check=True, capture_output=True, text=True, timeout=20).stdout


def wait_for(what: str, predicate, timeout: float, screen=None) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}" + (f"\n--- screen ---\n{screen()}" if screen else ""))
        time.sleep(0.2)


@pytest.fixture
def sockets():
    """The test's terminal server and the team's server: both private, both killed."""
    names = (f"crewmux-e2e-term-{os.getpid()}", f"crewmux-e2e-team-{os.getpid()}")
    yield names
    for name in names:
        subprocess.run(["tmux", "-L", name, "kill-server"], capture_output=True, timeout=10)
    for name in names:
        gone = subprocess.run(["tmux", "-L", name, "list-sessions"], capture_output=True, timeout=10)
        assert gone.returncode != 0, f"tmux server {name} left behind"


def test_run_opens_the_dashboard_and_keys_steer_the_team(git_project: Path, tmp_path: Path, sockets) -> None:
    term, team = sockets
    request_log = tmp_path / "requests.jsonl"
    # Slower than the demo's default, so a human-speed steer lands before the coder's prompt.
    server = FakeLLMServer(DEMO_SCRIPT, tps=25, request_log=request_log)
    url = server.start()
    (git_project / "crewmux.toml").write_text(
        f'coders = 1\ntmux_socket = "{team}"\n[default]\nprovider = "ollama"\nmodel = "scripted"\nbase_urls = ["{url}"]\n'
    )
    subprocess.run(["git", "add", "crewmux.toml"], cwd=git_project, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "config"], cwd=git_project, check=True)
    exit_file = tmp_path / "exit-code"
    command = (
        f"cd {git_project} && env -u COLUMNS -u LINES -u TMUX -u TMUX_PANE TERM=xterm-256color "
        f"{sys.executable} -m crewmux run 'a landing page for a bakery'; echo $? > {exit_file}; sleep 600"
    )
    tmux(term, "new-session", "-d", "-s", "term", "-x", "160", "-y", "48", command)

    def screen() -> str:
        return tmux(term, "capture-pane", "-p", "-t", "term")

    try:
        wait_for("the run directory", lambda: bool(list_runs(git_project)), 30, screen)
        run = list_runs(git_project)[-1]
        wait_for("the agents on screen", lambda: all(n in screen() for n in ("coordinator", "cto", "coder-1", "qa")), 60, screen)

        # Steer coder-1 (third row) before its first task reaches it.
        tmux(term, "send-keys", "-t", "term", "Down", "Down")
        time.sleep(0.3)
        tmux(term, "send-keys", "-t", "term", "s")
        time.sleep(0.5)
        tmux(term, "send-keys", "-t", "term", "-l", NOTE)
        tmux(term, "send-keys", "-t", "term", "Enter")
        wait_for(
            "coder-1 to receive the steer note",
            lambda: any(e.kind == "steer" and NOTE in e.text for e in read_events(run.events("coder-1"))),
            30,
            screen,
        )

        # A task is seen running, then passed, on the task board.
        wait_for("a task running on screen", lambda: "running" in screen(), 90, screen)
        wait_for("a task passed on screen", lambda: "passed" in screen(), 120, screen)

        def coder_prompts() -> list[str]:
            if not request_log.exists():
                return []
            lines = [json.loads(line) for line in request_log.read_text().splitlines() if line.strip()]
            return [json.dumps(r.get("body")) for r in lines if r.get("crewmux", {}).get("agent") == "coder-1"]

        wait_for("a coder-1 prompt", lambda: bool(coder_prompts()), 60, screen)
        assert NOTE in coder_prompts()[0], "the steer note is not in coder-1's next prompt"

        # Add a coder from the keyboard while the run goes on.
        tmux(term, "send-keys", "-t", "term", "a")
        wait_for("coder-2 in run.json", lambda: any(a.name == "coder-2" for a in run.info().agents), 30, screen)
        wait_for(
            "coder-2 heartbeating",
            lambda: any(e.kind == "heartbeat" for e in read_events(run.events("coder-2"))),
            30,
            screen,
        )

        # Quit the dashboard: the team keeps running in its own tmux server.
        tmux(term, "send-keys", "-t", "term", "q")
        wait_for("the dashboard to exit", exit_file.exists, 30, screen)
        assert exit_file.read_text().strip() == "0"
        assert f"crewmux dashboard {run.run_id}" in screen()
        session = f"crewmux-{run.run_id}"
        assert session in tmux(team, "list-sessions", "-F", "#{session_name}").split()
        panes = tmux(team, "list-panes", "-s", "-t", f"={session}", "-F", "#{@crewmux_agent} #{pane_dead}").split("\n")
        alive = {line.split()[0] for line in panes if line.strip() and line.split()[0] and line.split()[-1] == "0"}
        assert {"coordinator", "coder-1"} <= alive, panes
        wait_for("the run to finish with the dashboard closed", lambda: run.info().status == "succeeded", 180)
    finally:
        server.stop()
