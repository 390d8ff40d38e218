"""The run's report: ``report.json`` for tools, ``report.md`` for people.

Per task: attempts, the try it passed on, escalations, tokens, seconds, tokens/s and
why it failed or was blocked. For the run: totals, pass on try 1/2/3, the verdict and its
reason, its cost in dollars for priced models, and where the work is: the branch, the files
it changed and how to look at it and take it. Tokens, speeds and costs come from the
agents' ``llm`` events; the rest from state.json and git.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from crewmux.protocol.events import Event, read_events
from crewmux.protocol.fsutil import atomic_write, atomic_write_json
from crewmux.protocol.rundir import RunDir
from crewmux.protocol.state import RunState
from crewmux.workspace import git


@dataclass
class Usage:
    tokens: int = 0
    completion_tokens: int = 0
    generation_seconds: float = 0.0
    calls: int = 0
    cost: float = 0.0  # dollars: the exchanges of models with a price in crewmux.toml

    def add(self, event: Event) -> None:
        self.calls += 1
        self.cost += float(event.data.get("cost", 0.0) or 0.0)
        self.tokens += event.tokens or 0
        completion = int(event.data.get("completion_tokens", 0))
        self.completion_tokens += completion
        if event.tps:
            self.generation_seconds += completion / event.tps

    @property
    def tps(self) -> float | None:
        return round(self.completion_tokens / self.generation_seconds, 2) if self.generation_seconds else None


@dataclass
class AttemptLine:
    attempt: int
    coder: str
    escalated: bool
    model: str
    verdict: str | None
    seconds: float
    tokens: int
    tps: float | None
    findings: str
    rung: str = ""  # the escalation ladder's rung: first, retry, think, best_of_n, bigger_model
    commit: str | None = None  # the coder's commit of this attempt (best_of_n: the candidate kept or judged last)
    candidates: list[str] = field(default_factory=list)  # best_of_n: every candidate commit


@dataclass
class TaskLine:
    id: str
    title: str
    status: str
    attempts: int
    passed_on_try: int | None
    escalations: int
    tokens: int
    seconds: float
    tps: float | None
    reason: str
    replies: int = 0
    malformed_replies: int = 0
    syntax_errors: int = 0
    history: list[AttemptLine] = field(default_factory=list)


@dataclass
class Replies:
    """A coder's replies for one task: how many, how many unusable as sent, how many failing the syntax check."""

    replies: int = 0
    malformed: int = 0
    syntax: int = 0


def usage_by_attempt(events_dir: Path) -> tuple[dict[tuple[str, int], Usage], Usage, dict[str, Replies]]:
    """LLM usage per (task, attempt) across all agents, for the whole run, and coder replies per task."""
    per: dict[tuple[str, int], Usage] = {}
    total = Usage()
    replies: dict[str, Replies] = {}
    for path in sorted(events_dir.glob("*.jsonl")):
        for event in read_events(path):
            if event.kind == "error" and event.task_id and event.data.get("reply") in ("malformed", "syntax"):
                counts = replies.setdefault(event.task_id, Replies())
                if event.data["reply"] == "malformed":
                    counts.malformed += 1
                else:
                    counts.syntax += 1
            if event.kind != "llm":
                continue
            total.add(event)
            if event.task_id:
                per.setdefault((event.task_id, event.attempt or 0), Usage()).add(event)
                if event.data.get("role") == "coder":
                    replies.setdefault(event.task_id, Replies()).replies += 1
    return per, total, replies


def branch_files(project: Path, branch: str) -> list[str]:
    """The files the run branch changed since it left the project's HEAD (none when git
    cannot say: no branch yet, no repository)."""
    try:
        done = git.git(project, "diff", "--name-only", f"HEAD...{branch}", check=False, timeout=30)
    except (OSError, subprocess.SubprocessError, git.GitError):
        return []
    return done.stdout.split("\n")[:-1] if done.returncode == 0 else []


