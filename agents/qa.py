"""QA: checks each completed task with the real tools, in the sandbox, and gives a verdict.

A task that brought no tests gets tests written from its acceptance criteria (the spec,
not the code); they are committed on top of the coder's commit so that, once accepted,
they join the project's suite. A check that could not run is "not checked", never a pass.
"""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath

from crewmux.agents.context import signatures
from crewmux.agents.edit_format import parse_reply
from crewmux.agents.llm.types import ChatMessage, LLMError
from crewmux.agents.loop import Agent, AgentStopped
from crewmux.agents.prompting import Talker, prompt
from crewmux.config import ModelConfig
from crewmux.protocol.messages import Check, Message, ReviewRequest, ReviewResult
from crewmux.protocol.plan import Plan, PlanTask
from crewmux.workspace import git
from crewmux.workspace.safe_write import apply_files
from crewmux.workspace.sandbox import Sandbox
from crewmux.workspace.validators import CheckResult, Context, format_findings, is_test_file, language_of, languages, review_checks
from crewmux.workspace.validators.resident import ResidentPyCheck
from crewmux.workspace.validators.base import tool_path

COORDINATOR = "coordinator"
# Languages QA can write tests for, with the runner it names to the model.
RUNNERS = {"python": ("pytest (plain assert functions)", "pytest"), "javascript": ("node:test with node:assert (node --test)", "node"), "go": ("go test (package testing)", "go")}


def qa_test_file(task: PlanTask, language: str) -> str:
    if language == "python":
        return f"test_qa_{task.id}.py"
    if language == "javascript":
        return f"test/qa_{task.id}.test.js"
    go_dirs = [str(PurePosixPath(f).parent) for f in task.files if f.endswith(".go")]
    folder = go_dirs[0] if go_dirs and go_dirs[0] != "." else ""
    return f"{folder + '/' if folder else ''}qa_{task.id}_test.go"


def verdict(checks: list[CheckResult]) -> tuple[str, str]:
    """pass only when something was really checked and nothing failed."""
    failed = [c for c in checks if c.status == "failed"]
    if failed:
        return "fail", ""
    if any(c.status == "passed" for c in checks):
        return "pass", ""
    missing = [c.detail for c in checks if "not installed" in c.detail]
    if missing:
        return "fail", "Nothing could be checked: " + "; ".join(missing)
    return "pass", "no validator applies to these files; accepted unchecked"


