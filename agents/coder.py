"""The coder: builds one task at a time in its own git worktree.

Its prompt holds the task, its acceptance criteria, the signatures of what its
dependencies made, QA's findings on a retry and any human steer note. It writes through
the safe writer, runs the language's syntax check itself and fixes its own syntax errors
with the error in front of it before reporting; the same error three times in a row (or
two errors taking turns) and it reports being stuck instead of looping.
"""

from __future__ import annotations

import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath

from crewmux.agents.contract import render_contract
from crewmux.agents.escalation import RETRY_TEMPERATURE
from crewmux.agents.edit_format import EditError, ParsedReply, apply_edit, parse_reply
from crewmux.agents.llm.types import ChatMessage, LLMError
from crewmux.agents.loop import Agent, AgentStopped
from crewmux.agents.python_repairs import repair
from crewmux.agents.prompt_budget import Part, fit, prompt_budget
from crewmux.agents.prompting import Talker, prompt
from crewmux.agents.stuck import StuckDetector
from crewmux.config import ModelConfig
from crewmux.protocol.messages import Completion, ErrorReport, Message, TaskAssignment
from crewmux.protocol.rundir import COORDINATOR
from crewmux.workspace import git
from crewmux.workspace.safe_write import apply_files
from crewmux.workspace.sandbox import Sandbox
from crewmux.workspace.validators import Context, format_findings, languages, syntax_checks
from crewmux.workspace.validators.resident import ResidentPyCheck

FIX_ROUNDS = 2  # replies after the first one, each with the syntax errors in front of it
MALFORMED = "malformed"  # a reply whose files could not be read or written
SYNTAX = "syntax"  # a reply whose files failed the syntax check
SERVER_DOWN = ("connect", "connect_timeout")  # LLMError kinds of a model server that cannot be reached
SERVER_WAITS = (2.0, 5.0, 10.0, 20.0, 30.0)  # seconds between asks of a server that is down


