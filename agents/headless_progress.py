"""What ``crewmux run --headless`` prints while the team works: one line per event that
matters (planned, a task started, failed QA, passed and merged, given up), from two
snapshots of ``state.json``, and the summary at the end. Pure: the caller reads the files."""

from __future__ import annotations

from crewmux.protocol.state import RunState


def _first_line(text: str, limit: int = 100) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 3] + "..."


def progress_lines(before: RunState | None, after: RunState) -> list[str]:
    """The events between ``before`` (None: nothing seen yet) and ``after``."""
    lines: list[str] = []
    old_tasks = before.tasks if before is not None else {}
    if after.tasks and not old_tasks:
        lines.append(f"planned: {len(after.tasks)} task(s): " + ", ".join(f"{t.id} {t.title}" for t in after.tasks.values()))
    for task in after.tasks.values():
        old = old_tasks.get(task.id)
        seen = old.attempts if old is not None else []
        for number, attempt in enumerate(task.attempts):
            was = seen[number] if number < len(seen) else None
            if was is None:
                rung = f", {attempt.rung}" if attempt.rung and attempt.rung != "first" else ""
                model = f" on {attempt.model}" if attempt.model else ""
                lines.append(f"{task.id} started: attempt {attempt.attempt} by {attempt.coder}{model}{rung}")
            if attempt.verdict in ("fail", "error", "conflict", "reverted") and (was is None or was.verdict != attempt.verdict):
                what = {"fail": "failed QA", "error": "failed", "conflict": "did not merge (conflict)", "reverted": "merged, then reverted"}
                finding = _first_line(attempt.findings)
                lines.append(f"{task.id} attempt {attempt.attempt} {what[attempt.verdict]}" + (f": {finding}" if finding else ""))
        status = old.status if old is not None else "pending"
        if task.status != status:
            if task.status == "passed":
                merged = f" (merged {task.merged_commit[:10]})" if task.merged_commit else ""
                lines.append(f"{task.id} passed{merged}")
            elif task.status in ("failed", "blocked", "skipped"):
                why = _first_line(task.reason)
                lines.append(f"{task.id} {task.status}" + (f": {why}" if why else ""))
    if before is not None and after.phase != before.phase and after.phase == "integrating":
        lines.append("integrating: the full test suite and the build on the run branch")
    return lines


def summary_line(state: RunState | None, seconds: float) -> str:
    """One line: tasks passed of all, attempts, tokens, time."""
    if state is None or not state.tasks:
        return f"summary: no plan was made; {seconds:.0f} s"
    tasks = list(state.tasks.values())
    passed = sum(t.status == "passed" for t in tasks)
    attempts = sum(len(t.attempts) for t in tasks)
    others = {s: sum(t.status == s for t in tasks) for s in ("failed", "blocked", "skipped")}
    rest = "".join(f", {n} {s}" for s, n in others.items() if n)
    return (f"summary: {passed}/{len(tasks)} tasks passed{rest}; {attempts} attempt(s); "
            f"{state.tokens:,} tokens; {seconds:.0f} s")
