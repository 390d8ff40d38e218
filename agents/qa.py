"""QA: checks each completed task with the real tools, in the sandbox, and gives a verdict.

A criterion that names a command is run as that command (criteria.py). For the other
criteria a task that brought no tests gets tests written from them and the task's
contract (the spec, not the code); they are committed on top of the coder's commit so
that, once accepted, they join the project's suite. Before a failure goes back to the
coder, QA decides whose fault it is (qa_vetting.py): a test calling outside the
contract, contradicting another, erroring inside itself or stuck on the failure the
previous attempt's code had is dropped with a note. A check that could not run is
"not checked", never a pass. With best-of-N candidates, the first that passes is kept.
"""

from __future__ import annotations

import ast
import json
import shutil
import sys
import tempfile
from pathlib import Path, PurePosixPath

from crewmux.agents.brief_examples import (
    CallExample, CommandExample, declared_class, example_of, function_signatures, keeps_arguments, python_example_tests)
from crewmux.agents.interface_tests import python_interface_tests
from crewmux.agents.context import signatures
from crewmux.agents.contract import Callable_, allowed_calls, render_contract
from crewmux.agents.criteria import CommandCriterion, command_of, judge, named_calls, runs_anything
from crewmux.agents.usage_runs import UsageRun, fault_of, usage_runs
from crewmux.agents.qa_vetting import (
    CaseRun, drop_tests, module_names, read_junit, stuck_tests, fault_of_test, vet_python_tests,
)
from crewmux.agents.edit_format import parse_reply
from crewmux.agents.llm.types import ChatMessage, LLMError
from crewmux.agents.loop import Agent, AgentStopped
from crewmux.agents.prompt_budget import Part, fit, prompt_budget
from crewmux.agents.prompting import Talker, prompt
from crewmux.config import ModelConfig
from crewmux.protocol.messages import Check, Message, ReviewRequest, ReviewResult
from crewmux.protocol.plan import Plan, PlanTask
from crewmux.workspace import git
from crewmux.workspace import languages as languages_table
from crewmux.workspace.safe_write import apply_files
from crewmux.workspace.sandbox import Sandbox
from crewmux.workspace.validators import CheckResult, Context, format_findings, is_test_file, language_of, languages, review_checks
from crewmux.workspace.validators.resident import ResidentPyCheck
from crewmux.workspace.deps import DepsPolicy
from crewmux.workspace.validators.base import DepsSetup, python_env, python_readable, tool_path

COORDINATOR = "coordinator"
USAGE_RUN = "usage run: "  # the name of a soft check: a usage line called on made-up input
COMMAND_SECONDS = 20.0  # a criterion's command; one still running after this is a server, not checked
JUNIT = ".crewmux-qa-junit.xml"
# Languages QA can write tests for, with the runner it names to the model (workspace/languages.py).
RUNNERS = {name: (runner.describe, runner.tool) for name, runner in languages_table.QA_RUNNERS.items()}


def qa_test_file(task: PlanTask, language: str) -> str:
    return languages_table.qa_test_file(task.id, task.files, language)


UNCHECKED = "NOT CHECKED"  # how a pass without checks begins: the run's verdict counts them (scheduler)


def verdict(checks: list[CheckResult]) -> tuple[str, str]:
    """pass only when something was really checked and nothing failed."""
    failed = [c for c in checks if c.status == "failed"]
    if failed:
        return "fail", ""
    if any(c.status == "passed" for c in checks):
        return "pass", ""
    missing = [c.detail for c in checks if "not installed" in c.detail]
    if missing:
        # A tool missing here is not the coder's failure: sending the work back would burn
        # the task's attempts on a model that cannot install it. Accepted, and said loudly.
        return "pass", (UNCHECKED + ", accepted unchecked (a missing tool is not the coder's fault): "
                        + "; ".join(missing) + ". " + install_hint(missing))
    return "pass", "no validator applies to these files; accepted unchecked"


