"""Team mode: the whole crewmux team on the task's brief, headless, in a fresh git project
seeded with the stub. The hidden checks score the merged branch ``crewmux/<run-id>`` at the
end; a try is one whole run. Each task's first coder attempt (its commit in state.json) is
scored too, to count runs where the coder was right at once and the team still failed."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crewmux.benchmark.checks import Checker, write_tree
from crewmux.benchmark.episodes import Episode, episodes_from_run
from crewmux.benchmark.figures import TaskResult, TryRecord
from crewmux.benchmark.models import write_toml
from crewmux.benchmark.scoring import error_signature, feedback_text
from crewmux.benchmark.single import prompt
from crewmux.benchmark.suite import Task
from crewmux.protocol.rundir import RunDir, list_runs

GIT_ENV = {"GIT_AUTHOR_NAME": "crewmux bench", "GIT_AUTHOR_EMAIL": "bench@crewmux.invalid",
           "GIT_COMMITTER_NAME": "crewmux bench", "GIT_COMMITTER_EMAIL": "bench@crewmux.invalid"}
HARNESS_GRACE = 120.0  # seconds past the team's wall budget before the bench stops the run itself


def git(project: Path, *args: str, stdout_bytes: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=project, capture_output=True, text=not stdout_bytes,
                          env={**os.environ, **GIT_ENV}, timeout=120)


def stop_run(proc: subprocess.Popen) -> None:
    proc.terminate()  # crewmux run stops its agents on SIGTERM
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def seed_project(project: Path, files: dict[str, str]) -> None:
    project.mkdir(parents=True, exist_ok=True)
    write_tree(project, files)
    (project / ".gitignore").write_text(".crewmux/\n__pycache__/\n")
    for args in (("init", "-q", "-b", "main"), ("add", "-A"), ("commit", "-q", "--allow-empty", "-m", "the task's starting files")):
        done = git(project, *args)
        if done.returncode:
            raise RuntimeError(f"git {' '.join(args)} in {project} failed: {done.stderr.strip()}")


def export_commit(project: Path, ref: str, dest: Path) -> bool:
    """The tree of ``ref`` written out to ``dest``; False when there is no such commit."""
    done = git(project, "archive", "--format=tar", ref, stdout_bytes=True)
    if done.returncode:
        return False
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as archive:
        for member in archive.getmembers():
            try:
                archive.extract(member, dest, filter="data")  # no link or path out of dest
            except tarfile.FilterError:
                continue  # what the filter refuses stays out; the rest is scored as it is
    return True


def run_usage(run_dir: Path) -> dict[str, float]:
    """Tokens and cost of every model call of a run, from llm/*.jsonl."""
    usage = {"prompt_tokens": 0, "completion_tokens": 0, "cost": 0.0, "calls": 0}
    for log in (run_dir / "llm").glob("*.jsonl"):
        for line in log.read_text(errors="replace").splitlines():
            try:
                stats = json.loads(line).get("stats") or {}
            except ValueError:
                continue
            usage["calls"] += 1
            usage["prompt_tokens"] += int(stats.get("prompt_tokens", 0))
            usage["completion_tokens"] += int(stats.get("completion_tokens", 0))
            usage["cost"] += float(stats.get("cost", 0.0))
    return usage


def first_attempt_commits(state: dict[str, Any]) -> list[tuple[str, str]]:
    """(task id, commit) of each planned task's first coder attempt that committed."""
    found = []
    for task_id, record in (state.get("tasks") or {}).items():
        first = next((a for a in record.get("attempts", []) if a.get("attempt") == 1), None)
        if first and first.get("commit"):
            found.append((task_id, first["commit"]))
    return found


def team_figures(report: dict[str, Any]) -> dict[str, Any]:
    """What the team did inside one run, from its report.json."""
    tasks = report.get("tasks", [])
    attempts = sum(int(t.get("attempts", 0)) for t in tasks)
    return {
        "run_id": report.get("run_id", ""),
        "status": report.get("status", ""),
        "reason": report.get("reason", ""),
        "plan_tasks": report.get("tasks_total", len(tasks)),
        "plan_tasks_passed": report.get("tasks_passed", 0),
        "attempts": attempts,
        "retries": max(0, attempts - len(tasks)),
        "escalations": report.get("escalations", 0),
        "coder_replies": report.get("coder_replies", 0),
        "well_formed_reply_rate": report.get("well_formed_reply_rate"),
        "syntax_errors": report.get("syntax_errors", 0),
        "passed_on_try": report.get("passed_on_try", {}),
    }


@dataclass
class TeamRun:
    """One task in team mode, up to ``tries`` whole runs."""

    task: Task
    config: dict[str, Any]  # the crewmux.toml of every run
    checker: Checker
    model_label: str
    workdir: Path  # where the projects go (kept for a person to look into)
    tries: int = 1
    wall_seconds: float = 900.0
    suite: str = ""
    episodes: list[Episode] = field(default_factory=list)
    group: str = ""

    def run(self) -> TaskResult:
        result = TaskResult(task=self.task.id, model=self.model_label, mode="team", suite=self.suite,
                            category=self.task.category, language=self.task.language)
        files = {**self.task.support, **self.task.stub}
        feedback = ""
        replies = 0
        runs: list[dict[str, Any]] = []
        for number in range(1, self.tries + 1):
            record, figures, files = self._try(number, files, feedback)
            result.tries.append(record)
            runs.append(figures)
            replies += int(figures.get("coder_replies", 0))
            if figures.get("first_reply_passed_but_failed"):
                result.first_reply_passed_but_failed = True
            elif result.first_reply_passed_but_failed is None and "first_reply_passed_but_failed" in figures:
                result.first_reply_passed_but_failed = False
            if record.passed or record.failure == "infrastructure":
                break
            feedback = prompt("team_retry", output=feedback_text(record.output))
        result.team = {
            "runs": runs,
            "retries": sum(int(r.get("retries", 0)) for r in runs),
            "escalations": sum(int(r.get("escalations", 0)) for r in runs),
            "coder_replies": replies,
            "coder_replies_to_green": replies if result.passed else None,
        }
        return result

    def brief(self, feedback: str) -> str:
        existing = [f for f in self.task.files if f in self.task.stub]
        verb, them = ("exists", "it") if len(existing) == 1 else ("exist", "them")
        note = (f" ({', '.join(existing)} {verb} already: complete {them} and keep the names of the functions and "
                "classes in it, since tests call them)") if existing else ""
        text = prompt("team_brief", instructions=self.task.brief, file_list=", ".join(self.task.files),
                      language=self.task.language, existing=note)
        return text.rstrip() + feedback

    def _try(self, number: int, files: dict[str, str], feedback: str) -> tuple[TryRecord, dict[str, Any], dict[str, str]]:
        record = TryRecord(number=number)
        started = time.monotonic()
        project = self.workdir / f"try-{number}"
        if project.exists():
            shutil.rmtree(project)  # a resumed bench starts the try again from scratch
        seed_project(project, files)
        cfg = self.workdir / f"try-{number}.toml"
        write_toml(cfg, self.config)
        argv = [sys.executable, "-m", "crewmux", "run", "--headless", "--project", str(project), "--config", str(cfg),
                self.brief(feedback)]
        log = self.workdir / f"try-{number}.log"
        timed_out = False
        with open(log, "w") as out:
            proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
            try:
                proc.wait(timeout=self.wall_seconds + HARNESS_GRACE)
            except subprocess.TimeoutExpired:
                timed_out = True
                stop_run(proc)
            except BaseException:
                stop_run(proc)  # the bench was interrupted: leave no team running
                raise
        record.seconds = round(time.monotonic() - started, 2)
        runs = list_runs(project)
        if not runs:
            record.failure = "infrastructure"
            record.output = f"crewmux run made no run directory (exit {proc.returncode}); its output:\n" + log.read_text()[-3000:]
            return record, {}, files
        run = runs[-1]
        report = json.loads(run.report_json.read_text()) if run.report_json.is_file() else {}
        figures = team_figures(report)
        usage = run_usage(run.path)
        record.prompt_tokens, record.completion_tokens = int(usage["prompt_tokens"]), int(usage["completion_tokens"])
        record.cost = round(usage["cost"], 6)
        rate = report.get("well_formed_reply_rate")
        record.well_formed = rate is None or rate >= 1.0 or not report.get("coder_replies")
        self.episodes.extend(self._episodes(run, number))
        branch = run.info().branch
        with tempfile.TemporaryDirectory(prefix="crewmux-bench-team-") as scratch:
            tree = Path(scratch) / "final"
            if not export_commit(project, branch, tree):
                record.failure = "infrastructure"
                record.output = f"the run left no branch {branch} (status {report.get('status', '?')}): see {log}"
                return record, figures, files
            score = self.checker.score_tree(self.task, tree)
            next_files = {**files, **{f: (tree / f).read_text(errors="replace") for f in self.task.files if (tree / f).is_file()}}
            figures["first_reply_passed_but_failed"] = (not score.passed and self._first_reply_passed(project, run, Path(scratch)))
        record.passed, record.failure = score.passed, score.failure
        if not score.passed and record.failure == "test_failure" and "wall-time budget" in report.get("reason", ""):
            record.failure = "timeout"  # the team ran out of its own budget (coordinator's wording) before it finished
        if timed_out and not score.passed:
            record.failure = "infrastructure"
            score_output = f"the bench stopped the run after {self.wall_seconds + HARNESS_GRACE:.0f} s (harness timeout)\n"
        else:
            score_output = ""
        record.output = score_output + feedback_text(score.output, 200)
        record.signature = "" if score.passed else error_signature(score.output)
        return record, figures, next_files

    def _first_reply_passed(self, project: Path, run: RunDir, scratch: Path) -> bool:
        try:
            state = json.loads(run.state_json.read_text())
        except (OSError, ValueError):
            return False
        for task_id, commit in first_attempt_commits(state):
            tree = scratch / f"first-{task_id}"
            if export_commit(project, commit, tree) and self.checker.score_tree(self.task, tree).passed:
                return True
        return False

    def _episodes(self, run: RunDir, number: int) -> list[Episode]:
        found = episodes_from_run(run.path, self.model_label, group_prefix=f"{self.group}:try{number}")
        for e in found:
            e.source = "bench"
        return found

