"""End to end: ``crewmux run --headless`` against scripted models, in a fresh git repository.

Real agent processes, real git, real sandboxed validators and Chromium; the only
stand-in is the model, served by ``crewmux fake-llm``'s server over real HTTP.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tomllib
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
    def __init__(self, project: Path, script: Path | dict, tmp_path: Path, pace: dict | None = None, **config) -> None:
        self.project = project
        self.fake = FakeLLMServer(script, request_log=tmp_path / "requests.jsonl", **(pace or {}))
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
    # Attempt 1: three replies failing the syntax check (then stuck); attempt 2: one good reply.
    assert (team.task("t2")["replies"], team.task("t2")["syntax_errors"]) == (4, 3)
    assert report["coder_replies"] == 6 and report["well_formed_reply_rate"] == 1.0 and report["syntax_errors"] == 3
    assert team.task("t3")["passed_on_try"] == 1
    files = team.branch_files()
    for path in ("wordcount/core.py", "wordcount/cli.py", "wordcount/__main__.py", "tests/test_core.py", "tests/test_cli.py"):
        assert path in files
    # t3's criterion names a command: QA ran it as that command instead of writing a test from it.
    verdicts = [e for e in read_events(team.rundir.events_dir / "qa.jsonl") if e.kind == "verdict" and e.task_id == "t3"]
    assert verdicts[-1].data["checks"]["criterion: python -m wordcount input.txt"] == "passed"
    assert "test_qa_t3.py" not in files
    assert "def main(argv: list[str]) -> int:" in team.show("wordcount/cli.py")
    # The merged branch really works: run the CLI from a checkout of it.
    checkout = tmp_path / "checkout"
    # The branch is free to check out (the run's own worktree let go of it at the end).
    git(git_project, "worktree", "add", "-q", str(checkout), f"crewmux/{team.rundir.run_id}")
    (checkout / "words.txt").write_text("the quick brown fox\n")
    out = subprocess.run([sys.executable, "-m", "wordcount", "words.txt"], cwd=checkout, capture_output=True, text=True)
    assert out.stdout.strip() == "4"
    md = team.rundir.report_md.read_text()
    assert "succeeded" in md and "| t2 command line | passed | 2 | 2 |" in md
    assert_user_branch_untouched(git_project)


def requests_of(tmp_path: Path) -> list[dict]:
    return [json.loads(line) for line in (tmp_path / "requests.jsonl").read_text().splitlines() if line.strip()]


def test_web_page_console_error_fixed_on_retry(git_project: Path, tmp_path: Path):
    with Team(git_project, SCRIPTS / "team_web_console_error.toml", tmp_path) as team:
        proc = team.run("a landing page for a bakery")
        assert proc.returncode == 0, team.logs()
    t1 = team.task("t1")
    assert t1["passed_on_try"] == 2, team.logs()
    first = t1["history"][0]
    assert first["verdict"] == "fail"
    assert "getElementByID is not a function" in first["findings"]
    assert "app.js:1" in first["findings"]  # the line that threw, with its code
    assert 'document.getElementById("hours")' in team.show("app.js")
    shots = sorted(p.name for p in team.rundir.artifacts_dir.glob("*.png"))
    assert shots == ["t1-a1-index.html.png", "t1-a2-index.html.png"]
    # The coder's second prompt carried QA's findings.
    second = [r for r in requests_of(tmp_path) if r["crewmux"]["role"] == "coder" and r["crewmux"]["attempt"] == "2"]
    assert second and "getElementByID is not a function" in json.dumps(second[0]["body"]["messages"])
    assert_user_branch_untouched(git_project)


def test_plan_with_a_cycle_is_asked_again(git_project: Path, tmp_path: Path):
    with Team(git_project, SCRIPTS / "team_plan_cycle.toml", tmp_path) as team:
        proc = team.run("a greeting library")
        assert proc.returncode == 0, team.logs()
    cto = [r for r in requests_of(tmp_path) if r["crewmux"]["role"] == "cto"]
    assert len(cto) == 2
    assert "t1 -> t2 -> t1" in json.dumps(cto[1]["body"]["messages"])
    rejected = [e for e in read_events(team.rundir.events("cto")) if e.kind == "error"]
    assert rejected and "cycle" in rejected[0].text
    plan = json.loads(team.rundir.plan_json.read_text())
    assert [t["id"] for t in plan["tasks"]] == ["t1"]
    assert team.report["status"] == "succeeded"
    assert "greet.py" in team.branch_files()


def test_task_that_never_passes_fails_blocks_and_run_is_partial(git_project: Path, tmp_path: Path):
    with Team(git_project, SCRIPTS / "team_never_passes.toml", tmp_path, attempts=3, escalate_after=2, escalation=True) as team:
        proc = team.run("a tiny maths package")
    assert proc.returncode == 1, team.logs()
    report = team.report
    assert report["status"] == "partial"
    t2, t3 = team.task("t2"), team.task("t3")
    assert t2["status"] == "failed" and t2["attempts"] == 3 and t2["escalations"] == 1
    assert [h["escalated"] for h in t2["history"]] == [False, False, True]
    assert t2["history"][2]["model"] == "fake-big:70b"
    assert "failed all 3 attempts" in t2["reason"]
    assert t3["status"] == "blocked" and "t2" in t3["reason"]
    assert team.task("t1")["status"] == "passed"
    assert "t2 failed" in report["reason"] and "t3 blocked" in report["reason"]
    info = json.loads(team.rundir.run_json.read_text())
    assert info["status"] == "partial" and "t2 failed" in info["reason"]
    md = team.rundir.report_md.read_text()
    assert "Verdict: partial" in md and "escalated" in md and "assert -1 == 3" in md
    # The escalated attempt really went to the escalation model.
    second = next(r for r in requests_of(tmp_path) if r["crewmux"]["task"] == "t2" and r["crewmux"]["attempt"] == "2")
    prompt = json.dumps(second["body"]["messages"])
    assert "Your previous attempt's files" in prompt and "return a - b" in prompt and "assert -1 == 3" in prompt
    models = {r["crewmux"]["attempt"]: r["body"]["model"] for r in requests_of(tmp_path) if r["crewmux"]["task"] == "t2"}
    assert models == {"1": "fake-coder:7b", "2": "fake-coder:7b", "3": "fake-big:70b"}
    files = team.branch_files()
    assert "consts.py" in files and "adder.py" not in files and "summer.py" not in files


def _busy_span(rundir, agent: str, task: str) -> tuple[float, float]:
    events = read_events(rundir.events(agent))
    start = next(e.ts for e in events if e.kind == "status" and e.task_id == task and e.status == "thinking")
    end = next(e.ts for e in events if e.kind == "message" and e.task_id == task and e.data.get("type") == "completion")
    return start, end


def test_two_independent_tasks_are_built_at_the_same_time(git_project: Path, tmp_path: Path):
    with Team(git_project, SCRIPTS / "team_parallel.toml", tmp_path, coders=2) as team:
        proc = team.run("two small modules")
        assert proc.returncode == 0, team.logs()
    owners = {t["id"]: t["history"][0]["coder"] for t in team.report["tasks"]}
    assert sorted(owners.values()) == ["coder-1", "coder-2"]
    (s1, e1), (s2, e2) = (_busy_span(team.rundir, owners[t], t) for t in ("t1", "t2"))
    assert e1 - s1 >= 1.0 and e2 - s2 >= 1.0  # each took its model's second
    overlap = min(e1, e2) - max(s1, s2)
    assert overlap > 0.5, (s1, e1, s2, e2)
    assert {"upper.py", "lower.py"} <= set(team.branch_files())


def test_merge_that_breaks_an_earlier_test_is_reverted_and_sent_back(git_project: Path, tmp_path: Path):
    with Team(git_project, SCRIPTS / "team_merge_breaks.toml", tmp_path, coders=2) as team:
        proc = team.run("maths helpers with a version")
        assert proc.returncode == 0, team.logs()
    t2 = team.task("t2")
    assert [h["verdict"] for h in t2["history"]] == ["reverted", "pass"], team.logs()
    assert "test_mathlib.py" in t2["history"][0]["findings"]
    merges = [e for e in read_events(team.rundir.events("coordinator")) if e.kind == "merge"]
    assert [(e.task_id, e.text) for e in merges] == [("t1", "merged"), ("t2", "reverted"), ("t2", "merged")]
    files = team.branch_files()
    assert "mathlib/__init__.py" not in files and {"mathlib.py", "version.py", "tests/test_version.py"} <= set(files)
    # The reverted merge left no trace on the branch: its history holds t1's merge, then t2's good one.
    log = git(git_project, "log", "--format=%s", "--first-parent", f"crewmux/{team.rundir.run_id}")
    assert "merge t2 attempt 1" not in log and "merge t2 attempt 2" in log


def test_demo_team_script(git_project: Path, tmp_path: Path):
    """The demo script (agents/demo/team.toml), at full speed: a page linking files later tasks make."""
    demo = Path(__file__).parent.parent / "agents" / "demo" / "team.toml"
    with Team(git_project, demo, tmp_path, pace={"tps": 0, "ttft": 0}) as team:
        proc = team.run("a landing page for a bakery with a contact form")
        assert proc.returncode == 0, team.logs()
    assert [(t["id"], t["passed_on_try"]) for t in team.report["tasks"]] == [("t1", 1), ("t2", 1), ("t3", 2)]
    assert "addEventListner is not a function" in team.task("t3")["history"][0]["findings"]
    assert {"index.html", "style.css", "form.js"} <= set(team.branch_files())


def agent_pid(rundir, name: str) -> int:
    """The pid of this run's agent ``name`` (found by its command line, which names the run)."""
    wanted = f"--run {rundir.path} --name {name}"
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if cmdline.rstrip().endswith(wanted):
                return int(entry.name)
    raise AssertionError(f"no process for {name}")


