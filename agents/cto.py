"""The CTO: turns the brief (and the project as it is) into a checked plan.

The plan comes back as a structured reply against the Plan schema. It is checked (ids,
dependencies, cycles, parallel tasks writing one file); when it fails, the CTO asks its
model again with the problems named, the cycle spelled out. What needs no model is
repaired first (plan_check.repair_plan: paths as the brief names them, tasks sharing a
file merged into one). It can also split a task that keeps failing into smaller ones.
"""

from __future__ import annotations

import json

from crewmux.agents.context import scan_project
from crewmux.agents.llm.errors import StructuredReplyError
from crewmux.agents.llm.tokens import CHARS_PER_TOKEN, estimate_tokens
from crewmux.agents.llm.types import ChatMessage, LLMError
from crewmux.agents.loop import Agent, AgentStopped
from crewmux.agents.plan_check import brief_paths, check_plan, one_file_plan, repair_plan, salvage_plan
from crewmux.agents.prompt_budget import prompt_budget
from crewmux.agents.prompting import Talker, prompt
from crewmux.config import ModelConfig
from crewmux.protocol.messages import ErrorReport, Message, PlanMessage, PlanRequest
from crewmux.protocol.plan import MAX_TASKS, Plan, PlanReply
from crewmux.protocol.rundir import COORDINATOR

PLAN_ROUNDS = 3
PLAN_MAX_TOKENS = 4096


