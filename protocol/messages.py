"""Every message agents exchange, as pydantic models.

One JSON file per message. The envelope is common; ``type`` selects the payload model
(a discriminated union), so a reader validates a file with one call to
:func:`parse_message`. The JSON Schemas in ``protocol/schemas/`` are generated from
these models (``crewmux schema --out DIR``) and a test keeps them in sync.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Union, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from crewmux.protocol.ids import new_id, utcnow
from crewmux.protocol.plan import Contract, Plan, PlanTask

AGENT_NAME_PATTERN = r"^[a-z][a-z0-9-]{0,31}$"


class Envelope(BaseModel):
    """Fields every message carries."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(default_factory=new_id, pattern=r"^[0-9a-f]{16}-[0-9a-f]{10}$")
    run_id: str = Field(min_length=1, max_length=120)
    sender: str = Field(pattern=AGENT_NAME_PATTERN)
    recipient: str = Field(pattern=AGENT_NAME_PATTERN)
    created_at: datetime = Field(default_factory=utcnow)
    task_id: str | None = None
    reply_to: str | None = None


RungName = Literal["first", "retry", "think", "best_of_n", "bigger_model"]


class Rung(BaseModel):
    """Which rung of the escalation ladder an attempt stands on, and what that changes."""

    model_config = ConfigDict(extra="forbid")

    name: RungName = "first"
    model: str = Field(default="", description="The model this attempt uses (empty: the role's model)")
    provider: str = Field(default="", description="Its provider, when it is not the role's")
    think: bool | None = Field(default=None, description="Thinking on/off for this attempt (None: the model's config)")
    temperatures: list[float] = Field(default_factory=list, description="best_of_n: one candidate per temperature")


class TaskAssignment(Envelope):
    """Coordinator -> coder: build (or rebuild) one task."""

    type: Literal["task_assignment"] = "task_assignment"
    task: PlanTask
    attempt: int = Field(ge=1)
    branch: str = Field(description="Branch of the coder's worktree to commit on")
    base_ref: str = Field(description="Commit the worktree starts from (the merged work so far)")
    feedback: str = Field(default="", description="QA findings or errors from the previous attempt")
    context: str = Field(default="", description="Signatures of the files this task's dependencies made")
    escalated: bool = Field(default=False, description="Use the escalation model for this attempt")
    previous_commit: str | None = Field(default=None, description="The previous attempt's commit: its files are shown on a retry")
    rung: Rung = Field(default_factory=Rung, description="The escalation ladder's rung this attempt stands on")
    dependency_contracts: dict[str, Contract] = Field(default_factory=dict, description="Task id -> the contract of a task this one depends on")


class ProgressUpdate(Envelope):
    type: Literal["progress_update"] = "progress_update"
    status: str
    detail: str = ""


class Completion(Envelope):
    """Coder -> coordinator: the task is built and committed."""

    type: Literal["completion"] = "completion"
    attempt: int = Field(ge=1)
    commit: str = Field(description="Commit on the coder's branch holding the work")
    files: list[str] = Field(default_factory=list)
    summary: str = ""
    tokens: int = 0
    seconds: float = 0.0
    candidates: list[str] = Field(default_factory=list, description="best_of_n: more candidate commits, in order, to check after `commit`")


class ErrorReport(Envelope):
    """Any agent -> coordinator: something went wrong that it could not fix itself."""

    type: Literal["error_report"] = "error_report"
    kind: Literal["stuck", "llm", "write_refused", "invalid_reply", "git", "internal", "plan"] = "internal"
    error: str
    attempt: int = 0
    recoverable: bool = True


class PlanRequest(Envelope):
    """Coordinator -> CTO: plan a brief, re-plan after a rejected plan, or split a task."""

    type: Literal["plan_request"] = "plan_request"
    brief: str
    feedback: str = Field(default="", description="Why the previous plan was rejected")
    split_task: PlanTask | None = Field(default=None, description="A task that keeps failing, to split")


class PlanMessage(Envelope):
    """CTO -> coordinator: the plan."""

    type: Literal["plan"] = "plan"
    plan: Plan
    tokens: int = 0


class ReviewRequest(Envelope):
    """Coordinator -> QA: check a completed task."""

    type: Literal["review_request"] = "review_request"
    task: PlanTask
    attempt: int = Field(ge=1)
    commit: str
    files: list[str] = Field(default_factory=list)
    candidates: list[str] = Field(default_factory=list, description="best_of_n: more commits to check in order; the first that passes is kept")


class Check(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    status: Literal["passed", "failed", "not_checked"]
    detail: str = ""


class ReviewResult(Envelope):
    """QA -> coordinator: the verdict on one attempt."""

    type: Literal["review_result"] = "review_result"
    attempt: int = Field(ge=1)
    commit: str
    verdict: Literal["pass", "fail"]
    checks: list[Check] = Field(default_factory=list)
    findings: str = Field(default="", description="Short (about 50 lines) with the code around each error")
    candidate: str | None = Field(default=None, description="The coder's commit judged (best_of_n: the one kept)")
    dropped_tests: list[str] = Field(default_factory=list, description="QA's own tests dropped as the test's fault, each with why")
    soft: bool = Field(default=False, description="Failed only checks on input QA made up (a usage run that crashed): "
                                                   "worth another try, and kept when no later attempt does better")


class Steer(Envelope):
    """Human -> agent: a note put into the agent's next prompt."""

    type: Literal["steer"] = "steer"
    text: str = Field(min_length=1, max_length=20_000)


ControlAction = Literal["pause", "resume", "stop", "restart", "retry", "skip", "add_coder", "remove_coder"]


class Control(Envelope):
    """Human or coordinator -> agent: change what it is doing."""

    type: Literal["control"] = "control"
    action: ControlAction
    target: str | None = Field(default=None, description="Agent or task the action is about, when not the recipient")
    reason: str = ""


Message = Annotated[
    Union[
        TaskAssignment,
        ProgressUpdate,
        Completion,
        ErrorReport,
        PlanRequest,
        PlanMessage,
        ReviewRequest,
        ReviewResult,
        Steer,
        Control,
    ],
    Field(discriminator="type"),
]

# type name -> model, read off the union above so the two never disagree.
MESSAGE_TYPES: dict[str, type[Envelope]] = {
    model.model_fields["type"].default: model for model in get_args(get_args(Message)[0])
}

_ADAPTER: TypeAdapter[Message] = TypeAdapter(Message)


def parse_message(data: bytes | str) -> Message:
    """Validate one message file's bytes. Raises pydantic.ValidationError."""
    return _ADAPTER.validate_json(data)


def dump_message(message: Envelope) -> bytes:
    return message.model_dump_json().encode()