class Coder(Agent):
    role = "coder"

    def on_start(self) -> None:
        self.talker = Talker(self, "coder")
        self.talker.warm(self.config.for_role("coder"))
        self.sandbox = Sandbox.from_config(self.config.sandbox)
        self.worktree = self.run.worktree(self.name)
        self.pycheck = ResidentPyCheck(self.sandbox, self.worktree, timeout=self.config.sandbox.timeout)
        self.console.line(self.sandbox.describe())

    def on_stop(self) -> None:
        self.pycheck.close()

    def handle(self, message: Message) -> None:
        if isinstance(message, TaskAssignment):
            try:
                self.build(message)
            except (AgentStopped, KeyboardInterrupt):
                raise
            except Exception as exc:
                # The coordinator waits for this attempt to end: say how it ended.
                self._report(message, "internal", f"{type(exc).__name__}: {exc}")
        else:
            self.console.line(f"ignoring a {message.type} message: a coder only takes task assignments")

    # -- one task ----------------------------------------------------------------------
    def build(self, job: TaskAssignment) -> None:
        task = job.task
        started = time.monotonic()
        self.set_status("thinking", task_id=task.id, attempt=job.attempt)
        model = self._model(job)
        self.console.line(f"== {task.id} attempt {job.attempt}: {task.title} ({model.model}, rung {job.rung.name}"
                          f"{', thinking' if model.think else ''}{', escalated' if job.escalated else ''})")
        try:
            git.add_worktree(self.run.project_dir, self.worktree, job.base_ref)
        except git.GitError as exc:
            self._report(job, "git", str(exc))
            return
        # The checkout runs while the model thinks: the prompt reads the files from git.
        checkout = Checkout(self.worktree, job.base_ref, job.branch)
        checkout.start()
        try:
            self._build(job, model, checkout, started)
        finally:
            checkout.join()

    def _model(self, job: TaskAssignment) -> ModelConfig:
        """The model of this attempt's rung: the role's, a bigger one, thinking switched on."""
        model = self.config.for_role("coder")
        rung = job.rung
        if rung.model and rung.model != model.model:
            escalation = self.config.escalation
            if escalation is not None and escalation.model == rung.model:
                model = escalation
            else:  # a bigger pulled model on the same engine
                model = model.model_copy(update={"model": rung.model, **({"provider": rung.provider} if rung.provider else {})})
        elif job.escalated and not rung.model:
            model = self.config.escalation_model("coder")  # an assignment from before the ladder
        if rung.think is not None:
            model = model.model_copy(update={"think": rung.think})
        if len(rung.temperatures) == 1:  # one candidate: this attempt's temperature (best-of-N has several)
            model = model.model_copy(update={"temperature": rung.temperatures[0]})
        return model

    def _build(self, job: TaskAssignment, model: ModelConfig, checkout: Checkout, started: float) -> None:
        task = job.task
        if task.language == "python" or "python" in languages(task.files):
            self.pycheck.warm()  # it starts while the model thinks
        system = prompt("coder_search_replace" if self.config.edit_format == "search_replace" else "coder")
        notes = self.take_steer_notes()
        messages = [ChatMessage("system", system), ChatMessage("user", self._task_prompt(job, model, system, notes))]
        # best-of-N on a retry: the candidates but the first start again (_candidates)
        starts_again = len(job.rung.temperatures) > 1 and job.previous_commit
        fresh = [messages[0], ChatMessage("user", self._task_prompt(job, model, system, notes, fresh=True))] if starts_again else messages
        stuck = StuckDetector()
        asking = model  # the fix rounds' model: warmer once the same error comes back
        tokens = 0
        errors = ""
        written: list[str] = []  # every file written in this attempt, over all the replies
        for round_no in range(1 + FIX_ROUNDS):
            self.checkpoint()
            if round_no > 0 and (notes := self.take_steer_notes()):
                messages.append(ChatMessage("user", _steer_text(notes)))
            self.set_status("thinking")
            try:
                if round_no == 0 and len(job.rung.temperatures) > 1:
                    results = self._candidates(messages, fresh, model, job)
                    result = results[0]
                else:
                    results = []
                    result = self._until_server_answers(
                        lambda: self.talker.chat(messages, asking, task=task.id, attempt=job.attempt, rung=job.rung.name))
            except LLMError as exc:
                self._report(job, "llm", str(exc))
                return
            tokens += sum(r.stats.prompt_tokens + r.stats.completion_tokens for r in (results or [result]))
            failed = checkout.wait()
            if failed:
                self._report(job, "git", str(failed), tokens=tokens)
                return
            if results:
                kept, result, written, errors = self._check_candidates(job, results)
                if kept:
                    self._send_completion(job, kept, written, tokens, time.monotonic() - started)
                    return
            else:
                now, errors = self._write_and_check(job, result.text, written)
                written += [path for path in now if path not in written]
            if not errors:
                self._complete(job, written, tokens, time.monotonic() - started)
                return
            self.console.line("!! " + errors.replace("\n", "\n   "))
            if stuck.add(errors):
                self.set_status("stuck")
                self._report(job, "stuck", f"stuck: {stuck.reason()}:\n{errors}", tokens=tokens)
                return
            if stuck.repeated and (asking.temperature or 0.0) < RETRY_TEMPERATURE:
                # At 0.2 the 1.5B sends the same file back for the same error: let the reply change.
                asking = model.model_copy(update={"temperature": RETRY_TEMPERATURE})
                self.console.line(f"   the same error again: the next fix is asked at temperature {RETRY_TEMPERATURE}")
            messages += [ChatMessage("assistant", result.text), ChatMessage("user", prompt("coder_fix", errors=errors))]
        self._report(job, "invalid_reply", f"still failing the syntax check after {1 + FIX_ROUNDS} replies:\n{errors}", tokens=tokens)

    def _until_server_answers(self, ask):
        """``ask()``, asked again while the model server cannot be reached: a server that is
        down is not this attempt's failure, and retrying would only burn the task's attempts."""
        for waits in itertools.count():
            try:
                return ask()
            except LLMError as exc:
                if exc.kind not in SERVER_DOWN:
                    raise
                delay = SERVER_WAITS[min(waits, len(SERVER_WAITS) - 1)]
                self.console.line(f"!! the model server does not answer: {str(exc).splitlines()[0]}; asking again in "
                                  f"{delay:.0f} s (not a failed attempt; start the server, or stop the run)")
                self.set_status("waiting")
                self.stop_event.wait(delay)
                self.checkpoint()  # leaves when the run is stopped
                self.set_status("thinking")
        raise AssertionError("not reached")

    def _write_and_check(self, job: TaskAssignment, text: str, written: list[str] | None = None) -> tuple[list[str], str]:
        """Write one reply's files and syntax-check them; (paths written, errors)."""
        self.set_status("writing")
        now, errors = self._write(parse_reply(text), job.task.files)
        files = [*(written or []), *(p for p in now if p not in (written or []))]
        if errors:
            self._problem(job, MALFORMED, errors)
            return now, errors
        self.set_status("validating")
        checks = syntax_checks(Context(self.worktree, files, self.sandbox, timeout=self.config.sandbox.timeout, pycheck=self.pycheck))
        errors = format_findings(checks, self.worktree)
        for check in checks:
            self.console.line(f"   {check.name}: {check.status} {check.detail.splitlines()[0] if check.detail else ''}")
        if errors:
            self._problem(job, SYNTAX, errors)
        return now, errors

    # -- best-of-N: candidates at different temperatures, the first QA passes is kept -----------
    def _candidates(self, repair: list[ChatMessage], fresh: list[ChatMessage], model: ModelConfig, job: TaskAssignment) -> list:
        """One reply per temperature, asked side by side (the engine queues or batches them).
        The first repairs the previous attempt's files; the others start again from the
        task's files with only the error: shown the wrong code, a small model sends it back
        (the 1.5B's best-of-3 repairs fixed 0 of 5 tasks), so most candidates are new drafts."""
        temps = job.rung.temperatures
        self.console.line(f"   asking for {len(temps)} candidates at temperatures {', '.join(str(t) for t in temps)}"
                          + (" (the first repairs the previous files, the others start again)" if fresh is not repair else ""))
        with ThreadPoolExecutor(max_workers=len(temps), thread_name_prefix="candidate") as pool:
            futures = [pool.submit(self.talker.chat, repair if number == 0 else fresh, model.model_copy(update={"temperature": t}),
                                   task=job.task.id, attempt=job.attempt, rung=job.rung.name, quiet=True)
                       for number, t in enumerate(temps)]
            results, failures = [], []
            for future in futures:
                try:
                    results.append(future.result())
                except LLMError as exc:
                    failures.append(exc)
        if not results:
            raise failures[0]
        return results

    def _check_candidates(self, job: TaskAssignment, results: list) -> tuple[list[str], object, list[str], str]:
        """Each candidate written from the task's base on its own branch and syntax-checked;
        the ones that pass are committed. (commits kept, last reply, its files, its errors)."""
        kept: list[str] = []
        files: list[str] = []
        last_errors, last, last_written = "", results[-1], []
        for number, result in enumerate(results, start=1):
            if number > 1:
                git.checkout_fresh(self.worktree, job.base_ref, branch=f"{job.branch}-c{number}")
            now, errors = self._write_and_check(job, result.text)
            if errors:
                self.console.line(f"   candidate {number}: not kept: {errors.splitlines()[0]}")
                last_errors, last, last_written = errors, result, now
                continue
            commit = git.commit_all(self.worktree, f"crewmux {job.task.id} attempt {job.attempt} candidate {number}: {job.task.title}")
            kept.append(commit or git.rev(self.worktree))
            files += [p for p in now if p not in files]
            self.console.line(f"   candidate {number}: {kept[-1][:10]}")
        if kept:
            return kept, results[0], files, ""
        # None passed its syntax check: the last one is fixed as a single reply would be.
        return [], last, last_written, last_errors

    def _send_completion(self, job: TaskAssignment, commits: list[str], written: list[str], tokens: int, seconds: float) -> None:
        self.send(Completion(
            run_id=self.run_id, sender=self.name, recipient=COORDINATOR, task_id=job.task.id, reply_to=job.id,
            attempt=job.attempt, commit=commits[0], candidates=commits[1:], files=written, tokens=tokens, seconds=round(seconds, 3),
            summary=f"{len(commits)} candidate(s) writing {', '.join(written)}",
        ))
        self.console.line(f"== {job.task.id} attempt {job.attempt} done: {len(commits)} candidate(s), first {commits[0][:10]}")

    def _problem(self, job: TaskAssignment, kind: str, errors: str) -> None:
        """One reply that could not be used as it was (counted in the report)."""
        self.events.emit("error", task_id=job.task.id, attempt=job.attempt, text=errors.splitlines()[0][:300], data={"reply": kind})

    def _task_prompt(self, job: TaskAssignment, model: ModelConfig, system: str, notes: list[str], fresh: bool = False) -> str:
        """The task, its contract and what it builds on first (the same on every attempt, so
        the engine reuses its cache of them), what changed last (files, errors); cut to
        the model's context by priority, the cut reported. ``fresh``: a new draft, shown the
        error but not the previous attempt's files."""
        task = job.task
        acceptance = "\n".join(f"- {a}" for a in task.acceptance) or prompt("coder_no_acceptance")
        contract = render_contract(task.contract)
        deps = "\n".join(f"{dep}:\n{render_contract(c)}" for dep, c in job.dependency_contracts.items())
        feedback = prompt("coder_retry_fresh" if fresh else "coder_retry", attempt=job.attempt, feedback=job.feedback) if job.feedback else ""
        frame = _frame(task.id, ", ".join(task.files), task.language)
        # A one-file task's description is the brief (or its start): said once, not twice.
        description = "" if task.description.strip() and task.description.strip() in self.info.brief else task.description
        fitted = fit([
            Part("system", system, 0),
            Part("frame", frame, 0),
            Part("task", "\n".join([task.title, description, acceptance, contract]), 0),
            Part("brief", self.info.brief, 2),
            Part("dependency contracts", deps, 1),
            Part("errors", feedback, 2),
            Part("current files", self._current_files(task.files, job.base_ref, None if fresh else job.previous_commit), 3),
            Part("signatures", job.context, 4),
        ], prompt_budget(model))
        if fitted.cuts:
            self.console.line("   prompt cut to fit the model's context: " + "; ".join(fitted.cuts))
            self.events.emit("status", status=self.status, task_id=task.id, attempt=job.attempt,
                             text="prompt cut: " + "; ".join(fitted.cuts), data={"prompt_cut": fitted.cuts})
        context = prompt("coder_signatures", signatures=fitted["signatures"]) if fitted["signatures"] else ""
        if fitted["dependency contracts"]:
            context += prompt("coder_dependency_contracts", contracts=fitted["dependency contracts"])
        return prompt(
            "coder_task", task_id=task.id, title=task.title, description=description,
            files=", ".join(task.files) or "(choose)", language=task.language or "(any)", acceptance=acceptance,
            contract=prompt("coder_contract", contract=contract) if contract else "",
            brief=prompt("coder_brief", brief=fitted["brief"].strip()) if fitted["brief"].strip() else "",
            context=context, current=fitted["current files"], feedback=fitted["errors"],
            steer=_steer_text(notes) if notes else "",
        )

    def _current_files(self, files: list[str], base: str, previous: str | None) -> str:
        """The task's files: as the previous attempt left them on a retry, else as they are at ``base``."""
        parts = []
        for rel, text in git.show_files(self.worktree, previous or base, files).items():
            if text is None:
                continue
            parts.append(f"{rel}:\n```\n{text}\n```")
        if not parts:
            return ""
        return prompt("coder_previous_files" if previous else "coder_current_files", files="\n".join(parts))

    def _write(self, parsed: ParsedReply, task_files: list[str] | None = None) -> tuple[list[str], str]:
        """Write the reply's files; (paths written, problems to send back)."""
        if parsed.empty and len(task_files or []) == 1:
            only = (task_files or [""])[0]
            block = parsed.sole_block(PurePosixPath(only).suffix)
            if block is not None:
                # The task has one file and the reply one code block: that block is the file.
                self.console.line(f"   the reply's one code block had no path: written as the task's {only}")
                parsed.files.append((only, block))
        if parsed.empty:
            return [], prompt("coder_no_files")
        files = self._to_task_paths(list(parsed.files), task_files or [])
        problems = list(parsed.problems)
        contents = dict(files)
        for edit in parsed.edits:
            original = contents.get(edit.path)
            if original is None and (self.worktree / edit.path).is_file():
                original = (self.worktree / edit.path).read_text(errors="replace")
            try:
                contents[edit.path] = apply_edit(original, edit)
            except EditError as exc:
                problems.append(str(exc))
        for path, text in contents.items():
            if path.endswith(".py"):
                repaired = repair(text, path)
                if repaired.notes:
                    self.console.line(f"   {path} repaired: {'; '.join(repaired.notes)}")
                    contents[path] = repaired.source
        report = apply_files(self.worktree, list(contents.items()))
        for refused in report.refused:
            problems.append(f"{refused.path}: not written: {refused.reason}")
        written = [str(p) for p in report.written]
        for path in written:
            self.console.line(f"   wrote {path}")
        blocking = [p for p in problems if "not closed" not in p]
        return written, "\n".join(blocking)

    def _to_task_paths(self, files: list[tuple[str, str]], task_files: list[str]) -> list[tuple[str, str]]:
        """A file of the task sent under another folder (src/cli.py for the task's cli.py, as
        small models do) goes where the task says: the brief and QA run it there."""
        sent = {path for path, _ in files}
        moved = []
        for path, text in files:
            if path not in task_files:
                same = [t for t in task_files if PurePosixPath(t).name == PurePosixPath(path).name and t not in sent]
                if len(same) == 1:
                    self.console.line(f"   {path} is the task's {same[0]}: written there")
                    sent.add(same[0])
                    path = same[0]
            moved.append((path, text))
        return moved

    def _complete(self, job: TaskAssignment, written: list[str], tokens: int, seconds: float) -> None:
        try:
            commit = git.commit_all(self.worktree, f"crewmux {job.task.id} attempt {job.attempt}: {job.task.title}")
        except git.GitError as exc:
            self._report(job, "git", str(exc), tokens=tokens)
            return
        commit = commit or git.rev(self.worktree)
        self.send(Completion(
            run_id=self.run_id, sender=self.name, recipient=COORDINATOR, task_id=job.task.id, reply_to=job.id,
            attempt=job.attempt, commit=commit, files=written, tokens=tokens, seconds=round(seconds, 3),
            summary=f"wrote {', '.join(written)}",
        ))
        self.console.line(f"== {job.task.id} attempt {job.attempt} done: {commit[:10]}")

    def _report(self, job: TaskAssignment, kind: str, error: str, tokens: int = 0) -> None:
        self.console.line(f"!! {job.task.id} attempt {job.attempt}: {kind}: {error.splitlines()[0]}")
        self.send(ErrorReport(
            run_id=self.run_id, sender=self.name, recipient=COORDINATOR, task_id=job.task.id, reply_to=job.id,
            kind=kind, error=error[:20000], attempt=job.attempt,
        ))


