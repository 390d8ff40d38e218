"""What agent panes are started with: command lines, environment, launch.json."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from crewmux.protocol.rundir import AgentSpec, RunDir
from crewmux.runtime.team_launch import LaunchError, LaunchInfo, agent_argv, load_launch, pane_title, save_launch, team_env


def test_team_env_passes_what_panes_need_and_nothing_else() -> None:
    env = team_env({"PYTHONPATH": "/a:/b", "PATH": "/bin", "OLLAMA_HOST": "http://gpu:11434", "OPENAI_API_KEY": "k", "SECRET_TOKEN": "x", "TMUX": "/tmp/s,1,0"})
    # Keys are not passed (ps would show them): they go to the run's secrets.json.
    assert env == {"PYTHONPATH": "/a:/b", "PATH": "/bin", "OLLAMA_HOST": "http://gpu:11434", "PYTHONUNBUFFERED": "1"}
    # The caller's model cache and engine choice reach the panes (a tmux server started
    # by someone else would give them its own).
    chosen = team_env({"XDG_CACHE_HOME": "/c", "CREWMUX_ENGINE": "llama-cpp-python", "CREWMUX_ENGINE_KEY": "k"})
    assert chosen == {"XDG_CACHE_HOME": "/c", "CREWMUX_ENGINE": "llama-cpp-python", "PYTHONUNBUFFERED": "1"}


def test_agent_command_lines_follow_launch_json(git_project: Path) -> None:
    run = RunDir.create(git_project, "x", [AgentSpec(name="coder-1", role="coder")])
    spec = AgentSpec(name="coder-1", role="coder")
    assert load_launch(run) == LaunchInfo()
    assert agent_argv(run, spec, load_launch(run)) == [sys.executable, "-m", "crewmux.agents", "coder", "--run", str(run.path), "--name", "coder-1"]
    save_launch(run, LaunchInfo(roles={"coder": "mypkg.roles:FastCoder"}, check_interval=0.5))
    assert agent_argv(run, spec, load_launch(run))[3] == "mypkg.roles:FastCoder"
    assert pane_title(spec) == "coder-1 (coder)"
    (run.path / "launch.json").write_text('{"roles": 3}')
    with pytest.raises(LaunchError, match="delete it to use the built-in roles"):
        load_launch(run)
