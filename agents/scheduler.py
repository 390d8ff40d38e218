"""What the coordinator does next: which task goes to which coder, and what a failure means.

Pure functions over ``RunState``; the coordinator does the I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from crewmux.config import Budgets
from crewmux.protocol.state import FINISHED, RunState, TaskRecord

ACTIVE = frozenset({"running", "in_review", "merging"})
SPLIT_REASON = "split into "  # a skipped task whose work moved to smaller tasks


def ready_tasks(state: RunState) -> list[str]:
    """Pending tasks whose dependencies have all passed, in plan order."""
    return [
        task.id
        for task in state.tasks.values()
        if task.status == "pending" and all(state.tasks[d].status == "passed" for d in task.depends_on if d in state.tasks)
    ]


def busy_coders(state: RunState) -> set[str]:
    return {t.assignee for t in state.tasks.values() if t.status == "running" and t.assignee}


def idle_coders(state: RunState) -> list[str]:
    busy = busy_coders(state)
    return [c for c in state.coders if c not in busy and c not in state.paused_agents]


def assignments(state: RunState) -> list[tuple[str, str]]:
    """(task, coder) pairs to dispatch now. A retry goes back to the coder that knows it."""
    idle = idle_coders(state)
    pairs: list[tuple[str, str]] = []
    for task_id in ready_tasks(state):
        if not idle:
            break
        task = state.tasks[task_id]
        previous = task.attempts[-1].coder if task.attempts else None
        coder = previous if previous in idle else idle[0]
        idle.remove(coder)
        pairs.append((task_id, coder))
    return pairs


@dataclass(frozen=True)
class FailureDecision:
    action: Literal["retry", "fail"]
    escalated: bool = False
    attempt: int = 0
    reason: str = ""


def after_failure(task: TaskRecord, budgets: Budgets) -> FailureDecision:
    """A task's latest attempt failed: try again (escalated after enough failures) or give up."""
    done = len(task.attempts)
    if done >= budgets.attempts_per_task:
        last = task.attempts[-1].findings.strip().splitlines()[:1] if task.attempts else []
        why = f": {last[0]}" if last else ""
        return FailureDecision("fail", attempt=done, reason=f"failed all {done} attempts{why}")
    return FailureDecision("retry", escalated=done >= budgets.escalate_after, attempt=done + 1)


def dependents_of(state: RunState, task_id: str) -> list[str]:
    """Every task depending on ``task_id``, directly or through others."""
    found: list[str] = []
    frontier = {task_id}
    while frontier:
        nxt = {t.id for t in state.tasks.values() if set(t.depends_on) & frontier and t.id not in found}
        found += sorted(nxt)
        frontier = nxt
    return found


def block_dependents(state: RunState, failed_id: str) -> list[str]:
    """Mark every unfinished task that depends (transitively) on ``failed_id`` blocked."""
    blocked: list[str] = []
    frontier = {failed_id}
    while frontier:
        nxt = set()
        for task in state.tasks.values():
            if task.status in FINISHED or task.status in ACTIVE:
                continue
            if set(task.depends_on) & frontier:
                task.status = "blocked"
                task.reason = f"blocked: depends on {failed_id}, which did not pass"
                blocked.append(task.id)
                nxt.add(task.id)
        frontier = nxt
    return blocked


def all_finished(state: RunState) -> bool:
    return bool(state.tasks) and all(t.status in FINISHED for t in state.tasks.values())


UNCHECKED_PREFIX = "NOT CHECKED"  # agents.qa.UNCHECKED: a verdict's findings when nothing could be checked


def verdict(state: RunState) -> tuple[Literal["succeeded", "partial", "failed"], str]:
    """The run's outcome once every task is finished."""
    tasks = [t for t in state.tasks.values() if not (t.status == "skipped" and t.reason.startswith(SPLIT_REASON))]
    passed = [t for t in tasks if t.status == "passed"]
    bad = [t for t in tasks if t.status != "passed"]
    # Accepted unchecked (a tool missing here): not the coder's failure, not a success either.
    unchecked = [t for t in passed if t.attempts and (t.attempts[-1].findings or "").startswith(UNCHECKED_PREFIX)]
    if not bad and unchecked:
        return "partial", (f"{len(passed)} of {len(tasks)} tasks passed, but {', '.join(t.id for t in unchecked)} could not be "
                           f"checked here: {unchecked[0].attempts[-1].findings[:300]}")
    if not bad:
        return "succeeded", f"all {len(tasks)} tasks passed"
    reasons = "; ".join(f"{t.id} {t.status}" + (f" ({t.reason})" if t.reason else "") for t in bad)
    if not passed:
        return "failed", f"no task passed: {reasons}"
    return "partial", f"{len(passed)} of {len(tasks)} tasks passed; {reasons}"


def after_split(depends_on: list[str], old_id: str, new_ids: list[str]) -> list[str]:
    """A task's dependencies once ``old_id`` is split into ``new_ids``: it waits for all of
    them instead (the plan's tasks and the run state's records both change this way)."""
    return [d for d in depends_on if d != old_id] + new_ids if old_id in depends_on else depends_on


def split(state: RunState, old_id: str, new: list[tuple[str, str, list[str]]]) -> None:
    """Replace a task by smaller ones (id, title, depends_on); its dependents wait for all of them."""
    old = state.tasks[old_id]
    new_ids = [task_id for task_id, _, _ in new]
    for task_id, title, depends_on in new:
        state.tasks[task_id] = TaskRecord(id=task_id, title=title, depends_on=depends_on)
    for task in state.tasks.values():
        task.depends_on = after_split(task.depends_on, old_id, new_ids)
    old.status = "skipped"
    old.assignee = None
    old.reason = SPLIT_REASON + ", ".join(new_ids)
