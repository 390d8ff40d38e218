"""`crewmux run` where a new user first types it (issue 15): from a subdirectory of the
repository, in a directory that is not a git repository, beside a run still going, and on
a machine without tmux. Real runs of the scripted team, headless."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crewmux.protocol.rundir import RunDir, build_agents, list_runs

pytestmark = pytest.mark.timeout(240)
SERVER_VARIABLES = ("OLLAMA_HOST", "OPENAI_BASE_URL", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL")


def run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = env or {k: v for k, v in os.environ.items() if k not in SERVER_VARIABLES}
    try:
        return subprocess.run([sys.executable, "-m", "crewmux", "run", "--headless", "--scripted", *args, "a landing page"],
                              cwd=cwd, env=env, capture_output=True, text=True, timeout=220)
    finally:
        subprocess.run(["tmux", "-L", "crewmux", "kill-server"], capture_output=True, timeout=10)


def test_from_a_subdirectory_beside_a_running_run(git_project: Path) -> None:
    (git_project / ".git" / "info" / "exclude").write_text(".crewmux/\n")
    going = RunDir.create(git_project, "an earlier brief", build_agents(1, 1))
    going.update_info(status="running")
    sub = git_project / "src" / "app"
    sub.mkdir(parents=True)
    done = run(sub)
    out = done.stdout
    assert done.returncode in (0, 1), out + done.stderr
    assert f"note: {sub} is inside the git repository {git_project}" in out
    assert f"its runs live in {git_project / '.crewmux'}" in out
    assert f"1 other run(s) of this project are not finished ({going.run_id})" in out
    assert not (sub / ".crewmux").exists()
    assert len(list_runs(git_project)) == 2  # `crewmux ls` at the root sees it


def test_a_directory_that_is_not_a_repository_is_told_so(tmp_path: Path) -> None:
    project = tmp_path / "plain"
    project.mkdir()
    (project / "notes.txt").write_text("my notes\n")
    done = run(project)
    out = done.stdout
    assert done.returncode in (0, 1), out + done.stderr
    assert f"note: {project} was not a git repository: `git init` made one" in out
    assert "files already here are not part of it" in out
    assert (project / ".git").is_dir() and (project / "notes.txt").read_text() == "my notes\n"


def test_without_tmux_run_says_to_install_it_before_anything_starts(git_project: Path, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(subprocess.run(["sh", "-c", "command -v git"], capture_output=True, text=True).stdout.strip())
    env = {k: v for k, v in os.environ.items() if k not in SERVER_VARIABLES} | {"PATH": str(bin_dir)}
    done = subprocess.run([sys.executable, "-m", "crewmux", "run", "--headless", "--scripted", "x"], cwd=git_project, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "tmux is not installed" in done.stderr and "apt-get install tmux" in done.stderr
    assert "Traceback" not in done.stderr and "SCRIPTED MODEL" not in done.stdout
    assert list_runs(git_project) == []


def test_a_second_run_is_refused_while_another_is_at_work_unless_forced(git_project: Path, tmp_path: Path) -> None:
    from crewmux.protocol.events import EventLog

    going = RunDir.create(git_project, "an earlier brief", build_agents(1, 1))
    going.update_info(status="running")
    log = EventLog(going.events("coder-1"), "coder-1")
    log.emit("heartbeat", status="writing")
    log.close()
    env = {k: v for k, v in os.environ.items() if k not in SERVER_VARIABLES}
    done = subprocess.run([sys.executable, "-m", "crewmux", "run", "--headless", "--scripted", "x"], cwd=git_project, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"run {going.run_id} of this project is still going" in done.stderr and "--force" in done.stderr
    assert "SCRIPTED MODEL" not in done.stdout and len(list_runs(git_project)) == 1
    # --force passes that check: without tmux on PATH the next one stops it, so no team starts here.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(subprocess.run(["sh", "-c", "command -v git"], capture_output=True, text=True).stdout.strip())
    forced = subprocess.run([sys.executable, "-m", "crewmux", "run", "--headless", "--scripted", "--force", "x"], cwd=git_project,
                            env=env | {"PATH": str(bin_dir)}, capture_output=True, text=True, timeout=60)
    assert forced.returncode == 2 and "tmux is not installed" in forced.stderr and "still going" not in forced.stderr
