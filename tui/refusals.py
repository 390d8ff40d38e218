"""Why a dashboard key would do nothing, decided from what the dashboard already knows.

An agent or the coordinator refuses what it cannot do only in its own log; the user,
who saw a "sent" toast, would wait for nothing. Each function returns the sentence to
show instead of sending (``None``: send it). The rules mirror the receivers': the
coordinator retries only a failed, blocked or skipped task, skips only an unfinished
one, and only while building; nobody acts once the run is over.
"""

from __future__ import annotations

from crewmux.protocol.state import FINISHED
from crewmux.tui.team_view import TeamView

RETRYABLE = frozenset({"failed", "blocked", "skipped"})
GONE = frozenset({"dead", "stopped", "removed"})


def run_over(view: TeamView) -> str | None:
    if view.finished:
        return (f"run {view.run_id} is over ({view.run_status}): its team has exited, so nothing would act on it; "
                f"`crewmux logs {view.run_id}` shows what happened")
    return None


def agent_refusal(view: TeamView, action: str, agent: str, now: float) -> str | None:
    """pause, resume, restart or steer of one agent."""
    if (over := run_over(view)) is not None:
        return over
    shown = view.agents[agent].shown_status(now) if agent in view.agents else "unknown"
    if shown in GONE and not (action == "restart" and shown == "dead"):
        what = {"dead": "is dead (silent for a while)", "stopped": "has stopped", "removed": "was removed from the team"}[shown]
        hint = "; R restarts it" if shown == "dead" else ""
        return f"{agent} {what}: it would not read a {action}{hint}"
    if action == "pause" and shown == "paused":
        return f"{agent} is already paused; u resumes it"
    return None


def task_refusal(view: TeamView, action: str, task_id: str) -> str | None:
    """retry or skip of one task, as the coordinator would judge it."""
    if (over := run_over(view)) is not None:
        return over
    if view.phase != "building":
        return f"the team is {view.phase or 'starting'}, not building: tasks can be retried or skipped only while building"
    task = view.tasks.get(task_id)
    if task is None:
        return f"no task {task_id} in the plan"
    if action == "retry" and task.state not in RETRYABLE:
        return f"{task_id} is {task.state}: only a failed, blocked or skipped task can be retried"
    if action == "skip" and task.state in FINISHED:
        return f"{task_id} is already {task.state}: only an unfinished task can be skipped"
    return None


def team_refusal(view: TeamView, action: str, now: float) -> str | None:
    """add or remove a coder: the coordinator asks the runtime for it."""
    if (over := run_over(view)) is not None:
        return over
    coordinator = view.agents.get("coordinator")
    if coordinator is not None and coordinator.shown_status(now) in GONE:
        return f"the coordinator is {coordinator.shown_status(now)}: nobody would {action.replace('_', ' ')}"
    return None


def attach_refusal(view: TeamView, reason: str) -> str:
    """What to say when attaching failed: on a finished run, not "resume brings it back"
    (resume refuses a finished run)."""
    if view.finished:
        return (f"run {view.run_id} is over ({view.run_status}) and its tmux session is closed; "
                f"`crewmux logs {view.run_id} AGENT` shows an agent's log, `crewmux diff {view.run_id}` the work")
    return reason
