"""``state.json``: the coordinator's view of every task, read by the dashboard and reports.

Only the coordinator writes it, replacing it atomically after every change.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

TaskStatus = Literal["pending", "running", "in_review", "merging", "passed", "failed", "blocked", "skipped"]
FINISHED: frozenset[str] = frozenset({"passed", "failed", "blocked", "skipped"})


class AttemptRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attempt: int
    coder: str
    escalated: bool = False
    rung: str = Field(default="", description="The escalation ladder's rung: first, retry, think, best_of_n, bigger_model; "
                                           "kept: an earlier attempt that failed only soft checks, merged at the end")
    model: str = ""
    started_at: float = 0.0
    finished_at: float | None = None
    commit: str | None = Field(default=None, description="The coder's commit (best_of_n: the candidate QA kept)")
    candidates: list[str] = Field(default_factory=list, description="best_of_n: every candidate commit, in order")
    verdict: Literal["pass", "fail", "error", "conflict", "reverted"] | None = None
    soft_commit: str | None = Field(default=None, description="QA's commit of an attempt that failed only checks on input QA "
                                                            "made up: merged when the task runs out of attempts")
    findings: str = ""
    tokens: int = 0
    seconds: float = 0.0
    tps: float | None = None


class TaskRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    depends_on: list[str] = Field(default_factory=list)
    status: TaskStatus = "pending"
    assignee: str | None = None
    reviewer: str | None = None
    attempts: list[AttemptRecord] = Field(default_factory=list)
    reason: str = ""
    merged_commit: str | None = None


class RunState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: str
    phase: Literal["planning", "building", "integrating", "finished"] = "planning"
    tasks: dict[str, TaskRecord] = Field(default_factory=dict)
    coders: list[str] = Field(default_factory=list)
    paused_agents: list[str] = Field(default_factory=list)
    handled: list[str] = Field(default_factory=list, description="Recent message ids already acted on")
    tokens: int = 0
    updated_at: float = 0.0
    started_at: float = 0.0
    plan_requests: int = Field(default=0, description="Plan requests sent to the CTO (re-plans included)")
    splits: dict[str, list[str]] = Field(default_factory=dict, description="Task split by the CTO -> the tasks replacing it")