def install_hint(missing: list[str]) -> str:
    """What to install for the tools named in ``missing`` ("not checked: X not installed")."""
    if any("playwright" in m for m in missing):
        return "Install it: pip install 'crewmux[web]' (playwright); `crewmux doctor` checks the rest"
    return "`crewmux doctor` says how to install it"


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
        git.add_worktree(self.run.project_dir, self.worktree, request.commit)
        candidates = [request.commit, *request.candidates]
        results: list[ReviewResult] = []
        for number, candidate in enumerate(candidates, start=1):
            if len(candidates) > 1:
                self.console.line(f"   candidate {number} of {len(candidates)}")
            results.append(self._review_one(request, candidate))
            if results[-1].verdict == "pass":
                break  # best-of-N: the first candidate that passes is kept
        # None passed: the first that failed only soft checks, else the last one judged.
        self.send(next((r for r in results if r.verdict == "pass" or r.soft), results[-1]))

    def _review_one(self, request: ReviewRequest, candidate: str) -> ReviewResult:
        task = request.task
        self.console.line(f"== review {task.id} attempt {request.attempt} at {candidate[:10]}")
        git.checkout_fresh(self.worktree, candidate)
        files = [f for f in (request.files or task.files) if (self.worktree / f).is_file()]
        if "python" in languages(files):
            self.pycheck.warm()  # it starts while the tests are written
        commit = candidate
        notes: list[str] = []
        dropped: list[str] = []
        commands, examples, by_model = self._command_criteria(task)
        command_checks = self._run_commands(task, commands, files)
        written = self._example_tests(task, files, examples, notes)
        written += self._interface_tests(task, files)
        written += self._tests_for(task, files, request.attempt, notes, by_model, dropped)
        if written:
            files += written
            commit = git.commit_all(self.worktree, f"crewmux qa: tests for {task.id} from its acceptance criteria") or commit
        self.set_status("validating")
        pending = self._pending_files(task)
        ctx = Context(self.worktree, files, self.sandbox, timeout=self.config.sandbox.timeout, artifacts=self.run.artifacts_dir,
                      pending=pending, pycheck=self.pycheck, routes=tuple(task.contract.routes), deps=self._deps())
        # Usage runs only once nothing of the plan is missing: a program that imports another
        # task's module would crash for a reason that is not its own.
        checks = command_checks + (self._usage_runs(files) if not pending else [])
        checks += review_checks(ctx, git.tracked_files(self.worktree), label=f"{task.id}-a{request.attempt}")
        for check in checks:
            self.console.line(f"   {check.name}: {check.status} {check.detail.splitlines()[0] if check.detail else ''}")
        outcome, why = verdict(checks)
        soft = outcome == "fail" and all(c.name.startswith(USAGE_RUN) for c in checks if c.status == "failed")
        if why.startswith(UNCHECKED):
            self.console.line(f"!! {why}")
        findings = format_findings(checks, self.worktree)
        if soft:
            notes.append("Only a run on input QA made up failed: another try is asked for, and this attempt is kept "
                         "if none does better.")
        if dropped:
            notes.append("QA's own tests dropped as the test's fault, not the code's:\n" + "\n".join(f"- {d}" for d in dropped))
        findings = "\n".join(part for part in (why, *notes, findings) if part)
        self.events.emit("verdict", task_id=task.id, attempt=request.attempt, text=outcome,
                         data={"checks": {c.name: c.status for c in checks}, "candidate": candidate, "dropped_tests": dropped})
        self.console.line(f"== {task.id} attempt {request.attempt}: {outcome.upper()}")
        return ReviewResult(
            run_id=self.run_id, sender=self.name, recipient=COORDINATOR, task_id=task.id, reply_to=request.id,
            attempt=request.attempt, commit=commit, verdict=outcome, candidate=candidate, dropped_tests=dropped, soft=soft,
            checks=[Check(name=c.name, status=c.status, detail=c.detail[:2000]) for c in checks], findings=findings,
        )

    # -- criteria that name a command are run as that command --------------------------------
    def _command_criteria(self, task: PlanTask) -> tuple[list[CommandCriterion], list[CallExample], list[str]]:
        """(commands to run, calls with their stated results, criteria left for QA's model
        to write tests from). An example the criterion states is run as stated: no model
        guesses what it means."""
        commands: list[CommandCriterion] = []
        examples: list[CallExample] = []
        rest: list[str] = []
        for criterion in task.acceptance:
            example = example_of(criterion)
            if isinstance(example, CallExample):
                examples.append(example)
                continue
            if isinstance(example, CommandExample):
                command = command_of(example.command)
                if command is not None:
                    command.criterion, command.expected, command.prints = criterion, [example.prints], True
                    commands.append(command)
                    continue
            command = command_of(criterion)
            (commands.append(command) if command else rest.append(criterion))
        if not commands and task.contract.cli:
            command = command_of(task.contract.cli)
            if command:
                command.expected = []  # a usage line describes the output; it does not quote it
                commands.append(command)
        return commands, examples, rest

    def _run_commands(self, task: PlanTask, commands: list[CommandCriterion], files: list[str]) -> list[CheckResult]:
        results = []
        for command in commands:
            results.append(self._run_command(task, command))
        return results

    def _run_command(self, task: PlanTask, command: CommandCriterion) -> CheckResult:
        name = f"criterion: {command.command}"[:120]
        script = command.argv[1]
        if not script.startswith("-") and not (self.worktree / script).exists():
            if script in task.files:
                return CheckResult(name, "failed", f"{script} was not written; the criterion runs it: {command.criterion}")
            return CheckResult(name, "not_checked", f"not checked: {script} does not exist (yet)")
        if script.endswith(".py") and not runs_anything(self.worktree / script):
            # Only defines things: the criterion's command is not how this code is used
            # (a library the brief asks for); running it proves nothing either way.
            return CheckResult(name, "not_checked", f"not checked: {script} only defines functions and classes; running it does nothing")
        if command.argv[0] in ("python3", "python"):
            argv, env, readable = _python_call(command.argv)
        else:
            tool = tool_path(command.argv[0])
            if tool is None:
                return CheckResult(name, "not_checked", f"not checked: {command.argv[0]} not installed")
            argv, env, readable = [tool, *command.argv[1:]], None, None
        made = []
        for path, content in command.fixtures.items():
            target = self.worktree / path
            if target.exists():
                command.known_input = False  # the project's own file: QA cannot know what it should print
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
            made.append(target)
        try:
            result = self.sandbox.run(argv, cwd=self.worktree, timeout=self._command_seconds(), env=env,
                                      writable=[self.worktree], readable=readable,
                                      stdin=command.stdin.encode() if command.stdin is not None else None)
        finally:
            for target in made:
                target.unlink(missing_ok=True)
        if getattr(result, "stopped", False):
            return CheckResult(name, "not_checked", f"not checked: still running after {COMMAND_SECONDS:.0f} s (a server?)")
        judged = judge(command, result.exit_code, result.stdout or "", result.stderr or "")
        detail = f"{judged.why} (criterion: {command.criterion})"
        if command.fixtures and not command.known_input:
            detail += "; input made up by QA, so only the exit code and that it prints were judged"
        return CheckResult(name, "passed" if judged.passed else "failed", detail)

    # -- the brief's usage lines, run on made-up input: soft checks (usage_runs.py) -----------
    def _usage_runs(self, files: list[str]) -> list[CheckResult]:
        """Each usage line of the brief for this task's programs, called with made-up
        arguments in a scratch copy of the tree (what it writes is not committed); a fault
        (usage_runs.fault_of) fails the check softly."""
        scripts = [f for f in files if f.endswith(".py") and not is_test_file(f) and runs_anything(self.worktree / f)]
        runs = usage_runs(self.info.brief, scripts) if scripts else []
        if not runs:
            return []
        results = []
        with tempfile.TemporaryDirectory(prefix="crewmux-usage-") as scratch:
            tree = Path(scratch)
            for rel in git.tracked_files(self.worktree):
                if (self.worktree / rel).is_file():
                    (tree / rel).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(self.worktree / rel, tree / rel)
            for run in runs:
                results.append(self._usage_run(tree, run))
        return results

    def _usage_run(self, tree: Path, run: UsageRun) -> CheckResult:
        name = f"{USAGE_RUN}{run.command}"[:120]
        for rel, content in run.fixtures.items():
            (tree / rel).parent.mkdir(parents=True, exist_ok=True)
            (tree / rel).write_text(content)
        argv, env, readable = _python_call(run.argv)
        result = self.sandbox.run(argv, cwd=tree, timeout=self._command_seconds(), env=env, writable=[tree], readable=readable,
                                  stdin=run.stdin.encode())
        if getattr(result, "stopped", False):
            return CheckResult(name, "not_checked", f"not checked: still running after {COMMAND_SECONDS:.0f} s")
        fault = fault_of(run, result.exit_code, result.stdout or "", result.stderr or "")
        made = ", ".join(f"{rel} ({len(content.splitlines())} lines)" for rel, content in run.fixtures.items()) or "none"
        if run.stdin:
            made += f"; standard input: {run.stdin!r}"
        if fault is None:
            return CheckResult(name, "passed", f"exit {result.exit_code}, no crash (the brief's usage `{run.usage}`)")
        return CheckResult(name, "failed", f"`{run.command}` {fault}. The call follows the brief's usage `{run.usage}`, on "
                                           f"input QA made up (files: {made}).")

    def _command_seconds(self) -> float:
        return min(COMMAND_SECONDS, self.config.sandbox.timeout)

    def _deps(self) -> DepsSetup:
        """What the task's manifests may install, into this run's environments (workspace/deps.py)."""
        deps = self.config.deps
        return DepsSetup(self.run.path, DepsPolicy(deps.policy, tuple(deps.allow), deps.timeout))

    def _pending_files(self, task: PlanTask) -> tuple[str, ...]:
        """Files other tasks of the plan will make, not yet in this worktree."""
        try:
            plan = Plan.model_validate_json(self.run.plan_json.read_bytes())
        except (OSError, ValueError):
            return ()
        return tuple(sorted({f for t in plan.tasks if t.id != task.id for f in t.files if not (self.worktree / f).exists()}))

    # -- the criteria's examples, run as written ---------------------------------------------
    def _example_tests(self, task: PlanTask, files: list[str], examples: list[CallExample], notes: list[str]) -> list[str]:
        """A test file of the calls the criteria state with their results, when the task
        builds the Python module that defines them."""
        if not examples:
            return []
        module = self._example_module(task, files, examples)
        if module is None:
            notes.append("the criteria's examples were not run: no Python file of this task defines "
                         + ", ".join(sorted({e.function for e in examples})))
            return []
        target = f"test_qa_examples_{task.id}.py"
        report = apply_files(self.worktree, [(target, python_example_tests(examples, module, keeps_arguments(self.info.brief)))])
        if report.refused:
            notes.append(f"could not add the examples' tests: {report.refused[0].reason}")
            return []
        self.console.line(f"   added the criteria's {len(examples)} example(s) as tests: {target}")
        return [target]

    def _interface_tests(self, task: PlanTask, files: list[str]) -> list[str]:
        """A test file of the interface the brief declares, on the task's one Python module
        when it defines a declared name (interface_tests.py)."""
        sources = [f for f in files if f.endswith(".py") and not is_test_file(f)]
        if len(sources) != 1:
            return []
        content = python_interface_tests(_module_of(sources[0]), _top_level_names(self.worktree / sources[0]),
                                         function_signatures(self.info.brief), declared_class(self.info.brief))
        if not content:
            return []
        target = f"test_qa_interface_{task.id}.py"
        if apply_files(self.worktree, [(target, content)]).refused:
            return []
        self.console.line(f"   added the brief's declared interface as tests: {target}")
        return [target]

    def _example_module(self, task: PlanTask, files: list[str], examples: list[CallExample]) -> str | None:
        """The module to import the examples' functions from: the contract's, else the
        task's one Python file that is not a test."""
        wanted = {e.function for e in examples}
        modules = {f.module for f in task.contract.functions if f.name in wanted and f.module.endswith(".py")}
        sources = [f for f in files if f.endswith(".py") and not is_test_file(f)]
        candidates = sorted(modules) or sources
        if len(candidates) != 1:
            return None
        return _module_of(candidates[0])

    # -- tests from the acceptance criteria -----------------------------------------------
    def _tests_for(self, task: PlanTask, files: list[str], attempt: int, notes: list[str], criteria: list[str],
                   dropped: list[str]) -> list[str]:
        langs = [language_of(f) for f in files]
        language = next((lang for lang in langs if lang in RUNNERS), None)
        if language is None or not criteria or any(is_test_file(f) for f in files):
            return []
        runner, tool = RUNNERS[language]
        if not task.contract.functions and not named_calls(criteria):
            # Tests may call only what the contract or the criteria name; with nothing named,
            # any test is a guess (a page's criteria in prose: the page is loaded instead).
            notes.append("no QA unit tests: neither the task's contract nor its criteria name a function to test")
            return []
        if tool_path(tool) is None:
            notes.append(f"not checked: tests not written, {tool} not installed")
            return []
        target = qa_test_file(task, language)
        kept = self.run.artifacts_dir / "qa-tests" / task.id
        # The same tests on every attempt, so attempts are judged alike; but when the task
        # reaches the escalation model, the tests are written again by it too: after that
        # many failures, the tests themselves may be what is wrong.
        rewrite = attempt == self.config.budgets.escalate_after + 1 and self.config.escalation is not None
        if rewrite or not (kept / target).is_file():
            if not self._write_tests(task, files, language, runner, target, attempt, kept, notes, criteria):
                return []
        content = (kept / target).read_text()
        if language == "python":
            content = self._fair_python_tests(task, files, target, content, attempt, kept, dropped)
            if content is None:
                notes.append("QA wrote no test that is fair to the code: none kept")
                return []
        report = apply_files(self.worktree, [(target, content)])
        if report.refused:
            notes.append(f"could not add QA tests: {report.refused[0].reason}")
            return []
        self.console.line(f"   added QA tests {target}")
        return [target]

    def _allowed(self, task: PlanTask) -> dict[str, Callable_]:
        """What QA's tests may call: the contract's functions and the calls the criteria
        spell out, nothing else. A function no one named was promised to no one, and a
        test of it is a guess."""
        allowed = {name: Callable_(name, -1) for name in named_calls(task.acceptance)}
        allowed.update(allowed_calls(task.contract))
        return allowed

    def _fair_python_tests(self, task: PlanTask, files: list[str], target: str, content: str, attempt: int, kept: Path,
                           dropped: list[str]) -> str | None:
        """QA's tests without the ones that are the test's fault (outside the contract,
        contradicting each other, erroring inside themselves, stuck on the same failure)."""
        allowed = self._allowed(task)
        vetted = vet_python_tests(content, allowed, module_names(git.tracked_files(self.worktree)))
        dropped += vetted.dropped
        if vetted.source is None:
            return None
        content = vetted.source
        runs = self._run_alone(target, content)
        before = _load_failures(kept / f"failures-a{attempt - 1}.json")
        faults = {r.name: why for r in runs if r.outcome in ("failed", "error") and (why := fault_of_test(r, allowed))}
        faults.update({name: why for name, why in stuck_tests(runs, before).items() if name not in faults})
        dropped += [f"{name}: {why}" for name, why in faults.items()]
        failing = {r.name: r.signature for r in runs if r.outcome in ("failed", "error") and r.name not in faults}
        _save_failures(kept / f"failures-a{attempt}.json", failing)
        if faults:
            left = drop_tests(content, set(faults))
            return left
        return content

    def _run_alone(self, target: str, content: str) -> list[CaseRun]:
        """QA's test file run on its own, each test's outcome read from pytest's junit report."""
        path = self.worktree / target
        junit = self.worktree / JUNIT
        path.write_text(content)
        try:
            argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-header", "--color=no",
                    f"--junitxml={JUNIT}", target]
            env = {**python_env(), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONDONTWRITEBYTECODE": "1"}
            self.sandbox.run(argv, cwd=self.worktree, timeout=self.config.sandbox.timeout, env=env, writable=[self.worktree],
                             readable=python_readable())
            return read_junit(junit.read_text(errors="replace"), target) if junit.is_file() else []
        finally:
            junit.unlink(missing_ok=True)
            path.unlink(missing_ok=True)

    def _model(self, attempt: int) -> ModelConfig:
        escalated = attempt > self.config.budgets.escalate_after
        return self.config.escalation_model("qa") if escalated else self.config.for_role("qa")

    def _write_tests(self, task: PlanTask, files: list[str], language: str, runner: str, target: str,
                     attempt: int, kept: Path, notes: list[str], criteria: list[str]) -> bool:
        self.set_status("thinking")
        contract = render_contract(task.contract)
        model = self._model(attempt)
        values = dict(task_id=task.id, title=task.title, description=task.description,
                      acceptance="\n".join(f"- {a}" for a in criteria), runner=runner, test_file=target,
                      contract=contract or "(none given: call only the functions in the signatures below, as they are)")
        system = prompt("qa_tests")
        fitted = fit([Part("system", system), Part("task", prompt("qa_tests_task", **values, signatures="")),
                      Part("signatures", signatures(self.worktree, [f for f in files if language_of(f) == language]), 1)],
                     prompt_budget(model))
        if fitted.cuts:
            self.console.line("   prompt cut to fit the model's context: " + "; ".join(fitted.cuts))
            self.events.emit("status", status=self.status, task_id=task.id, attempt=attempt,
                             text="prompt cut: " + "; ".join(fitted.cuts), data={"prompt_cut": fitted.cuts})
        user = prompt("qa_tests_task", **values, signatures=fitted["signatures"] or "(none)")
        try:
            result = self.talker.chat([ChatMessage("system", system), ChatMessage("user", user)],
                                      model, task=task.id, attempt=attempt)
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


def _module_of(path: str) -> str:
    """The import name of a Python file of the tree: ``pkg/mod.py`` is ``pkg.mod``."""
    return str(PurePosixPath(path).with_suffix("")).replace("/", ".")


def _top_level_names(path: Path) -> set[str]:
    """The functions, classes and variables a Python file defines at its top level."""
    try:
        tree = ast.parse(path.read_text(errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return set()
    names = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    names |= {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)}
    return names


def _python_call(argv: list[str] | tuple[str, ...]) -> tuple[list[str], dict[str, str], list[str]]:
    """A ``python3 ...`` command as the sandbox runs it: (argv, env, readable paths)."""
    return [sys.executable, *argv[1:]], {**python_env(), "PYTHONDONTWRITEBYTECODE": "1"}, python_readable()


def _load_failures(path: Path) -> dict[str, str]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _save_failures(path: Path, failures: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(failures, indent=1))
