"""The commands people expect (issue 15): version, logs, diff, clean, ls --json, one
project flag, and a description in every subcommand's --help."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from crewmux import __version__
from crewmux.protocol.rundir import build_agents
from crewmux.cli import build_parser
from crewmux.protocol.rundir import RunDir
from crewmux.workspace import git

pytestmark = pytest.mark.timeout(60)


def crewmux(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crewmux", *args], cwd=cwd, capture_output=True, text=True, timeout=30)


def finished_run(project: Path, status: str = "succeeded") -> RunDir:
    """A run as a team leaves it: its branch with the merged work, one branch and worktree
    per attempt, logs, and a final status."""
    run = RunDir.create(project, "a page", build_agents(1, 1))
    info = run.info()
    git.start_branch(project, info.branch)
    git.add_worktree(project, run.worktree("integration"), info.branch, branch=info.branch)
    (run.worktree("integration") / "index.html").write_text("<h1>bakery</h1>\n")
    git.commit_all(run.worktree("integration"), "t1: page")
    attempt = f"{info.branch}-t1-a1"
    git.git(project, "branch", attempt, info.branch)
    git.add_worktree(project, run.worktree("coder-1"), attempt, branch=attempt)
    run.log("coordinator").write_text("12:00:00 coordinator started\n12:00:09 run succeeded\n")
    run.log("coder-1").write_text("12:00:01 coder-1 (idle) started\n12:00:05 t1 attempt 1: committed\n")
    run.update_info(status=status, reason="all 1 tasks passed")
    return run


def test_version_is_a_command_too(tmp_path: Path) -> None:
    proc = crewmux("version", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == f"crewmux {__version__}"


def test_every_subcommand_has_a_description_and_the_same_project_flag() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in sub.choices.items():
        assert command.description, f"`crewmux {name} --help` has no description"
        assert "``" not in command.description, f"`crewmux {name} --help` shows RST backticks"
        flags = {s for action in command._actions for s in action.option_strings}
        if flags & {"--project", "--dir", "-C"}:
            assert {"-C", "--project"} <= flags, f"`crewmux {name}` names the project differently: {sorted(flags)}"


def test_ls_json(git_project: Path) -> None:
    run = finished_run(git_project)
    proc = crewmux("ls", "--json", "-C", str(git_project), cwd=git_project)
    assert proc.returncode == 0, proc.stderr
    (row,) = json.loads(proc.stdout)
    assert row["run_id"] == run.run_id and row["status"] == "succeeded" and row["branch"] == f"crewmux/{run.run_id}"
    assert row["agents"] == {"coordinator": False, "cto": False, "coder-1": False, "qa": False}
    empty = git_project.parent / "empty"
    empty.mkdir()
    assert json.loads(crewmux("ls", "--json", cwd=empty).stdout) == []


def test_logs_of_an_agent_and_of_the_run(git_project: Path) -> None:
    run = finished_run(git_project)
    proc = crewmux("logs", "coder-1", cwd=git_project)
    assert proc.returncode == 0 and "t1 attempt 1: committed" in proc.stdout, proc.stderr
    proc = crewmux("logs", run.run_id[:12], cwd=git_project)
    assert "coordinator, coder-1" in proc.stdout and "run succeeded" in proc.stdout
    proc = crewmux("logs", "-f", run.run_id, "coordinator", cwd=git_project)  # a finished run: follows to its end
    assert proc.returncode == 0 and "run succeeded" in proc.stdout
    proc = crewmux("logs", run.run_id, "coder-9", cwd=git_project)
    assert proc.returncode == 1 and "no agent 'coder-9'" in proc.stderr


def test_diff_shows_the_changed_lines(git_project: Path) -> None:
    finished_run(git_project)
    proc = crewmux("diff", cwd=git_project)
    assert proc.returncode == 0 and "+<h1>bakery</h1>" in proc.stdout, proc.stderr
    assert "index.html | 1 +" in crewmux("diff", "--stat", cwd=git_project).stdout


def test_clean_removes_worktrees_and_attempt_branches_and_keeps_the_result(git_project: Path) -> None:
    run = finished_run(git_project)
    running = RunDir.create(git_project, "still going", build_agents(1, 1))
    dry = crewmux("clean", "--dry-run", cwd=git_project)
    assert "would remove 2 worktree(s) and 1 branch(es)" in dry.stdout and f"skipped {running.run_id}: starting" in dry.stdout
    assert run.worktree("coder-1").is_dir()
    proc = crewmux("clean", cwd=git_project)
    assert proc.returncode == 0 and "cleaned 1 run(s)" in proc.stdout, proc.stdout + proc.stderr
    branches = git.git(git_project, "branch", "--format=%(refname:short)").stdout.split()
    assert f"crewmux/{run.run_id}" in branches and f"crewmux/{run.run_id}-t1-a1" not in branches
    assert not run.worktree("coder-1").exists() and not run.worktree("integration").exists()
    assert run.run_json.is_file() and run.log("coder-1").is_file()
    assert "/worktrees/" not in git.git(git_project, "worktree", "list").stdout


def test_stop_on_a_finished_run_gives_no_stale_advice(git_project: Path) -> None:
    run = finished_run(git_project)
    proc = crewmux("stop", run.run_id, cwd=git_project)
    assert proc.returncode == 0, proc.stderr
    assert "resume" not in proc.stdout and "had finished (succeeded)" in proc.stdout


def test_dashboard_without_run_prefers_the_one_still_running(git_project: Path) -> None:
    from crewmux.protocol.rundir import newest_unfinished_or_newest

    going = RunDir.create(git_project, "going", build_agents(1, 1), run_id="20260101-000000-going-aaaa")
    going.update_info(status="running")
    done = RunDir.create(git_project, "done", build_agents(1, 1), run_id="20260101-000100-done-bbbb")
    done.update_info(status="succeeded")
    assert newest_unfinished_or_newest(git_project).run_id == going.run_id
    going.update_info(status="stopped")
    assert newest_unfinished_or_newest(git_project).run_id == done.run_id
