"""The README's first command on a machine with no model server: `crewmux run` with no
crewmux.toml and no server variables picks the scripted model, says so, runs it as a
service in the run's tmux session, and the demo team finishes its work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crewmux.protocol.rundir import list_runs

pytestmark = pytest.mark.timeout(240)

SERVER_VARIABLES = ("OLLAMA_HOST", "OPENAI_BASE_URL", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL")


def test_no_model_server_means_the_scripted_demo_team(git_project: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in SERVER_VARIABLES}
    (git_project / ".git" / "info" / "exclude").write_text(".crewmux/\n")
    try:
        # --scripted: the same path as finding no server, without depending on whether
        # something answers on localhost:11434 on the machine running the tests.
        result = subprocess.run(
            [sys.executable, "-m", "crewmux", "run", "--headless", "--scripted", "a landing page for a bakery"],
            cwd=git_project, env=env, capture_output=True, text=True, timeout=220,
        )
    finally:
        subprocess.run(["tmux", "-L", "crewmux", "kill-server"], capture_output=True, env=env, timeout=10)
    out = result.stdout
    assert "SCRIPTED MODEL" in out and "ollama serve" in out, out
    assert result.returncode == 0, out + result.stderr
    assert "run succeeded: all 3 tasks passed" in out
    # Headless: one line per event that matters, then a summary (issue 15).
    assert "planned: 3 task(s)" in out and "t1 started: attempt 1 by coder-" in out, out
    assert out.count(" passed (merged ") == 3 and "failed QA" in out, out
    assert "summary: 3/3 tasks passed" in out, out
    run = list_runs(git_project)[-1]
    info = run.info()
    assert info.config["default"]["model"] == "crewmux-scripted-demo"
    launch = (run.path / "launch.json").read_text()
    assert "scripted-llm" in launch and "fake-llm" in launch
    # The scripted server was really asked, over HTTP, by the agents.
    assert run.llm_log("cto").read_text().count("\n") >= 1
    files = subprocess.run(["git", "ls-tree", "-r", "--name-only", info.branch], cwd=git_project, capture_output=True, text=True).stdout.split()
    assert {"index.html", "style.css", "form.js"} <= set(files)
    # Headless leaves no tmux server behind.
    gone = subprocess.run(["tmux", "-L", "crewmux", "list-sessions"], capture_output=True, env=env, timeout=10)
    assert gone.returncode != 0
