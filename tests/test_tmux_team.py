"""The real roles (coordinator, CTO, coders, QA) hosted in tmux panes by TeamRuntime,
against the scripted model server over HTTP: the headless end-to-end scenario, run
undisturbed and with the tmux server killed mid-run and the team resumed."""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path

import pytest

from crewmux.protocol.rundir import build_agents
from crewmux.config import load_config
from crewmux.protocol.rundir import RunDir
from crewmux.protocol.state import RunState
from crewmux.workspace import git
from crewmux.runtime.team import TeamRuntime
from crewmux.runtime.tmux import Tmux

sys.path.insert(0, str(Path(__file__).parent))  # the team's end-to-end helpers live beside this file
from test_team_e2e import SCRIPTS, Team  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]
BRIEF = "a CLI that counts the words of a file"


@pytest.fixture
def socket_name():
    name = f"crewmux-test-{uuid.uuid4().hex[:10]}"
    yield name
    Tmux(name).kill_server()
    assert not Tmux(name).is_alive(), f"tmux server {name} survived the test"


def start_team(project: Path, socket_name: str) -> tuple[TeamRuntime, RunDir]:
    config = load_config(project)
    git.ensure_repo(project)
    run = RunDir.create(project, BRIEF, build_agents(config.coders, 1), config=config.model_dump(mode="json"))
    runtime = TeamRuntime(socket_name)
    runtime.start(run)
    return runtime, run


def logs(run: RunDir) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(run.logs_dir.glob("*")))


def merged_files(project: Path, run: RunDir) -> dict[str, str]:
    """Every file on the run's branch with its content: the run's result."""
    names = git.git(project, "ls-tree", "-r", "--name-only", f"crewmux/{run.run_id}").stdout.split()
    return {name: git.git(project, "show", f"crewmux/{run.run_id}:{name}").stdout for name in names}


def passed_tasks(run: RunDir) -> list[str]:
    if not run.state_json.is_file():
        return []
    state = RunState.model_validate_json(run.state_json.read_bytes())
    return sorted(task_id for task_id, task in state.tasks.items() if task.status == "passed")


def test_the_real_team_runs_in_tmux_and_survives_a_killed_server(git_project: Path, tmp_path: Path, socket_name: str) -> None:
    with Team(git_project, SCRIPTS / "team_python_cli.toml", tmp_path):
        runtime, calm = start_team(git_project, socket_name)
        assert runtime.wait(calm, timeout=180) == "succeeded", logs(calm)
        expected = passed_tasks(calm)
        assert expected == ["t1", "t2", "t3"]
        result = merged_files(git_project, calm)
        assert "wordcount/cli.py" in result

    with Team(git_project, SCRIPTS / "team_python_cli.toml", tmp_path):
        runtime, hit = start_team(git_project, socket_name)
        assert runtime.wait(hit, timeout=0.1) is None
        deadline = time.monotonic() + 120
        while not passed_tasks(hit) and time.monotonic() < deadline:
            time.sleep(0.2)
        done_before = passed_tasks(hit)
        assert done_before and done_before != expected, "the run must be mid-way when the server dies"
        Tmux(socket_name).kill_server()
        runtime.resume(hit)
        assert runtime.wait(hit, timeout=180) == "succeeded", logs(hit)
        assert passed_tasks(hit) == expected
        assert merged_files(git_project, hit) == result
        assert runtime.session_exists(hit)