class Checkout(threading.Thread):
    """Throws the worktree back to the task's base, on the attempt's branch, in the background."""

    def __init__(self, worktree: Path, ref: str, branch: str) -> None:
        super().__init__(name="checkout", daemon=True)
        self.worktree, self.ref, self.branch = worktree, ref, branch
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            git.checkout_fresh(self.worktree, self.ref, branch=self.branch)
        except Exception as exc:  # a thread's exception would vanish; wait() hands it on
            self.error = exc

    def wait(self) -> git.GitError | None:
        """Once it has finished: the git error, if git failed. Anything else (git hung past
        its timeout, no git at all) is raised here, as it was when the checkout ran inline."""
        self.join()
        if self.error is not None and not isinstance(self.error, git.GitError):
            raise self.error
        return self.error


def _steer_text(notes: list[str]) -> str:
    return prompt("steer", notes="\n".join(f"- {n}" for n in notes))


def _frame(task_id: str, files: str, language: str) -> str:
    """The task prompt's own text and the headings it may add around its parts, without
    the parts (counted in the prompt's budget; attempt 10 stands for the longest number)."""
    empty = dict(title="", description="", acceptance="", contract="", brief="", context="", current="", feedback="", steer="")
    return (prompt("coder_task", task_id=task_id, files=files, language=language, **empty) + prompt("coder_brief", brief="")
            + prompt("coder_signatures", signatures="") + prompt("coder_dependency_contracts", contracts="")
            + prompt("coder_contract", contract="") + max(prompt("coder_retry", attempt=10, feedback=""),
                                                          prompt("coder_retry_fresh", attempt=10, feedback=""), key=len))