class QA(Agent):
    role = "qa"

    def on_start(self) -> None:
        self.talker = Talker(self, "qa")
        self.talker.warm(self.config.for_role("qa"))
        self.sandbox = Sandbox.from_config(self.config.sandbox)
        self.worktree = self.run.worktree(self.name)
        self.pycheck = ResidentPyCheck(self.sandbox, self.worktree, timeout=self.config.sandbox.timeout)
        described = self.sandbox.describe()
        self.console.line(described)
        # The dashboard's header shows this line; unsandboxed, it starts with WARNING.
        self.events.emit("status", status=self.status, text=described, data={"sandbox": described})

    def on_stop(self) -> None:
        self.pycheck.close()

    def handle(self, message: Message) -> None:
        if isinstance(message, ReviewRequest):
            try:
                self.review(message)
            except (AgentStopped, KeyboardInterrupt):
                raise
            except Exception as exc:
                # The coordinator waits for a verdict: an unreviewable attempt is a failed one, said why.
                self.console.line(f"!! could not review {message.task_id}: {type(exc).__name__}: {exc}")
                self.send(ReviewResult(
                    run_id=self.run_id, sender=self.name, recipient=COORDINATOR, task_id=message.task_id, reply_to=message.id,
                    attempt=message.attempt, commit=message.commit, verdict="fail",
                    findings=f"QA could not review this attempt: {type(exc).__name__}: {exc}",
                ))
        else:
            self.console.line(f"ignoring a {message.type} message: QA only takes review requests")

    def review(self, request: ReviewRequest) -> None:
        task = request.task
        self.set_status("validating", task_id=task.id, attempt=request.attempt)
        self.console.line(f"== review {task.id} attempt {request.attempt} at {request.commit[:10]}")
        git.add_worktree(self.run.project_dir, self.worktree, request.commit)
        git.checkout_fresh(self.worktree, request.commit)
        files = [f for f in (request.files or task.files) if (self.worktree / f).is_file()]
        if "python" in languages(files):
            self.pycheck.warm()  # it starts while the tests are written
        commit = request.commit
        notes: list[str] = []
        written = self._tests_for(task, files, request.attempt, notes)
        if written:
            files += written
            commit = git.commit_all(self.worktree, f"crewmux qa: tests for {task.id} from its acceptance criteria") or commit
        self.set_status("validating")
        ctx = Context(self.worktree, files, self.sandbox, timeout=self.config.sandbox.timeout, artifacts=self.run.artifacts_dir,
                      pending=self._pending_files(task), pycheck=self.pycheck)
        checks = review_checks(ctx, git.tracked_files(self.worktree), label=f"{task.id}-a{request.attempt}")
        for check in checks:
            self.console.line(f"   {check.name}: {check.status} {check.detail.splitlines()[0] if check.detail else ''}")
        outcome, why = verdict(checks)
        findings = format_findings(checks, self.worktree)
        findings = "\n".join(part for part in (why, *notes, findings) if part)
        self.events.emit("verdict", task_id=task.id, attempt=request.attempt, text=outcome,
                         data={"checks": {c.name: c.status for c in checks}})
        self.console.line(f"== {task.id} attempt {request.attempt}: {outcome.upper()}")
        self.send(ReviewResult(
            run_id=self.run_id, sender=self.name, recipient=COORDINATOR, task_id=task.id, reply_to=request.id,
            attempt=request.attempt, commit=commit, verdict=outcome,
            checks=[Check(name=c.name, status=c.status, detail=c.detail[:2000]) for c in checks], findings=findings,
        ))

    def _pending_files(self, task: PlanTask) -> tuple[str, ...]:
        """Files other tasks of the plan will make, not yet in this worktree."""
        try:
            plan = Plan.model_validate_json(self.run.plan_json.read_bytes())
        except (OSError, ValueError):
            return ()
        return tuple(sorted({f for t in plan.tasks if t.id != task.id for f in t.files if not (self.worktree / f).exists()}))

    # -- tests from the acceptance criteria -----------------------------------------------
    def _tests_for(self, task: PlanTask, files: list[str], attempt: int, notes: list[str]) -> list[str]:
        langs = [language_of(f) for f in files]
        language = next((l for l in langs if l in RUNNERS), None)
        if language is None or not task.acceptance or any(is_test_file(f) for f in files):
            return []
        runner, tool = RUNNERS[language]
        if tool_path(tool) is None:
            notes.append(f"not checked: tests not written, {tool} not installed")
            return []
        target = qa_test_file(task, language)
        kept = self.run.artifacts_dir / "qa-tests" / task.id
        # The same tests on every attempt, so attempts are judged alike; but when the task
        # reaches the escalation model, the tests are written again by it too: after that
        # many failures, the tests themselves may be what is wrong.
        rewrite = attempt == self.config.budgets.escalate_after + 1
        if rewrite or not (kept / target).is_file():
            if not self._write_tests(task, files, language, runner, target, attempt, kept, notes):
                return []
        content = (kept / target).read_text()
        report = apply_files(self.worktree, [(target, content)])
        if report.refused:
            notes.append(f"could not add QA tests: {report.refused[0].reason}")
            return []
        self.console.line(f"   added QA tests {target}")
        return [target]

    def _model(self, attempt: int) -> ModelConfig:
        escalated = attempt > self.config.budgets.escalate_after
        return self.config.escalation_model("qa") if escalated else self.config.for_role("qa")

    def _write_tests(self, task: PlanTask, files: list[str], language: str, runner: str, target: str,
                     attempt: int, kept: Path, notes: list[str]) -> bool:
        self.set_status("thinking")
        user = prompt(
            "qa_tests_task", task_id=task.id, title=task.title, description=task.description,
            acceptance="\n".join(f"- {a}" for a in task.acceptance), runner=runner, test_file=target,
            signatures=signatures(self.worktree, [f for f in files if language_of(f) == language]) or "(none)",
        )
        try:
            result = self.talker.chat([ChatMessage("system", prompt("qa_tests")), ChatMessage("user", user)],
                                      self._model(attempt), task=task.id, attempt=attempt)
        except LLMError as exc:
            notes.append(f"not checked: QA could not write tests ({exc})")
            return False
        parsed = parse_reply(result.text)
        tests = [(path, text) for path, text in parsed.files if is_test_file(path)]
        if not tests:
            notes.append("not checked: QA's model replied without a test file")
            return False
        # Whatever name the model chose, the tests live where this task's QA tests live.
        if kept.exists():
            shutil.rmtree(kept)
        (kept / target).parent.mkdir(parents=True, exist_ok=True)
        (kept / target).write_text(tests[0][1])
        return True
