"""The coordinator: owns the run's task states and moves every task to its end.

It asks the CTO for a plan, dispatches each task whose dependencies passed to an idle
coder (in parallel, each in its own worktree), sends every completion to QA, merges
accepted work onto ``crewmux/<run-id>`` and runs the tests gathered so far (a merge that
breaks them is undone and sent back), retries rejected work with QA's findings, escalates
after ``budgets.escalate_after`` failures, fails a task past its attempt budget and blocks
what depends on it. At the end: the full suite and build of the merged branch, the report,
and run.json's status and reason.

The decisions are ``coordination.py``'s state machine (pure, tested directly); this class
is its driver: it feeds it each message and carries out the effects (messages, git, the
final checks, the report, files and events).

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

from crewmux.agents import coordination, escalation
from crewmux.agents.context import signatures
from crewmux.agents.coordination import BUDGET_TICK, Model
from crewmux.agents.integration import integrate
from crewmux.agents.loop import Agent
from crewmux.agents.report import build_report, write_report
from crewmux.protocol.fsutil import atomic_write_json
from crewmux.protocol.ids import utcnow
from crewmux.protocol.messages import Control, Message, PlanRequest, ProgressUpdate, ReviewRequest, ReviewResult, TaskAssignment
from crewmux.protocol.plan import Plan
from crewmux.protocol.rundir import RunDir
from crewmux.protocol.state import RunState
from crewmux.workspace import git
from crewmux.workspace.sandbox import Sandbox
from crewmux.workspace.validators import CheckResult, Context, languages, suite_checks, syntax_checks
from crewmux.workspace.validators.resident import ResidentPyCheck

INTEGRATION = "integration"  # the worktree holding the run branch
HANDLED_KEPT = 2000


class Coordinator(Agent):
    role = "coordinator"

    def __init__(self, run: RunDir, name: str, **kwargs: float) -> None:
        super().__init__(run, name, **kwargs)
        self._lock = threading.RLock()  # the mail thread's controls and the main thread's messages
        self._loaded = False  # state.json is read in on_start, after the mail thread started
        self._handling_since: float | None = None
        self._checks: list[CheckResult] = []  # the final checks, for the report

    @property
    def state(self) -> RunState:
        return self.model.state

    @property
    def plan(self) -> Plan | None:
        return self.model.plan

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
        ladder = escalation.build_ladder(self.config.budgets, coder_model, bigger)
        self.console.line("escalation ladder: " + " -> ".join(ladder.names())
                          + (f" (bigger model: {bigger.model})" if bigger else " (no bigger model: none configured or pulled)"))
        self.console.line(self.sandbox.describe())
        agents = self.info.agents
        self.cto = next((a.name for a in agents if a.role == "cto"), "cto")
        self.rules = coordination.Rules(me=self.name, cto=self.cto, reviewers=tuple(a.name for a in agents if a.role == "qa") or ("qa",),
                                        budgets=self.config.budgets, ladder=ladder, coder_model=coder_model.model)
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
        plan = Plan.model_validate_json(self.run.plan_json.read_bytes()) if self.run.plan_json.is_file() else None
        if self.run.state_json.is_file():
            state = RunState.model_validate_json(self.run.state_json.read_bytes())
            self.console.line(f"resuming: phase {state.phase}, {sum(t.status == 'passed' for t in state.tasks.values())} tasks passed")
        else:
            coders = [a.name for a in agents if a.role == "coder"]
            state = RunState(run_id=self.run_id, coders=coders, started_at=time.time())
        self.model = Model(state, plan)
        self._handled = set(self.state.handled)
        self._loaded = True
        threading.Thread(target=self._budget_clock, name="budget", daemon=True).start()
        if self.state.phase == "finished":
            self.stop(0)
            return
        if self.state.phase == "planning" and self.state.plan_requests == 0:
            self.run.update_info(status="planning")
        elif self.state.phase == "building":
            self._warm_checker()
            if self.run.info().status != "running":
                self.run.update_info(status="running", reason="")  # a resumed run is running again
            self._interrupted_merges()
        self._apply(coordination.Started())
        self._save()

    def _interrupted_merges(self) -> None:
        """A crash mid-merge: undo the merge if it was made, and count the attempt as failed."""
        for record in [t for t in self.state.tasks.values() if t.status == "merging"]:
            attempt = record.attempts[-1]
            subject = git.git(self.integration, "log", "-1", "--format=%s").stdout.strip()
            if subject.startswith(f"crewmux: merge {record.id} attempt {attempt.attempt}:"):
                git.reset_branch(self.integration, git.rev(self.integration, "HEAD^1"))
                self.head = git.rev(self.integration)
            self._apply(coordination.MergeInterrupted(record.id))

    # -- messages ---------------------------------------------------------------------------
    def handle(self, message: Message) -> None:
        if message.id in self._handled:
            self.console.line(f"already handled {message.type} {message.id}; not acting twice")
            return
        started = self._handling_since = time.perf_counter()
        with self._lock:
            try:
                self._apply(message)
            except Exception as exc:
                # A coordinator that cannot go on must end the run with the reason, not hang it.
                self.console.line(f"!! internal error handling {message.type}: {type(exc).__name__}: {exc}")
                if self.state.phase != "finished":
                    self.model, effects = coordination.end(self.model, "failed",
                                                           f"the coordinator failed handling {message.type}: {type(exc).__name__}: {exc}")
                    self._carry_out(effects)
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
        if not self._loaded:
            self.console.line(f"{message.action} {message.target} arrived before the run was loaded; send it again")
            return
        with self._lock:
            self._apply(message)
            self._save()

    # -- carrying out the state machine's effects -----------------------------------------------
    def _apply(self, event: coordination.Input) -> None:
        self.model, effects = coordination.step(self.model, event, self.rules, time.time())
        self._carry_out(effects)

    def _carry_out(self, effects: list[coordination.Effect]) -> None:
        warm = False
        for effect in effects:
            if isinstance(effect, coordination.Say):
                self.console.line(effect.text)
            elif isinstance(effect, coordination.Emit):
                self.events.emit(effect.kind, task_id=effect.task_id, attempt=effect.attempt, text=effect.text, data=effect.data)
            elif isinstance(effect, coordination.Status):
                self.set_status(effect.status, task_id=effect.task_id, attempt=effect.attempt)
            elif isinstance(effect, coordination.AskPlan):
                self.set_status("waiting", task_id="plan", attempt=effect.number)
                self.send(PlanRequest(run_id=self.run_id, sender=self.name, recipient=self.cto, brief=self.info.brief, feedback=effect.feedback))
                self.console.line(f"asked {self.cto} for a plan (request {effect.number})")
            elif isinstance(effect, coordination.AskSplit):
                assert self.plan is not None
                self.send(PlanRequest(run_id=self.run_id, sender=self.name, recipient=self.cto, task_id=effect.task_id, brief=self.info.brief,
                                      split_task=self.plan.task(effect.task_id), feedback=effect.feedback))
            elif isinstance(effect, coordination.PlanAccepted):
                self._write_plan()
                self.run.update_info(status="running")
                warm = True
            elif isinstance(effect, coordination.PlanChanged):
                self._write_plan()
            elif isinstance(effect, coordination.Assign):
                self._assign(effect)
            elif isinstance(effect, coordination.AskReview):
                assert self.plan is not None
                self.send(ReviewRequest(run_id=self.run_id, sender=self.name, recipient=effect.reviewer, task_id=effect.task_id,
                                        task=self.plan.task(effect.task_id), attempt=effect.attempt, commit=effect.commit,
                                        files=effect.files, candidates=effect.candidates))
            elif isinstance(effect, coordination.Merge):
                self._merge(effect)
            elif isinstance(effect, coordination.RunChecks):
                self._run_checks(effect.reason_prefix)
            elif isinstance(effect, coordination.End):
                self._end(effect.status, effect.reason, self._checks)
        if warm:
            self._warm_checker()

    def _write_plan(self) -> None:
        assert self.plan is not None
        atomic_write_json(self.run.plan_json, self.plan.model_dump(mode="json"))

    def _assign(self, job: coordination.Assign) -> None:
        assert self.plan is not None
        task = self.plan.task(job.task_id)
        ids = {t.id for t in self.plan.tasks}
        contracts = {dep: self.plan.task(dep).contract for dep in task.depends_on if dep in ids and not self.plan.task(dep).contract.empty()}
        dep_files = [f for dep in task.depends_on for f in self.plan.task(dep).files if (self.integration / f).is_file()]
        self.send(TaskAssignment(
            run_id=self.run_id, sender=self.name, recipient=job.coder, task_id=job.task_id, task=task, attempt=job.attempt,
            branch=f"{self.branch}-{job.task_id}-a{job.attempt}", base_ref=self.head, feedback=job.feedback,
            context=signatures(self.integration, dep_files) if dep_files else "", escalated=job.escalated,
            previous_commit=job.previous_commit, rung=job.rung, dependency_contracts=contracts,
        ))
        self.events.emit("status", status=self.status, task_id=job.task_id, attempt=job.attempt,
                         text=f"{job.task_id} attempt {job.attempt}: {job.rung.name} ({job.model})", data={"rung": job.rung.name, "model": job.model})
        self.console.line(f"-> {job.task_id} attempt {job.attempt} to {job.coder}: rung {job.rung.name}"
                          f"{' (escalated to ' + job.model + ')' if job.escalated else ''}")

    def _merge(self, job: coordination.Merge) -> None:
        done = integrate(self.integration, self.head, job.commit, f"crewmux: merge {job.task_id} attempt {job.attempt}: {job.title}",
                         self._context)
        self.timing["git"] += done.git_seconds
        self.timing["suite"] += done.suite_seconds
        self.events.emit("merge", task_id=job.task_id, attempt=job.attempt, text=done.outcome,
                         data={"commit": done.merge_commit, "head": done.head, "files": done.conflicts})
        if done.outcome == "merged":
            self.head = done.head
        self._apply(coordination.Merged(job.task_id, job.attempt, done.outcome, done.head, done.findings, tuple(done.conflicts)))

    # -- budgets ------------------------------------------------------------------------------
    def _budget_clock(self) -> None:
        # The main thread only wakes on mail, so the clock posts a tick to our own mailbox.
        while not self.stopping:
            if self.stop_event.wait(5.0):
                return
            if time.time() - self.state.started_at > self.config.budgets.wall_seconds:
                self.send(ProgressUpdate(run_id=self.run_id, sender=self.name, recipient=self.name, status=BUDGET_TICK))
                return

    # -- the end ------------------------------------------------------------------------------
    def _run_checks(self, reason_prefix: str) -> None:
        self._save()
        self.set_status("validating", task_id="", text="final checks of the merged branch")
        self.console.line("== every task is finished: full suite and build of the merged branch")
        tracked = git.tracked_files(self.integration)
        ctx = self._context(tracked)
        with self._timed("suite"):
            self._checks = syntax_checks(ctx) + suite_checks(ctx, tracked)
        self._apply(coordination.Checked(tuple(c.name for c in self._checks if c.status == "failed"), reason_prefix))

    def _end(self, status: str, reason: str, checks: list[CheckResult] | None = None) -> None:
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
