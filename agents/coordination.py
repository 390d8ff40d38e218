"""The coordinator's decisions as a state machine: (state, plan) + one input -> the new
(state, plan) and the effects to carry out. No I/O, no clock, no git: the driver
(``coordinator.py``) reads the mailbox, feeds each message here, and carries the effects
out (sends, merges, the final checks, files, events). What happened in git comes back in
as an input (``Merged``), so every decision is here and testable directly.

``step`` never changes the model it is given: it works on a copy and returns it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Union

from crewmux.agents import escalation, scheduler
from crewmux.agents.plan_check import check_plan
from crewmux.config import Budgets
from crewmux.protocol.messages import Completion, Control, ErrorReport, Message, PlanMessage, ProgressUpdate, ReviewResult
from crewmux.protocol.plan import Plan
from crewmux.protocol.rundir import RUNTIME
from crewmux.protocol.state import FINISHED, AttemptRecord, RunState, TaskRecord

MAX_PLAN_REQUESTS = 3
BUDGET_TICK = "budget-check"  # the status of the tick the budget clock posts to the coordinator's own mailbox
TEAM_ACTIONS = ("add_coder", "remove_coder")


@dataclass(frozen=True)
class Rules:
    """What the decisions depend on besides the state: fixed for the run."""

    me: str
    cto: str
    reviewers: tuple[str, ...]
    budgets: Budgets
    ladder: escalation.Ladder
    coder_model: str  # the coder role's model, for a rung that names none


@dataclass
class Model:
    state: RunState
    plan: Plan | None


# -- inputs besides messages ----------------------------------------------------------------
@dataclass(frozen=True)
class Started:
    """The coordinator (re)started with this state."""


@dataclass(frozen=True)
class Merged:
    """What integrating a passed attempt did (the driver ran git and the tests)."""

    task_id: str
    attempt: int
    outcome: Literal["merged", "conflict", "reverted"]
    head: str
    findings: str = ""
    conflicts: tuple[str, ...] = ()


@dataclass(frozen=True)
class MergeInterrupted:
    """A restart found this task mid-merge (the driver undid the merge if it was made)."""

    task_id: str


@dataclass(frozen=True)
class Checked:
    """The final checks of the merged branch ran; these failed."""

    broken: tuple[str, ...]
    reason_prefix: str = ""


Input = Union[Message, Started, Merged, MergeInterrupted, Checked]


# -- effects ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Say:
    text: str  # a line of the coordinator's readable log


@dataclass(frozen=True)
class Emit:
    kind: Literal["run", "status", "error"]
    text: str
    task_id: str | None = None
    attempt: int | None = None
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Status:
    status: Literal["waiting", "idle", "validating"]
    task_id: str = ""
    attempt: int | None = None


@dataclass(frozen=True)
class AskPlan:
    feedback: str
    number: int  # the how-many-th request


@dataclass(frozen=True)
class AskSplit:
    task_id: str
    feedback: str


@dataclass(frozen=True)
class PlanAccepted:
    """Write plan.json, mark the run running."""


@dataclass(frozen=True)
class PlanChanged:
    """Write plan.json (a split added tasks)."""


@dataclass(frozen=True)
class Assign:
    task_id: str
    coder: str
    attempt: int
    rung: escalation.Rung
    model: str
    escalated: bool
    feedback: str
    previous_commit: str | None


@dataclass(frozen=True)
class AskReview:
    task_id: str
    reviewer: str
    attempt: int
    commit: str
    files: list[str]
    candidates: list[str]


@dataclass(frozen=True)
class Merge:
    task_id: str
    attempt: int
    commit: str
    title: str


@dataclass(frozen=True)
class RunChecks:
    """Every task is finished: run the full suite and build, then feed back ``Checked``."""

    reason_prefix: str = ""


@dataclass(frozen=True)
class End:
    status: str
    reason: str


Effect = Union[Say, Emit, Status, AskPlan, AskSplit, PlanAccepted, PlanChanged, Assign, AskReview, Merge, RunChecks, End]


def step(model: Model, event: Input, rules: Rules, now: float) -> tuple[Model, list[Effect]]:
    """The new model and what to do, for one input at time ``now``."""
    machine = _Machine(Model(model.state.model_copy(deep=True), model.plan.model_copy(deep=True) if model.plan else None), rules, now)
    machine.take(event)
    return machine.model, machine.effects


def end(model: Model, status: str, reason: str) -> tuple[Model, list[Effect]]:
    """End the run now (the driver could not go on): the model finished, and the End effect."""
    state = model.state.model_copy(deep=True)
    state.phase = "finished"
    return Model(state, model.plan), [End(status, reason)]


class _Machine:
    def __init__(self, model: Model, rules: Rules, now: float) -> None:
        self.model = model
        self.rules = rules
        self.now = now
        self.effects: list[Effect] = []

    @property
    def state(self) -> RunState:
        return self.model.state

    @property
    def plan(self) -> Plan:
        assert self.model.plan is not None, "no plan yet"
        return self.model.plan

    def say(self, text: str) -> None:
        self.effects.append(Say(text))

    # -- inputs -------------------------------------------------------------------------------
    def take(self, event: Input) -> None:
        if isinstance(event, Started):
            self._started()
        elif isinstance(event, Merged):
            self._merged(event)
            self._check_budgets()  # the budgets of the review that asked for this merge, checked once it is done
        elif isinstance(event, MergeInterrupted):
            record = self.state.tasks[event.task_id]
            attempt = record.attempts[-1]
            attempt.verdict = "error"
            attempt.findings = "the coordinator stopped while merging this work; it is built again"
            self.say(f"   {record.id}: merge interrupted by a restart; building it again")
            self._failed(record, attempt)
        elif isinstance(event, Checked):
            self._checked(event)
        elif isinstance(event, Control):
            self._control(event)
        elif self.state.phase == "finished":
            self.say(f"run finished; ignoring {event.type} from {event.sender}")
        else:
            self._message(event)
            if not any(isinstance(e, Merge) for e in self.effects):  # else after the merge (``Merged``)
                self._check_budgets()

    def _started(self) -> None:
        if self.state.phase == "planning" and self.state.plan_requests == 0:
            self._request_plan("")
        elif self.state.phase == "building":
            self._dispatch()
        elif self.state.phase == "integrating":
            self.effects.append(RunChecks())

    def _message(self, message: Message) -> None:
        if isinstance(message, PlanMessage):
            self._on_plan(message)
        elif isinstance(message, Completion):
            self._on_completion(message)
        elif isinstance(message, ReviewResult):
            self._on_review(message)
        elif isinstance(message, ErrorReport):
            self._on_error(message)
        elif isinstance(message, ProgressUpdate):
            if message.status != BUDGET_TICK:
                self.say(f"{message.sender}: {message.status} {message.detail}")
        else:
            self.say(f"ignoring a {message.type} message from {message.sender}")

    # -- a human's controls and the runtime's notices --------------------------------------------
    def _control(self, message: Control) -> None:
        if message.action in TEAM_ACTIONS and message.sender != RUNTIME:
            # The runtime changes the team (the dashboard and the CLI call it); only its notice counts.
            self.say(f"!! {message.sender} asked to {message.action}: the runtime does that (the dashboard's a/x keys)")
            return
        target = message.target
        if not target or target == self.rules.me or message.action not in ("pause", "resume", "skip", "retry", *TEAM_ACTIONS):
            return
        if message.action in ("pause", "resume"):
            paused = set(self.state.paused_agents)
            (paused.add if message.action == "pause" else paused.discard)(target)
            self.state.paused_agents = sorted(paused)
        elif message.action in TEAM_ACTIONS:
            self._team_changed(message.action, target)
        elif self.state.phase == "building" and target in self.state.tasks:
            self._by_hand(message.action, self.state.tasks[target], message.reason)
        else:
            self.say(f"cannot {message.action} {target}: no such task while building")

    def _team_changed(self, action: str, coder: str) -> None:
        if action == "add_coder" and coder not in self.state.coders:
            self.state.coders.append(coder)
            self.say(f"== {coder} joined the team")
        elif action == "remove_coder" and coder in self.state.coders:
            self.state.coders.remove(coder)
            for record in self.state.tasks.values():
                if record.status == "running" and record.assignee == coder:
                    # Its attempt never ended: it is given again, not counted against the task.
                    record.attempts.pop()
                    record.status, record.assignee = "pending", None
            self.say(f"== {coder} left the team")
        if self.state.phase == "building":
            self._dispatch()

    def _by_hand(self, action: str, record: TaskRecord, why: str) -> None:
        if action == "skip" and record.status not in FINISHED:
            record.status = "skipped"
            record.assignee = None
            record.reason = f"skipped by a human{': ' + why if why else ''}"
            blocked = scheduler.block_dependents(self.state, record.id)
            self.say(f"== {record.id} skipped by hand" + (f"; blocked: {', '.join(blocked)}" if blocked else ""))
        elif action == "retry" and record.status in ("failed", "blocked", "skipped"):
            # One more attempt: the budget check counts attempts, so a retried task gets exactly one.
            for task in [record, *(self.state.tasks[t] for t in scheduler.dependents_of(self.state, record.id))]:
                if task.status in ("failed", "blocked", "skipped"):
                    task.status, task.reason = "pending", ""
            self.say(f"== {record.id} retried by hand")
        else:
            self.say(f"cannot {action} {record.id}: it is {record.status}")
            return
        self._dispatch()
        self._maybe_finish()

    # -- planning ---------------------------------------------------------------------------------
    def _request_plan(self, feedback: str) -> None:
        self.state.plan_requests += 1
        self.effects.append(AskPlan(feedback, self.state.plan_requests))

    def _on_plan(self, message: PlanMessage) -> None:
        self.state.tokens += message.tokens
        if message.task_id and self.state.phase == "building":
            self._on_split(message)
            return
        if self.state.phase != "planning":
            self.say("a plan arrived after planning ended; ignored")
            return
        checked = check_plan(message.plan)
        if not checked.ok:
            self.say("!! the CTO's plan fails its checks:\n" + checked.text())
            if self.state.plan_requests >= MAX_PLAN_REQUESTS:
                self._end("failed", f"no valid plan after {self.state.plan_requests} requests: {checked.problems[0]}")
            else:
                self._request_plan(checked.text())
            return
        self.model.plan = message.plan
        for task in message.plan.tasks:
            self.state.tasks[task.id] = TaskRecord(id=task.id, title=task.title, depends_on=list(task.depends_on))
        self.state.phase = "building"
        self.effects += [PlanAccepted(), Emit("run", "planned", data={"tasks": len(message.plan.tasks)}),
                         Say(f"== plan accepted: {len(message.plan.tasks)} tasks")]
        self._dispatch()

    # -- building ---------------------------------------------------------------------------------
    def _dispatch(self) -> None:
        for task_id, coder in scheduler.assignments(self.state):
            record = self.state.tasks[task_id]
            attempt = len(record.attempts) + 1
            rung = self.rules.ladder.rung(attempt)
            escalated = escalation.is_escalation(rung)
            model = rung.model or self.rules.coder_model
            feedback = record.attempts[-1].findings if record.attempts else ""
            previous = record.attempts[-1].commit if record.attempts else None
            record.status = "running"
            record.assignee = coder
            record.attempts.append(AttemptRecord(attempt=attempt, coder=coder, escalated=escalated, rung=rung.name, model=model,
                                                 started_at=self.now))
            self.effects.append(Assign(task_id, coder, attempt, rung, model, escalated, feedback, previous))
        active = any(t.status in scheduler.ACTIVE for t in self.state.tasks.values())
        self.effects.append(Status("waiting" if active else "idle"))

    def _current(self, task_id: str | None, attempt: int, expected: str) -> tuple[TaskRecord, AttemptRecord] | None:
        """The task and attempt a message is about, if it is still the one in progress."""
        record = self.state.tasks.get(task_id or "")
        if record is None or not record.attempts or record.attempts[-1].attempt != attempt or record.status != expected:
            self.say(f"stale message about {task_id} attempt {attempt}; ignored")
            return None
        return record, record.attempts[-1]

    def _on_completion(self, message: Completion) -> None:
        current = self._current(message.task_id, message.attempt, "running")
        if current is None:
            return
        record, attempt = current
        attempt.commit = message.commit
        attempt.candidates = [message.commit, *message.candidates] if message.candidates else []
        attempt.tokens += message.tokens
        self.state.tokens += message.tokens
        reviewer = self._reviewer()
        record.status = "in_review"
        record.reviewer = reviewer
        self.effects.append(AskReview(record.id, reviewer, message.attempt, message.commit, list(message.files), list(message.candidates)))
        self.say(f"<- {record.id} attempt {message.attempt} built by {message.sender}; review by {reviewer}")
        self._dispatch()

    def _reviewer(self) -> str:
        """The QA agent with the fewest reviews in hand."""
        load = {name: 0 for name in self.rules.reviewers}
        for task in self.state.tasks.values():
            if task.status == "in_review" and task.reviewer in load:
                load[task.reviewer] += 1
        return min(self.rules.reviewers, key=lambda name: load[name])

    def _on_error(self, message: ErrorReport) -> None:
        if message.sender == self.rules.cto or message.kind == "plan":
            if self.state.phase == "planning":
                self._end("failed", f"planning failed: {message.error.splitlines()[0]}")
            elif self._awaiting_split(message.task_id):
                self._give_up(self.state.tasks[message.task_id or ""], f"could not be split: {message.error.splitlines()[0]}")
                self._dispatch()
                self._maybe_finish()
            return
        current = self._current(message.task_id, message.attempt, "running")
        if current is None:
            return
        record, attempt = current
        attempt.verdict = "error"
        attempt.findings = f"{message.kind}: {message.error}"[:6000]
        self._failed(record, attempt)

    def _on_review(self, message: ReviewResult) -> None:
        current = self._current(message.task_id, message.attempt, "in_review")
        if current is None:
            return
        record, attempt = current
        attempt.findings = message.findings
        if message.candidate:
            attempt.commit = message.candidate  # best-of-N: the candidate QA judged last (the one kept, on a pass)
        if message.verdict != "pass":
            attempt.verdict = "fail"
            attempt.soft_commit = message.commit if message.soft else None
            self.say(f"<- {record.id} attempt {message.attempt} rejected by QA")
            self._failed(record, attempt)
            return
        record.status = "merging"
        self.effects += [Status("validating", record.id, attempt.attempt), Merge(record.id, attempt.attempt, message.commit, record.title)]

    def _merged(self, done: Merged) -> None:
        current = self._current(done.task_id, done.attempt, "merging")
        if current is None:
            return
        record, attempt = current
        if done.outcome != "merged":
            attempt.verdict = done.outcome
            attempt.findings = done.findings
            self.say(f"!! {record.id}: " + (f"merge conflict in {', '.join(done.conflicts)}" if done.outcome == "conflict"
                                            else f"merge broke the tests; undone, back to {done.head[:10]}"))
            self._failed(record, attempt)
            return
        attempt.verdict = "pass"
        attempt.finished_at = self.now
        attempt.seconds = round(attempt.finished_at - attempt.started_at, 3)
        record.status = "passed"
        record.merged_commit = done.head
        record.assignee = None
        self.say(f"== {record.id} merged ({done.head[:10]}) on try {attempt.attempt}")
        self._dispatch()
        self._maybe_finish()

    def _failed(self, record: TaskRecord, attempt: AttemptRecord) -> None:
        attempt.finished_at = self.now
        attempt.seconds = round(attempt.finished_at - attempt.started_at, 3)
        decision = scheduler.after_failure(record, self.rules.budgets)
        kept = _soft_attempt(record)
        if decision.action == "retry":
            record.status = "pending"
            self.say(f"   {record.id}: retry as attempt {decision.attempt}, rung {self.rules.ladder.rung(decision.attempt).name}")
        elif kept is not None:
            self._keep(record, kept)
        elif self._may_split(record):
            record.status = "running"
            record.assignee = self.rules.cto  # the CTO holds it until the smaller tasks come back
            self.effects.append(AskSplit(record.id, record.attempts[-1].findings if record.attempts else ""))
            self.say(f"   {record.id} used its attempts: asked {self.rules.cto} to split it")
        else:
            self._give_up(record, decision.reason)
        self._dispatch()
        self._maybe_finish()

    def _keep(self, record: TaskRecord, soft: AttemptRecord) -> None:
        """Out of attempts, the first that failed only soft checks (made-up input) is merged:
        QA could not show it wrong, and no later attempt did better."""
        kept = AttemptRecord(attempt=len(record.attempts) + 1, coder=soft.coder, rung="kept", model=soft.model,
                             started_at=self.now, commit=soft.commit,
                             findings=f"attempt {soft.attempt} kept: it failed only checks on input QA made up")
        record.attempts.append(kept)
        record.status = "merging"
        self.say(f"   {record.id}: no attempt passed every check; attempt {soft.attempt} failed only soft ones and is kept")
        self.effects += [Status("validating", record.id, kept.attempt), Merge(record.id, kept.attempt, soft.soft_commit or "", record.title)]

    def _give_up(self, record: TaskRecord, reason: str) -> None:
        record.status = "failed"
        record.reason = reason
        record.assignee = None
        blocked = scheduler.block_dependents(self.state, record.id)
        self.say(f"!! {record.id} failed: {reason}" + (f"; blocked: {', '.join(blocked)}" if blocked else ""))

    # -- splitting a task that keeps failing --------------------------------------------------------
    def _may_split(self, record: TaskRecord) -> bool:
        made_by_split = any(record.id in new for new in self.state.splits.values())
        return self.rules.budgets.split_failing and record.id not in self.state.splits and not made_by_split

    def _awaiting_split(self, task_id: str | None) -> bool:
        record = self.state.tasks.get(task_id or "")
        return record is not None and record.status == "running" and record.assignee == self.rules.cto

    def _on_split(self, message: PlanMessage) -> None:
        old_id = message.task_id or ""
        if not self._awaiting_split(old_id):
            self.say(f"a split of {old_id} arrived that was not asked for; ignored")
            return
        record = self.state.tasks[old_id]
        taken = set(self.state.tasks)
        new = message.plan.tasks
        clash = [t.id for t in new if t.id in taken]
        allowed = taken | {t.id for t in new}
        unknown = [d for t in new for d in t.depends_on if d not in allowed or d == old_id]
        if clash or unknown or not new:
            self._give_up(record, f"the CTO's split was unusable (ids taken: {clash}, unknown dependencies: {unknown})")
        else:
            new_ids = [t.id for t in new]
            for task in self.plan.tasks:
                task.depends_on = scheduler.after_split(task.depends_on, old_id, new_ids)
            self.plan.tasks.extend(new)
            scheduler.split(self.state, old_id, [(t.id, t.title, list(t.depends_on)) for t in new])
            self.state.splits[old_id] = new_ids
            self.effects += [PlanChanged(), Emit("run", "split", task_id=old_id, data={"into": new_ids}),
                             Say(f"== {old_id} split into {', '.join(new_ids)}")]
        self._dispatch()
        self._maybe_finish()

    # -- budgets and the end ------------------------------------------------------------------------
    def _check_budgets(self) -> None:
        if self.state.phase not in ("planning", "building"):
            return
        budgets = self.rules.budgets
        if self.now - self.state.started_at > budgets.wall_seconds:
            self._stop_building(f"the wall-time budget ({budgets.wall_seconds:.0f} s) is spent")
        elif self.state.tokens > budgets.tokens:
            self._stop_building(f"the token budget ({budgets.tokens}) is spent")

    def _stop_building(self, why: str) -> None:
        for task in self.state.tasks.values():
            if task.status not in FINISHED:
                task.status = "skipped"
                task.reason = f"not finished: {why}"
        if self.state.phase == "planning":
            self._end("failed", why)
        else:
            self._maybe_finish(reason_prefix=why)

    def _maybe_finish(self, reason_prefix: str = "") -> None:
        if self.state.phase == "building" and scheduler.all_finished(self.state):
            self.state.phase = "integrating"
            self.effects.append(RunChecks(reason_prefix))

    def _checked(self, checked: Checked) -> None:
        status, reason = scheduler.verdict(self.state)
        if checked.broken:
            status = "partial" if status == "succeeded" else status
            reason = f"{reason}; the merged branch fails {', '.join(checked.broken)}"
        if checked.reason_prefix:
            reason = f"{checked.reason_prefix}; {reason}"
        self._end(status, reason)

    def _end(self, status: str, reason: str) -> None:
        self.state.phase = "finished"
        self.effects.append(End(status, reason))


def _soft_attempt(record: TaskRecord) -> AttemptRecord | None:
    """The first attempt that failed only soft checks, unless one was already kept."""
    if any(a.rung == "kept" for a in record.attempts):
        return None
    return next((a for a in record.attempts if a.soft_commit), None)
