"""The coordinator: owns the run's task states and moves every task to its end.

It asks the CTO for a plan, dispatches each task whose dependencies passed to an idle
coder (in parallel, each in its own worktree), sends every completion to QA, merges
accepted work onto ``crewmux/<run-id>`` and runs the tests gathered so far (a merge that
breaks them is undone and sent back), retries rejected work with QA's findings, escalates
after ``budgets.escalate_after`` failures, fails a task past its attempt budget and blocks
what depends on it. At the end: the full suite and build of the merged branch, the report,
and run.json's status and reason.

``state.json`` is replaced atomically after every change, with the ids of the messages
already acted on, so a restarted coordinator resumes where it was and a redelivered
message is not acted on twice.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from typing import Iterator

from crewmux.agents import escalation, scheduler
from crewmux.agents.context import signatures
from crewmux.agents.integration import integrate
from crewmux.agents.loop import Agent
from crewmux.agents.plan_check import check_plan
from crewmux.agents.report import build_report, write_report
from crewmux.protocol.fsutil import atomic_write_json
from crewmux.protocol.ids import utcnow
from crewmux.protocol.messages import (
    Completion, Control, ErrorReport, Message, PlanMessage, PlanRequest, ProgressUpdate, ReviewRequest, ReviewResult,
    TaskAssignment,
)
from crewmux.protocol.plan import Plan
from crewmux.protocol.rundir import RUNTIME, RunDir
from crewmux.protocol.state import FINISHED, AttemptRecord, RunState, TaskRecord
from crewmux.workspace import git
from crewmux.workspace.sandbox import Sandbox
from crewmux.workspace.validators import CheckResult, Context, languages, suite_checks, syntax_checks
from crewmux.workspace.validators.resident import ResidentPyCheck

INTEGRATION = "integration"  # the worktree holding the run branch
MAX_PLAN_REQUESTS = 3
HANDLED_KEPT = 2000
BUDGET_TICK = "budget-check"


class Coordinator(Agent):
    role = "coordinator"

    def __init__(self, run: RunDir, name: str, **kwargs: float) -> None:
        super().__init__(run, name, **kwargs)
        self._lock = threading.RLock()  # the mail thread's controls and the main thread's messages
        self._loaded = False  # state.json is read in on_start, after the mail thread started
        self._handling_since: float | None = None

    # -- start and resume ------------------------------------------------------------------
    def on_start(self) -> None:
        self.project = self.run.project_dir
        self.branch = self.info.branch
        self.integration = self.run.worktree(INTEGRATION)
        self.sandbox = Sandbox.from_config(self.config.sandbox)
        self.pycheck = ResidentPyCheck(self.sandbox, self.integration, timeout=self.config.sandbox.timeout)
        self.timing: dict[str, float] = defaultdict(float)
        coder_model = self.config.for_role("coder")
        bigger = escalation.bigger_model(self.config, "coder", escalation.pulled_local_models())
        self._ladder = escalation.build_ladder(self.config.budgets, coder_model, bigger)
        self.console.line("escalation ladder: " + " -> ".join(self._ladder.names())
                          + (f" (bigger model: {bigger.model})" if bigger else " (no bigger model: none configured or pulled)"))
        self.console.line(self.sandbox.describe())
        agents = self.info.agents
        self.cto = next((a.name for a in agents if a.role == "cto"), "cto")
        self.reviewers = [a.name for a in agents if a.role == "qa"] or ["qa"]
        self.others = [a.name for a in agents if a.name != self.name]
        git.ensure_repo(self.project)
        git.start_branch(self.project, self.branch)
        git.prune_worktrees(self.project)
        git.add_worktree(self.project, self.integration, self.branch, branch=self.branch)
        self.head = git.rev(self.integration)
        # Every agent's worktree is made here, one after the other: concurrent
        # `git worktree add` calls from the agents themselves race on the repository.
        for agent in agents:
            if agent.role in ("coder", "qa"):
                git.add_worktree(self.project, self.run.worktree(agent.name), self.head)
        self.plan: Plan | None = Plan.model_validate_json(self.run.plan_json.read_bytes()) if self.run.plan_json.is_file() else None
        if self.run.state_json.is_file():
            self.state = RunState.model_validate_json(self.run.state_json.read_bytes())
            self.console.line(f"resuming: phase {self.state.phase}, {sum(t.status == 'passed' for t in self.state.tasks.values())} tasks passed")
        else:
            coders = [a.name for a in agents if a.role == "coder"]
            self.state = RunState(run_id=self.run_id, coders=coders, started_at=time.time())
        self._handled = set(self.state.handled)
        self._loaded = True
        threading.Thread(target=self._budget_clock, name="budget", daemon=True).start()
        if self.state.phase == "finished":
            self.stop(0)
            return
        if self.state.phase == "planning" and self.state.plan_requests == 0:
            self.run.update_info(status="planning")
            self._request_plan("")
        elif self.state.phase == "building":
            self._warm_checker()
            if self.run.info().status != "running":
                self.run.update_info(status="running", reason="")  # a resumed run is running again
            self._interrupted_merges()
            self._dispatch()
        elif self.state.phase == "integrating":
            self._finish()
        self._save()

    def _interrupted_merges(self) -> None:
        """A crash mid-merge: undo the merge if it was made, and count the attempt as failed."""
        for record in [t for t in self.state.tasks.values() if t.status == "merging"]:
            attempt = record.attempts[-1]
            subject = git.git(self.integration, "log", "-1", "--format=%s").stdout.strip()
            if subject.startswith(f"crewmux: merge {record.id} attempt {attempt.attempt}:"):
                git.reset_branch(self.integration, git.rev(self.integration, "HEAD^1"))
                self.head = git.rev(self.integration)
            attempt.verdict = "error"
            attempt.findings = "the coordinator stopped while merging this work; it is built again"
            self.console.line(f"   {record.id}: merge interrupted by a restart; building it again")
            self._failed(record, attempt)

    # -- messages ---------------------------------------------------------------------------
    def handle(self, message: Message) -> None:
        if message.id in self._handled:
            self.console.line(f"already handled {message.type} {message.id}; not acting twice")
            return
        started = self._handling_since = time.perf_counter()
        with self._lock:
            try:
                self._act(message)
            except Exception as exc:
                # A coordinator that cannot go on must end the run with the reason, not hang it.
                self.console.line(f"!! internal error handling {message.type}: {type(exc).__name__}: {exc}")
                if self.state.phase != "finished":
                    self._end("failed", f"the coordinator failed handling {message.type}: {type(exc).__name__}: {exc}")
            self._remember(message.id)
            self._save()
        self.timing["handle"] += time.perf_counter() - started
        self.timing["messages"] += 1
        self._handling_since = None

    def on_stop(self) -> None:
        self.pycheck.close()

    def priority(self, message: Message) -> int:
        """Merges (passed reviews) wait behind the messages that put a coder or QA agent
        back to work: a merge waits a few milliseconds, an idle agent wastes them all."""
        return 1 if isinstance(message, ReviewResult) and message.verdict == "pass" else 0

    def _warm_checker(self) -> None:
        """Start the resident Python checker the final checks will use, if the plan has Python."""
        if self.plan and "python" in languages([f for task in self.plan.tasks for f in task.files]):
            self.pycheck.warm()

    def on_control(self, message: Control) -> None:
        """A human's pause/resume of a coder, skip or retry of a task, or the runtime's notice
        that it added or removed a coder (arrives on the mail thread)."""
        if message.action in ("add_coder", "remove_coder") and message.sender != RUNTIME:
            # The runtime changes the team (the dashboard and the CLI call it); only its notice counts.
            self.console.line(f"!! {message.sender} asked to {message.action}: the runtime does that (the dashboard's a/x keys)")
            return
        target = message.target
        if not target or target == self.name or message.action not in ("pause", "resume", "skip", "retry", "add_coder", "remove_coder"):
            return
        if not self._loaded:
            self.console.line(f"{message.action} {target} arrived before the run was loaded; send it again")
            return
        with self._lock:
            if message.action in ("pause", "resume"):
                paused = set(self.state.paused_agents)
                (paused.add if message.action == "pause" else paused.discard)(target)
                self.state.paused_agents = sorted(paused)
            elif message.action in ("add_coder", "remove_coder"):
                self._team_changed(message.action, target)
            elif self.state.phase == "building" and target in self.state.tasks:
                self._by_hand(message.action, self.state.tasks[target], message.reason)
            else:
                self.console.line(f"cannot {message.action} {target}: no such task while building")
                return
            self._save()

    def _team_changed(self, action: str, coder: str) -> None:
        """The runtime added or removed a coder while the run goes on."""
        if action == "add_coder" and coder not in self.state.coders:
            self.state.coders.append(coder)
            self.console.line(f"== {coder} joined the team")
        elif action == "remove_coder" and coder in self.state.coders:
            self.state.coders.remove(coder)
            for record in self.state.tasks.values():
                if record.status == "running" and record.assignee == coder:
                    # Its attempt never ended: it is given again, not counted against the task.
                    record.attempts.pop()
                    record.status, record.assignee = "pending", None
            self.console.line(f"== {coder} left the team")
        if self.state.phase == "building":
            self._dispatch()

    def _by_hand(self, action: str, record: TaskRecord, why: str) -> None:
        if action == "skip" and record.status not in FINISHED:
            record.status = "skipped"
            record.assignee = None
            record.reason = f"skipped by a human{': ' + why if why else ''}"
            blocked = scheduler.block_dependents(self.state, record.id)
            self.console.line(f"== {record.id} skipped by hand" + (f"; blocked: {', '.join(blocked)}" if blocked else ""))
        elif action == "retry" and record.status in ("failed", "blocked", "skipped"):
            # One more attempt: the budget check counts attempts, so a retried task gets exactly one.
            for task in [record, *(self.state.tasks[t] for t in scheduler.dependents_of(self.state, record.id))]:
                if task.status in ("failed", "blocked", "skipped"):
                    task.status, task.reason = "pending", ""
            self.console.line(f"== {record.id} retried by hand")
        else:
            self.console.line(f"cannot {action} {record.id}: it is {record.status}")
            return
        self._dispatch()
        self._maybe_finish()

    def _act(self, message: Message) -> None:
        if self.state.phase == "finished":
            self.console.line(f"run finished; ignoring {message.type} from {message.sender}")
        elif isinstance(message, PlanMessage):
            self._on_plan(message)
        elif isinstance(message, Completion):
            self._on_completion(message)
        elif isinstance(message, ReviewResult):
            self._on_review(message)
        elif isinstance(message, ErrorReport):
            self._on_error(message)
        elif isinstance(message, ProgressUpdate):
            if message.status != BUDGET_TICK:
                self.console.line(f"{message.sender}: {message.status} {message.detail}")
        else:
            self.console.line(f"ignoring a {message.type} message from {message.sender}")
        self._check_budgets()

    # -- planning ---------------------------------------------------------------------------
    def _request_plan(self, feedback: str) -> None:
        self.state.plan_requests += 1
        self.set_status("waiting", task_id="plan", attempt=self.state.plan_requests)
        self.send(PlanRequest(run_id=self.run_id, sender=self.name, recipient=self.cto, brief=self.info.brief, feedback=feedback))
        self.console.line(f"asked {self.cto} for a plan (request {self.state.plan_requests})")

    def _on_plan(self, message: PlanMessage) -> None:
        self.state.tokens += message.tokens
        if message.task_id and self.state.phase == "building":
            self._on_split(message)
            return
        if self.state.phase != "planning":
            self.console.line("a plan arrived after planning ended; ignored")
            return
        checked = check_plan(message.plan)
        if not checked.ok:
            self.console.line("!! the CTO's plan fails its checks:\n" + checked.text())
            if self.state.plan_requests >= MAX_PLAN_REQUESTS:
                self._end("failed", f"no valid plan after {self.state.plan_requests} requests: {checked.problems[0]}")
            else:
                self._request_plan(checked.text())
            return
        self.plan = message.plan
        atomic_write_json(self.run.plan_json, self.plan.model_dump(mode="json"))
        for task in self.plan.tasks:
            self.state.tasks[task.id] = TaskRecord(id=task.id, title=task.title, depends_on=list(task.depends_on))
        self.state.phase = "building"
        self.run.update_info(status="running")
        self.events.emit("run", text="planned", data={"tasks": len(self.plan.tasks)})
        self.console.line(f"== plan accepted: {len(self.plan.tasks)} tasks")
        self._dispatch()
        self._warm_checker()

    # -- building ---------------------------------------------------------------------------
    def _dispatch(self) -> None:
        assert self.plan is not None
        base = self.head
        for task_id, coder in scheduler.assignments(self.state):
            record = self.state.tasks[task_id]
            task = self.plan.task(task_id)
            attempt = len(record.attempts) + 1
            rung = self._ladder.rung(attempt)
            escalated = escalation.is_escalation(rung)
            model = rung.model or self.config.for_role("coder").model
            contracts = {dep: self.plan.task(dep).contract for dep in task.depends_on
                         if dep in {t.id for t in self.plan.tasks} and not self.plan.task(dep).contract.empty()}
            feedback = record.attempts[-1].findings if record.attempts else ""
            previous = record.attempts[-1].commit if record.attempts else None
            dep_files = [f for dep in task.depends_on for f in self.plan.task(dep).files if (self.integration / f).is_file()]
            record.status = "running"
            record.assignee = coder
            record.attempts.append(AttemptRecord(attempt=attempt, coder=coder, escalated=escalated, rung=rung.name, model=model,
                                                 started_at=time.time()))
            self.send(TaskAssignment(
                run_id=self.run_id, sender=self.name, recipient=coder, task_id=task_id, task=task, attempt=attempt,
                branch=f"{self.branch}-{task_id}-a{attempt}", base_ref=base, feedback=feedback,
                context=signatures(self.integration, dep_files) if dep_files else "", escalated=escalated,
                previous_commit=previous, rung=rung, dependency_contracts=contracts,
            ))
            self.events.emit("status", status=self.status, task_id=task_id, attempt=attempt,
                             text=f"{task_id} attempt {attempt}: {rung.name} ({model})", data={"rung": rung.name, "model": model})
            self.console.line(f"-> {task_id} attempt {attempt} to {coder}: rung {rung.name}{' (escalated to ' + model + ')' if escalated else ''}")
        self.set_status("waiting" if self._active() else "idle", task_id="")

    def _active(self) -> bool:
        return any(t.status in scheduler.ACTIVE for t in self.state.tasks.values())

    def _current(self, task_id: str | None, attempt: int, expected: str) -> tuple[TaskRecord, AttemptRecord] | None:
        """The task and attempt a message is about, if it is still the one in progress."""
        record = self.state.tasks.get(task_id or "")
        if record is None or not record.attempts or record.attempts[-1].attempt != attempt or record.status != expected:
            self.console.line(f"stale message about {task_id} attempt {attempt}; ignored")
            return None
        return record, record.attempts[-1]

    def _on_completion(self, message: Completion) -> None:
        current = self._current(message.task_id, message.attempt, "running")
        if current is None:
            return
        record, attempt = current
        assert self.plan is not None
        attempt.commit = message.commit
        attempt.candidates = [message.commit, *message.candidates] if message.candidates else []
        attempt.tokens += message.tokens
        self.state.tokens += message.tokens
        reviewer = self._reviewer()
        record.status = "in_review"
        record.reviewer = reviewer
        self.send(ReviewRequest(run_id=self.run_id, sender=self.name, recipient=reviewer, task_id=record.id,
                                task=self.plan.task(record.id), attempt=message.attempt, commit=message.commit, files=message.files,
                                candidates=message.candidates))
        self.console.line(f"<- {record.id} attempt {message.attempt} built by {message.sender}; review by {reviewer}")
        self._dispatch()

    def _reviewer(self) -> str:
        """The QA agent with the fewest reviews in hand."""
        load = {name: 0 for name in self.reviewers}
        for task in self.state.tasks.values():
            if task.status == "in_review" and task.reviewer in load:
                load[task.reviewer] += 1
        return min(self.reviewers, key=lambda name: load[name])

    def _on_error(self, message: ErrorReport) -> None:
        if message.sender == self.cto or message.kind == "plan":
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
            self.console.line(f"<- {record.id} attempt {message.attempt} rejected by QA")
            self._failed(record, attempt)
            return
        record.status = "merging"
        self._merge(record, attempt, message.commit)

    def _merge(self, record: TaskRecord, attempt: AttemptRecord, commit: str) -> None:
        self.set_status("validating", task_id=record.id, attempt=attempt.attempt)
        done = integrate(self.integration, self.head, commit, f"crewmux: merge {record.id} attempt {attempt.attempt}: {record.title}",
                         self._context)
        self.timing["git"] += done.git_seconds
        self.timing["suite"] += done.suite_seconds
        self.events.emit("merge", task_id=record.id, attempt=attempt.attempt, text=done.outcome,
                         data={"commit": done.merge_commit, "head": done.head, "files": done.conflicts})
        if done.outcome != "merged":
            attempt.verdict = done.outcome
            attempt.findings = done.findings
            self.console.line(f"!! {record.id}: " + (f"merge conflict in {', '.join(done.conflicts)}" if done.outcome == "conflict"
                                                     else f"merge broke the tests; undone, back to {done.head[:10]}"))
            self._failed(record, attempt)
            return
        self.head = done.head
        attempt.verdict = "pass"
        attempt.finished_at = time.time()
        attempt.seconds = round(attempt.finished_at - attempt.started_at, 3)
        record.status = "passed"
        record.merged_commit = done.head
        record.assignee = None
        self.console.line(f"== {record.id} merged ({done.head[:10]}) on try {attempt.attempt}")
        self._dispatch()
        self._maybe_finish()

    def _failed(self, record: TaskRecord, attempt: AttemptRecord) -> None:
        attempt.finished_at = time.time()
        attempt.seconds = round(attempt.finished_at - attempt.started_at, 3)
        decision = scheduler.after_failure(record, self.config.budgets)
        if decision.action == "retry":
            record.status = "pending"
            self.console.line(f"   {record.id}: retry as attempt {decision.attempt}, rung {self._ladder.rung(decision.attempt).name}")
        elif self._may_split(record):
            self._request_split(record)
        else:
            self._give_up(record, decision.reason)
        self._dispatch()
        self._maybe_finish()

    def _give_up(self, record: TaskRecord, reason: str) -> None:
        record.status = "failed"
        record.reason = reason
        record.assignee = None
        blocked = scheduler.block_dependents(self.state, record.id)
        self.console.line(f"!! {record.id} failed: {reason}" + (f"; blocked: {', '.join(blocked)}" if blocked else ""))

    # -- splitting a task that keeps failing ------------------------------------------------------
    def _may_split(self, record: TaskRecord) -> bool:
        made_by_split = any(record.id in new for new in self.state.splits.values())
        return self.config.budgets.split_failing and record.id not in self.state.splits and not made_by_split

    def _awaiting_split(self, task_id: str | None) -> bool:
        record = self.state.tasks.get(task_id or "")
        return record is not None and record.status == "running" and record.assignee == self.cto

    def _request_split(self, record: TaskRecord) -> None:
        assert self.plan is not None
        record.status = "running"
        record.assignee = self.cto  # the CTO holds it until the smaller tasks come back
        self.send(PlanRequest(run_id=self.run_id, sender=self.name, recipient=self.cto, task_id=record.id, brief=self.info.brief,
                              split_task=self.plan.task(record.id), feedback=record.attempts[-1].findings if record.attempts else ""))
        self.console.line(f"   {record.id} used its attempts: asked {self.cto} to split it")

    def _on_split(self, message: PlanMessage) -> None:
        assert self.plan is not None
        old_id = message.task_id or ""
        if not self._awaiting_split(old_id):
            self.console.line(f"a split of {old_id} arrived that was not asked for; ignored")
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
            atomic_write_json(self.run.plan_json, self.plan.model_dump(mode="json"))
            scheduler.split(self.state, old_id, [(t.id, t.title, list(t.depends_on)) for t in new])
            self.state.splits[old_id] = new_ids
            self.events.emit("run", task_id=old_id, text="split", data={"into": new_ids})
            self.console.line(f"== {old_id} split into {', '.join(new_ids)}")
        self._dispatch()
        self._maybe_finish()

    # -- budgets ------------------------------------------------------------------------------
    def _budget_clock(self) -> None:
        # The main thread only wakes on mail, so the clock posts a tick to our own mailbox.
        while not self.stopping:
            if self.stop_event.wait(5.0):
                return
            if time.time() - self.state.started_at > self.config.budgets.wall_seconds:
                self.send(ProgressUpdate(run_id=self.run_id, sender=self.name, recipient=self.name, status=BUDGET_TICK))
                return

    def _check_budgets(self) -> None:
        if self.state.phase not in ("planning", "building"):
            return
        budgets = self.config.budgets
        if time.time() - self.state.started_at > budgets.wall_seconds:
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

    # -- the end ------------------------------------------------------------------------------
    def _maybe_finish(self, reason_prefix: str = "") -> None:
        if self.state.phase == "building" and scheduler.all_finished(self.state):
            self._finish(reason_prefix)

    def _finish(self, reason_prefix: str = "") -> None:
        self.state.phase = "integrating"
        self._save()
        self.set_status("validating", task_id="", text="final checks of the merged branch")
        self.console.line("== every task is finished: full suite and build of the merged branch")
        tracked = git.tracked_files(self.integration)
        ctx = self._context(tracked)
        with self._timed("suite"):
            checks = syntax_checks(ctx) + suite_checks(ctx, tracked)
        status, reason = scheduler.verdict(self.state)
        broken = [c for c in checks if c.status == "failed"]
        if broken:
            status = "partial" if status == "succeeded" else status
            reason = f"{reason}; the merged branch fails {', '.join(c.name for c in broken)}"
        if reason_prefix:
            reason = f"{reason_prefix}; {reason}"
        self._end(status, reason, checks)

    def _end(self, status: str, reason: str, checks: list[CheckResult] | None = None) -> None:
        self.state.phase = "finished"
        self._save()
        git.release_branch(self.integration)  # the user may now check out crewmux/<run-id>
        report = build_report(self.run, self.state, status, reason,
                              [{"name": c.name, "status": c.status, "detail": c.detail[:1000]} for c in checks or []],
                              self.state.started_at)
        timing = defaultdict(float, self.timing)  # the first message may end the run before any key is set
        if self._handling_since is not None:  # the message that ended the run counts too
            timing["handle"] += time.perf_counter() - self._handling_since
        report["coordinator"] = {k: round(v, 4) for k, v in timing.items()}
        write_report(self.run, report)
        self.run.update_info(status=status, reason=reason, finished_at=utcnow())
        self.events.emit("run", text="finished", data={"status": status, "reason": reason})
        self.console.line(f"== run {status}: {reason}")
        self.console.line(f"   report: {self.run.report_md}")
        for name in self.others:
            self.send(Control(run_id=self.run_id, sender=self.name, recipient=name, action="stop", reason=f"run {status}"))
        self.stop(0)

    # -- helpers --------------------------------------------------------------------------------
    def _context(self, files: list[str]) -> Context:
        return Context(self.integration, files, self.sandbox, timeout=self.config.sandbox.timeout, artifacts=self.run.artifacts_dir,
                       pycheck=self.pycheck)

    @contextmanager
    def _timed(self, what: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timing[what] += time.perf_counter() - started

    def _remember(self, message_id: str) -> None:
        self._handled.add(message_id)
        self.state.handled.append(message_id)
        if len(self.state.handled) > HANDLED_KEPT:
            dropped = self.state.handled[: len(self.state.handled) - HANDLED_KEPT]
            self.state.handled = self.state.handled[-HANDLED_KEPT:]
            self._handled.difference_update(dropped)

    def _save(self) -> None:
        self.state.updated_at = time.time()
        with self._timed("state"):
            # Atomic (rename) but not fsynced: a crash of the process never leaves half a
            # file, and the messages behind every change are already durable in the mailboxes.
            atomic_write_json(self.run.state_json, self.state.model_dump(mode="json"), fsync=False)
