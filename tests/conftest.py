"""Fixtures shared by the whole suite. Tests never touch the user's tmux server."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

# Task data for the bench's own tests: a model's project, scored by the bench, not ours.
collect_ignore_glob = ["bench_fixtures/*"]


@pytest.fixture(autouse=True)
def _no_outer_tmux(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep every tmux a test starts on a private socket directory, never the user's."""
    monkeypatch.delenv("TMUX", raising=False)
    monkeypatch.delenv("TMUX_PANE", raising=False)
    monkeypatch.setenv("TMUX_TMPDIR", str(tmp_path_factory.mktemp("tmux")))


@pytest.fixture
def git_project(tmp_path: Path) -> Path:
    """A fresh git repository with one commit, as a user's project would be."""
    project = tmp_path / "project"
    project.mkdir()
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=project, check=True)
    (project / "README.md").write_text("# project\n")
    subprocess.run(["git", "add", "-A"], cwd=project, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "init"], cwd=project, check=True, env=env)
    return project


# --- sandbox ---

def processes_with(marker: str) -> list[int]:
    """Pids of live processes whose command line contains ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.fixture(name="processes_with")
def _processes_with_fixture():
    """The function above, for tests that assert every process they caused is gone."""
    return processes_with


# --- team ---
@pytest.fixture
def until_coordinator_hears():
    """Run an agent in-process until it sends the coordinator something; those messages.

    The agent is stopped the way the coordinator stops it (a control message)."""
    import threading
    import time

    from crewmux.protocol.mailbox import deliver
    from crewmux.protocol.messages import Control, parse_message

    def run(agent, timeout: float = 60.0) -> list:
        thread = threading.Thread(target=agent.run_forever)
        thread.start()
        deadline = time.monotonic() + timeout
        replies: list = []
        inbox = agent.run.mailbox("coordinator") / "new"
        while not replies and time.monotonic() < deadline:
            replies = [parse_message(p.read_bytes()) for p in sorted(inbox.glob("*.json"))]
            time.sleep(0.05)
        deliver(agent.run.mail_root, Control(run_id=agent.run_id, sender="coordinator", recipient=agent.name, action="stop"))
        thread.join(10)
        return replies

    return run