def test_a_killed_coordinator_resumes_and_the_run_still_succeeds(git_project: Path, tmp_path: Path):
    script = tomllib.loads((SCRIPTS / "team_parallel.toml").read_text())
    script["rules"] = [dict(rule, ttft=2.0) if rule["role"] == "coder" else rule for rule in script["rules"]]
    with Team(git_project, script, tmp_path, coders=2):
        proc = subprocess.Popen(
            [sys.executable, "-m", "crewmux", "run", "--headless", "--project", str(git_project), "two small modules"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        try:
            deadline = time.monotonic() + 30
            rundir = None
            while rundir is None and time.monotonic() < deadline:
                runs = list_runs(git_project)
                if runs and runs[-1].state_json.is_file() and '"building"' in runs[-1].state_json.read_text():
                    rundir = runs[-1]
                time.sleep(0.05)
            assert rundir is not None
            os.kill(agent_pid(rundir, "coordinator"), signal.SIGKILL)  # while both coders are busy
            out, _ = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.terminate()
                proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    log = rundir.log("coordinator").read_text()
    assert "resuming: phase building" in log
    report = json.loads(rundir.report_json.read_text())
    assert report["status"] == "succeeded" and report["tasks_passed"] == 2
    assert [t["attempts"] for t in report["tasks"]] == [1, 1]  # nothing was built twice
    assert {"upper.py", "lower.py"} <= set(git(git_project, "ls-tree", "-r", "--name-only", f"crewmux/{rundir.run_id}").split())