def build_report(run: RunDir, state: RunState, status: str, reason: str, checks: list[dict], started: float,
                 finished: float | None = None) -> dict:
    finished = finished or time.time()
    per, total, replies = usage_by_attempt(run.events_dir)
    tasks: list[TaskLine] = []
    for record in state.tasks.values():
        history = []
        task_usage = Usage()
        for a in record.attempts:
            usage = per.get((record.id, a.attempt), Usage())
            task_usage.tokens += usage.tokens
            task_usage.completion_tokens += usage.completion_tokens
            task_usage.generation_seconds += usage.generation_seconds
            seconds = round((a.finished_at or finished) - a.started_at, 2) if a.started_at else 0.0
            history.append(AttemptLine(a.attempt, a.coder, a.escalated, a.model, a.verdict, seconds, usage.tokens or a.tokens,
                                       usage.tps, a.findings[:1500], a.rung, a.commit, list(a.candidates)))
        passed_on = next((a.attempt for a in record.attempts if a.verdict == "pass"), None) if record.status == "passed" else None
        tasks.append(TaskLine(
            id=record.id, title=record.title, status=record.status, attempts=len(record.attempts), passed_on_try=passed_on,
            escalations=sum(1 for a in record.attempts if a.escalated), tokens=task_usage.tokens,
            seconds=round(sum(h.seconds for h in history), 2), tps=task_usage.tps, reason=record.reason,
            replies=replies.get(record.id, Replies()).replies, malformed_replies=replies.get(record.id, Replies()).malformed,
            syntax_errors=replies.get(record.id, Replies()).syntax, history=history,
        ))
    passed = [t for t in tasks if t.status == "passed"]
    by_try: dict[str, int] = {}
    for t in passed:
        by_try[str(t.passed_on_try)] = by_try.get(str(t.passed_on_try), 0) + 1
    try:
        info = run.info()
        project, branch = Path(info.project_dir), info.branch
    except (OSError, ValueError):
        project, branch = run.project_dir, f"crewmux/{state.run_id}"
    return {
        "run_id": state.run_id,
        "status": status,
        "reason": reason,
        "project_dir": str(project),
        "branch": branch,
        "files_changed": branch_files(project, branch),
        "seconds": round(finished - started, 2),
        "tasks_total": len(tasks),
        "tasks_passed": len(passed),
        "tasks_failed": sum(1 for t in tasks if t.status == "failed"),
        "tasks_blocked": sum(1 for t in tasks if t.status == "blocked"),
        "passed_on_try": by_try,
        "escalations": sum(t.escalations for t in tasks),
        "coder_replies": sum(t.replies for t in tasks),
        "well_formed_reply_rate": round(1 - sum(t.malformed_replies for t in tasks) / max(1, sum(t.replies for t in tasks)), 3),
        "syntax_errors": sum(t.syntax_errors for t in tasks),
        "tokens": total.tokens,
        "llm_calls": total.calls,
        "tps": total.tps,
        "cost_usd": round(total.cost, 4) if total.cost else None,
        "final_checks": checks,
        "tasks": [asdict(t) for t in tasks],
    }


def render_markdown(report: dict) -> str:
    lines = [
        f"# crewmux run {report['run_id']}",
        "",
        f"**Verdict: {report['status']}** — {report['reason']}",
        "",
        f"- tasks: {report['tasks_passed']} passed, {report['tasks_failed']} failed, {report['tasks_blocked']} blocked, of {report['tasks_total']}",
        "- passed on try: " + (", ".join(f"{k}: {v}" for k, v in sorted(report["passed_on_try"].items())) or "none"),
        f"- escalations: {report['escalations']}",
        f"- coder replies: {report['coder_replies']}, well-formed {report['well_formed_reply_rate']:.0%}, "
        f"failing the syntax check {report['syntax_errors']}",
        f"- tokens: {report['tokens']} in {report['llm_calls']} LLM calls" + (f", {report['tps']} tokens/s" if report["tps"] else ""),
        *([f"- cost: ${report['cost_usd']:.4f} (models priced in crewmux.toml)"] if report.get("cost_usd") else []),
        f"- wall time: {report['seconds']} s",
        "",
        *work_section(report),
        "",
        "| task | status | attempts | passed on try | escalations | tokens | seconds | tokens/s | replies (syntax errors) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for t in report["tasks"]:
        lines.append(
            f"| {t['id']} {t['title']} | {t['status']} | {t['attempts']} | {t['passed_on_try'] or '-'} | {t['escalations']} "
            f"| {t['tokens']} | {t['seconds']} | {t['tps'] or '-'} | {t['replies']} ({t['syntax_errors']}) |"
        )
    problems = [t for t in report["tasks"] if t["status"] != "passed" or t["attempts"] > 1]
    if problems:
        lines += ["", "## Tasks that needed more than one try or did not pass", ""]
        for t in problems:
            lines.append(f"### {t['id']} {t['title']}: {t['status']}" + (f" — {t['reason']}" if t["reason"] else ""))
            for h in t["history"]:
                esc = ", escalated" if h["escalated"] else ""
                rung = f", rung {h['rung']}" if h.get("rung") else ""
                lines.append(f"- attempt {h['attempt']} ({h['coder']}, {h['model']}{rung}{esc}): {h['verdict'] or 'unfinished'}")
                if h["findings"] and h["verdict"] != "pass":
                    lines += ["  ```", *("  " + line for line in h["findings"].splitlines()[:20]), "  ```"]
    if report["final_checks"]:
        lines += ["", "## Final checks of the merged branch", ""]
        lines += [f"- {c['name']}: {c['status']}" + (f" — {c['detail'].splitlines()[0]}" if c.get("detail") else "") for c in report["final_checks"]]
    return "\n".join(lines) + "\n"


def work_section(report: dict) -> list[str]:
    """Where the work is and how to take it: what a user asks first after the verdict."""
    branch, run_id = report.get("branch"), report["run_id"]
    if not branch:
        return []
    files = report.get("files_changed") or []
    shown = ", ".join(f"`{f}`" for f in files[:30]) + (f" and {len(files) - 30} more" if len(files) > 30 else "")
    return [
        "## The work",
        "",
        f"- branch: `{branch}` in {report.get('project_dir', 'the project')}",
        f"- files changed ({len(files)}): {shown}" if files else "- files changed: none (nothing was merged)",
        f"- look at it: `crewmux diff {run_id}` (or `git diff HEAD...{branch}`)",
        f"- try it: `git switch {branch}` (back: `git switch -`)",
        f"- take it: `git merge {branch}` on your branch",
    ]


def write_report(run: RunDir, report: dict) -> None:
    atomic_write_json(run.report_json, report)
    atomic_write(run.report_md, render_markdown(report).encode())
