"""End to end: ``crewmux run --headless`` against scripted models, in a fresh git repository.

Real agent processes, real git, real sandboxed validators and Chromium; the only
stand-in is the model, served by ``crewmux fake-llm``'s server over real HTTP.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crewmux.agents.llm.fake_server import FakeLLMServer
from crewmux.protocol.events import read_events
from crewmux.protocol.rundir import list_runs

SCRIPTS = Path(__file__).parent / "scripts"
pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


def git(project: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, check=True).stdout


def write_config(project: Path, url: str, *, coders: int = 2, attempts: int = 3, escalate_after: int = 2, escalation: bool = False) -> None:
    text = f"""coders = {coders}

[default]
provider = "ollama"
model = "fake-coder:7b"
base_urls = ["{url}"]
timeout_first_token = 60

[budgets]
attempts_per_task = {attempts}
escalate_after = {escalate_after}
wall_seconds = 200
"""
    if escalation:
        text += f"""
[escalation]
provider = "ollama"
model = "fake-big:70b"
base_urls = ["{url}"]
"""
    (project / "crewmux.toml").write_text(text)


class Team:
    def __init__(self, project: Path, script: Path | dict, tmp_path: Path, **config) -> None:
        self.project = project
        self.fake = FakeLLMServer(script, request_log=tmp_path / "requests.jsonl")
        self.config = config

    def __enter__(self) -> "Team":
        write_config(self.project, self.fake.start(), **self.config)
        return self

    def __exit__(self, *exc) -> None:
        self.fake.stop()

    def run(self, brief: str, *extra: str, timeout: float = 180) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crewmux", "run", "--headless", "--project", str(self.project), *extra, brief],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.terminate()  # crewmux run stops its agents on SIGTERM
            out, _ = proc.communicate(timeout=30)
        runs = list_runs(self.project)
        assert runs, out
        self.rundir = runs[-1]
        self.report = json.loads(self.rundir.report_json.read_text()) if self.rundir.report_json.is_file() else None
        self.output = out
        return proc

    def task(self, task_id: str) -> dict:
        assert self.report is not None, self.logs()
        return next(t for t in self.report["tasks"] if t["id"] == task_id)

    def logs(self) -> str:
        parts = [self.output]
        for log in sorted(self.rundir.logs_dir.glob("*")):
            parts.append(f"----- {log.name}\n{log.read_text(errors='replace')[-4000:]}")
        return "\n".join(parts)

    def branch_files(self) -> list[str]:
        return git(self.project, "ls-tree", "-r", "--name-only", f"crewmux/{self.rundir.run_id}").split()

    def show(self, path: str) -> str:
        return git(self.project, "show", f"crewmux/{self.rundir.run_id}:{path}")


def assert_user_branch_untouched(project: Path) -> None:
    assert git(project, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    assert git(project, "log", "--format=%s", "main").split("\n")[0] == "init"
    assert git(project, "status", "--porcelain", "--untracked-files=no").strip() == ""


def test_python_cli_syntax_error_fixed_on_try_two(git_project: Path, tmp_path: Path):
    with Team(git_project, SCRIPTS / "team_python_cli.toml", tmp_path) as team:
        proc = team.run("a CLI that counts the words of a file")
        assert proc.returncode == 0, team.logs()
    report = team.report
    assert report["status"] == "succeeded" and report["tasks_passed"] == 3, team.logs()
    assert team.task("t1")["passed_on_try"] == 1
    assert team.task("t2")["passed_on_try"] == 2
    assert "SyntaxError" in team.task("t2")["history"][0]["findings"]
    assert team.task("t3")["passed_on_try"] == 1
    files = team.branch_files()
    for path in ("wordcount/core.py", "wordcount/cli.py", "wordcount/__main__.py", "tests/test_core.py", "tests/test_cli.py", "test_qa_t3.py"):
        assert path in files
    assert "def main(argv: list[str]) -> int:" in team.show("wordcount/cli.py")
    # The merged branch really works: run the CLI from a checkout of it.
    checkout = tmp_path / "checkout"
    git(git_project, "worktree", "add", "-q", "--detach", str(checkout), f"crewmux/{team.rundir.run_id}")
    (checkout / "words.txt").write_text("the quick brown fox\n")
    out = subprocess.run([sys.executable, "-m", "wordcount", "words.txt"], cwd=checkout, capture_output=True, text=True)
    assert out.stdout.strip() == "4"
    md = team.rundir.report_md.read_text()
    assert "succeeded" in md and "| t2 command line | passed | 2 | 2 |" in md
    assert_user_branch_untouched(git_project)