class CTO(Agent):
    role = "cto"

    def on_start(self) -> None:
        self.talker = Talker(self, "cto")
        self.talker.warm(self.config.for_role("cto"))

    def handle(self, message: Message) -> None:
        if isinstance(message, PlanRequest):
            try:
                self.plan(message)
            except (AgentStopped, KeyboardInterrupt):
                raise
            except Exception as exc:
                self._fail(message, "plan", f"the CTO failed: {type(exc).__name__}: {exc}")
        else:
            self.console.line(f"ignoring a {message.type} message: the CTO only takes plan requests")

    def _project_view(self, model: ModelConfig, fixed: str) -> str:
        """The run branch as it is (the user's checkout may hold unrelated, uncommitted
        files), within what the model's context leaves after the rest of the prompt and
        the plan's schema."""
        worktree = self.run.worktree("integration")
        room = prompt_budget(model) - estimate_tokens(fixed) - estimate_tokens(json.dumps(PlanReply.model_json_schema()))
        max_chars = max(2000, room * CHARS_PER_TOKEN)
        view = scan_project(worktree if worktree.is_dir() else self.run.project_dir, max_chars=max_chars)
        if view.endswith("... (cut)"):
            self.console.line(f"   the project view was cut to fit the model's context ({max_chars} characters)")
            self.events.emit("status", status=self.status, task_id="plan", text="prompt cut: project view",
                             data={"prompt_cut": [f"project view: cut to {room} tokens"]})
        return view

    def plan(self, request: PlanRequest) -> None:
        self.set_status("thinking", task_id="plan", attempt=1)
        # A plan is small (the schema bounds it); a reply running past this is a runaway.
        model = self.config.for_role("cto")
        model = model.model_copy(update={"max_tokens": min(model.max_tokens, PLAN_MAX_TOKENS)})
        system = prompt("cto", max_tasks=MAX_TASKS)
        if request.split_task is not None:
            task = request.split_task
            split = prompt("cto_split", task=task.model_dump_json(indent=2), failure=request.feedback or "(none given)",
                           deps=", ".join(task.depends_on) or "none", prefix=f"{task.id}-")
            project = self._project_view(model, system + request.brief + split)
            user = prompt("cto_request", brief=request.brief, project=project, feedback="") + split
        else:
            feedback = prompt("cto_replan", problems=request.feedback) if request.feedback else ""
            project = self._project_view(model, system + request.brief + feedback)
            user = prompt("cto_request", brief=request.brief, project=project, feedback=feedback)
        if request.split_task is None and not request.feedback:
            single = self._one_file_plan(request.brief)
            if single is not None:
                self.console.line(f"== plan: the brief names one file ({single.tasks[0].files[0]}): one task, no model asked")
                self.send(PlanMessage(run_id=self.run_id, sender=self.name, recipient=COORDINATOR, reply_to=request.id,
                                      task_id=request.task_id, plan=single, tokens=0))
                return
        messages = [ChatMessage("system", system), ChatMessage("user", user)]
        problems = ""
        tokens = 0
        for round_no in range(1, PLAN_ROUNDS + 1):
            self.checkpoint()
            notes = self.take_steer_notes()
            if notes:
                messages.append(ChatMessage("user", prompt("steer", notes="\n".join(f"- {n}" for n in notes))))
            self.set_status("thinking", attempt=round_no)
            try:
                reply, result = self.talker.structured(messages, PlanReply, model, task="plan", attempt=round_no)
                plan = Plan.model_validate(reply.model_dump())
            except StructuredReplyError as exc:
                # No grammar on this server: a runaway plan is cut to the schema's bounds here.
                salvaged = salvage_plan(exc.reply, PlanReply.model_json_schema())
                try:
                    plan = Plan.model_validate(PlanReply.model_validate(salvaged).model_dump()) if salvaged else None
                except ValueError:
                    plan = None
                if plan is None:
                    self._fail(request, "llm", f"the CTO's model failed: {exc}")
                    return
                self.console.line(f"   the reply broke the plan's schema; kept its first {len(plan.tasks)} whole tasks, cut to the bounds")
                result = None
            except LLMError as exc:
                self._fail(request, "llm", f"the CTO's model failed: {exc}")
                return
            if result is not None:
                tokens += result.stats.prompt_tokens + result.stats.completion_tokens
            if request.split_task is None:
                repaired = repair_plan(plan, request.brief)
                plan = repaired.plan
                for note in repaired.notes:
                    self.console.line(f"   repaired: {note}")
                if repaired.notes:
                    self.events.emit("status", status=self.status, task_id="plan", text="plan repaired: " + "; ".join(repaired.notes)[:500],
                                     data={"repairs": repaired.notes})
            checked = check_plan(plan) if request.split_task is None else _check_split(plan, request)
            if request.split_task is None:
                checked.problems[:0] = repaired.problems
            if checked.ok:
                self.console.line(f"== plan: {len(plan.tasks)} tasks: " + ", ".join(f"{t.id} {t.title}" for t in plan.tasks))
                self.send(PlanMessage(run_id=self.run_id, sender=self.name, recipient=COORDINATOR, reply_to=request.id,
                                      task_id=request.task_id, plan=plan, tokens=tokens))
                return
            problems = checked.text()
            self.console.line("!! the plan does not pass its checks; asking again:\n" + problems)
            self.events.emit("error", task_id="plan", attempt=round_no, text="plan rejected: " + problems)
            messages += [ChatMessage("assistant", plan.model_dump_json()), ChatMessage("user", prompt("cto_replan", problems=problems))]
        self._fail(request, "plan", f"no valid plan after {PLAN_ROUNDS} tries:\n{problems}")

    def _one_file_plan(self, brief: str) -> Plan | None:
        worktree = self.run.worktree("integration")
        root = worktree if worktree.is_dir() else self.run.project_dir
        existing = {}
        for path in brief_paths(brief)[:1]:
            if (root / path).is_file():
                existing[path] = (root / path).read_text(errors="replace")
        return one_file_plan(brief, existing)

    def _fail(self, request: PlanRequest, kind: str, error: str) -> None:
        self.console.line(f"!! {error}")
        self.send(ErrorReport(run_id=self.run_id, sender=self.name, recipient=COORDINATOR, task_id=request.task_id,
                              reply_to=request.id, kind=kind, error=error, recoverable=False))


def _check_split(plan: Plan, request: PlanRequest):
    """A split may depend on the old task's dependencies, which are not in the new plan."""
    outside = set(request.split_task.depends_on) if request.split_task else set()
    trimmed = plan.model_copy(deep=True)
    for task in trimmed.tasks:
        task.depends_on = [d for d in task.depends_on if d not in outside]
    return check_plan(trimmed)

