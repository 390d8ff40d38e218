"""QA that judges fairly: commands run as commands, tests held to the contract, the test's
own faults and stuck tests dropped with a note, never held against a right answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crewmux.protocol.rundir import build_agents
from crewmux.agents.contract import Callable_
from crewmux.agents.criteria import command_of, judge, named_calls
from crewmux.agents.llm.fake_server import FakeLLMServer
from crewmux.agents.qa import QA
from crewmux.agents.plan_check import one_file_plan
from crewmux.agents.qa_vetting import CaseRun, read_junit, stuck_tests, fault_of_test, vet_python_tests
from crewmux.config import Config, ModelConfig
from crewmux.protocol.mailbox import deliver
from crewmux.protocol.messages import ReviewRequest
from crewmux.protocol.plan import Contract, FunctionContract, PlanTask
from crewmux.protocol.rundir import RunDir
from crewmux.workspace import git

pytestmark = pytest.mark.timeout(120)
F = "```"

# The issue's first attempt: right, and rejected three times by a test QA's model invented.
RIGHT = """import sys
from collections import Counter


def count_words(file_path):
    with open(file_path) as handle:
        counts = Counter(handle.read().split())
    for word, count in counts.most_common():
        print(f"{word}: {count}")


if __name__ == "__main__":
    count_words(sys.argv[1])
"""
WRONG_EXIT = RIGHT.replace('count_words(sys.argv[1])', 'sys.exit(3)')
CONTRACT = Contract(functions=[FunctionContract(name="count_words", module="cli.py", params=["file_path"],
                                                returns="None; prints 'word: count' lines, most frequent first")],
                    cli="python3 cli.py FILE: prints 'word: count' lines, most frequent first")

INVENTED = f"""test_whatever.py
{F}python
from cli import count_words, count_text

def test_counts_text():
    assert count_text('Hello, World! Hello.') == {{'Hello': 2, 'World': 1}}

def test_two_arguments():
    assert count_words('a.txt', True) == {{}}

def test_uses_an_undefined_helper():
    assert make_file('x') == 1
{F}
"""


def review(project: Path, rules: list[dict], files: dict[str, str], task: PlanTask, hears, attempts=(1,),
           codes: list[dict[str, str]] | None = None, brief: str = "word count"):
    """QA reviews each attempt (the code of ``codes[i]`` for attempt i+1, else ``files``)."""
    results = []
    with FakeLLMServer({"tps": 0, "ttft": 0, "rules": rules}) as fake:
        config = Config(default=ModelConfig(provider="ollama", model="fake-qa:1.5b", base_urls=[fake.url]))
        run = RunDir.create(project, brief, build_agents(1, 1), config=config.model_dump(mode="json"))
        base = git.start_branch(project, f"crewmux/{run.run_id}")
        wt = run.worktree("coder-1")
        git.add_worktree(project, wt, base)
        for n in attempts:
            git.checkout_fresh(wt, base, branch=f"crewmux/{run.run_id}-t1-a{n}")
            for name, text in ((codes or [])[n - 1] if codes else files).items():
                (wt / name).write_text(text)
            commit = git.commit_all(wt, f"t1 a{n}")
            deliver(run.mail_root, ReviewRequest(run_id=run.run_id, sender="coordinator", recipient="qa", task_id=task.id,
                                                 task=task, attempt=n, commit=commit, files=list(files)))
            (reply,) = hears(QA(run, "qa", heartbeat_interval=60))
            results.append(reply)
            for path in (run.mailbox("coordinator") / "new").glob("*.json"):
                path.rename(run.mailbox("coordinator") / "done" / path.name)
        requests = fake.requests
    return run, results, requests


def test_a_criterion_naming_a_command_is_run_as_that_command(git_project: Path, until_coordinator_hears):
    task = PlanTask(id="t1", title="word count", files=["cli.py"], language="python", contract=CONTRACT, acceptance=[
        "python3 cli.py words.txt with content 'b a b' prints 'b: 2' first",
        "python3 cli.py FILE prints each word and its count, most frequent first",
    ])
    _, (result,), requests = review(git_project, [], {"cli.py": RIGHT}, task, until_coordinator_hears)
    checks = {c.name: c for c in result.checks}
    assert result.verdict == "pass", result.findings
    assert checks["criterion: python3 cli.py words.txt"].status == "passed"
    assert "'b: 2'" in checks["criterion: python3 cli.py words.txt"].detail
    assert "input made up by QA" in checks["criterion: python3 cli.py input.txt"].detail
    assert not [r for r in requests if r.get("crewmux", {}).get("role") == "qa"]  # no model-written test needed
    # The wrong exit code fails, said with the criterion.
    _, (bad,), _ = review(git_project, [], {"cli.py": WRONG_EXIT}, task, until_coordinator_hears)
    assert bad.verdict == "fail" and "exit code 3, expected 0" in bad.findings


def test_tests_calling_outside_the_contract_or_erroring_in_themselves_are_the_tests_fault(git_project: Path, until_coordinator_hears):
    task = PlanTask(id="t1", title="word count", files=["cli.py"], language="python", contract=CONTRACT,
                    acceptance=["count_words counts the words of a file"])
    rules = [{"role": "qa", "reply": INVENTED}]
    _, (result,), requests = review(git_project, rules, {"cli.py": RIGHT}, task, until_coordinator_hears)
    assert result.verdict == "pass", result.findings
    why = "\n".join(result.dropped_tests)
    assert "test_counts_text: calls count_text, which the contract does not name" in why
    assert "test_two_arguments: calls count_words with 2 argument(s); the contract gives it 1" in why
    assert "test_uses_an_undefined_helper: it errors inside itself: NameError" in why
    assert "dropped as the test's fault" in result.findings
    asked = json.dumps(requests[0]["body"]["messages"])
    assert "function count_words(file_path)" in asked  # QA's model was given the contract


STUCK = f"""test_qa.py
{F}python
from cli import count_words

def test_empty_path_returns_empty_dict():
    assert count_words('') == {{}}
{F}
"""


def test_a_test_failed_the_same_way_by_two_attempts_is_stuck_and_dropped(git_project: Path, until_coordinator_hears):
    returns_a_dict = Contract(functions=[CONTRACT.functions[0].model_copy(update={"returns": "dict of word -> count"})])
    task = PlanTask(id="t1", title="word count", files=["cli.py"], language="python", contract=returns_a_dict,
                    acceptance=["count_words('') on an empty path is handled"])
    second = RIGHT.replace("def count_words", "# attempt 2\ndef count_words")
    _, results, _ = review(git_project, [{"role": "qa", "reply": STUCK}], {"cli.py": RIGHT}, task, until_coordinator_hears,
                           attempts=(1, 2), codes=[{"cli.py": RIGHT}, {"cli.py": second}])
    first, again = results
    assert first.verdict == "fail" and "FileNotFoundError" in first.findings
    assert again.verdict == "pass", again.findings
    assert again.dropped_tests and "the previous attempt's code failed it the same way" in again.dropped_tests[0]


def test_command_reading_and_judging():
    found = command_of("Running `python3 fib.py 10` prints \"55\"")
    assert found.argv == ["python3", "fib.py", "10"] and found.expected == ["55"]
    assert judge(found, 0, "55\n", "").passed and not judge(found, 0, "54\n", "").passed
    made_up = command_of("python3 cli.py FILE prints 'the: 2' first")
    assert made_up.fixtures == {"input.txt": made_up.fixtures["input.txt"]} and not made_up.known_input
    assert judge(made_up, 0, "cat: 1\n", "").passed  # QA made the input up: what it prints is not judged
    assert not judge(made_up, 0, "", "").passed  # but it must print
    assert command_of("count_words('a a') returns {'a': 2}") is None


def test_contradicting_tests_are_dropped_and_faults_classified():
    src = "from cli import f\n\ndef test_a():\n    assert f('x') == 1\n\ndef test_b():\n    assert f('x') == 2\n\ndef test_c():\n    assert f('y') == 3\n"
    vetted = vet_python_tests(src, {"f": Callable_("f", 1)}, {"cli"})
    assert [d.split(":")[0] for d in vetted.dropped] == ["test_a", "test_b"] and "def test_c" in vetted.source
    allowed = {"count_words": Callable_("count_words", 1)}
    assert fault_of_test(CaseRun("t", "error", "ImportError", "cannot import name 'count_words' from 'cli'"), allowed) == ""
    assert fault_of_test(CaseRun("t", "failed", "AssertionError", "assert 1 == 2", in_test=True), allowed) == ""
    assert "errors inside itself" in fault_of_test(CaseRun("t", "failed", "NameError", "name 'x' is not defined", in_test=True), allowed)
    before = {"t": "AssertionError: assert None == {}"}
    assert stuck_tests([CaseRun("t", "failed", "AssertionError", "assert None == {}")], before)
    assert not stuck_tests([CaseRun("t", "failed", "AssertionError", "assert 3 == {}")], before)


def test_junit_reading():
    xml = """<testsuites><testsuite><testcase classname="test_qa" name="test_ok"/>
<testcase classname="test_qa" name="test_bad"><failure message="NameError: name 'x' is not defined">def test_bad():
&gt;       assert x == 1
E       NameError: name 'x' is not defined

test_qa.py:4: NameError</failure></testcase></testsuite></testsuites>"""
    runs = read_junit(xml, "test_qa.py")
    assert [(r.name, r.outcome) for r in runs] == [("test_ok", "passed"), ("test_bad", "failed")]
    assert runs[1].error_type == "NameError" and runs[1].in_test


def test_a_command_for_a_file_that_only_defines_functions_is_not_held_against_it(git_project: Path, until_coordinator_hears):
    """The real 1.5B CTO wrote "python3 hello_world.py prints 'Hello, World!'" for a library
    function: running it prints nothing, and the right answer must not fail for it."""
    task = PlanTask(id="t1", title="hello", files=["hello_world.py"], language="python",
                    acceptance=["python3 hello_world.py prints 'Hello, World!' first"])
    code = {"hello_world.py": "def hello():\n    return 'Hello, World!'\n"}
    _, (result,), _ = review(git_project, [], code, task, until_coordinator_hears)
    check = {c.name: c for c in result.checks}["criterion: python3 hello_world.py"]
    assert check.status == "not_checked" and "only defines functions" in check.detail
    assert result.verdict == "pass", result.findings


def test_a_test_expecting_a_value_the_contract_does_not_promise_is_dropped_before_it_runs():
    src = "from cli import count_words\n\ndef test_a():\n    assert count_words('') == {}\n\ndef test_b():\n    assert count_words('x') is None\n"
    allowed = {"count_words": Callable_("count_words", 1, returns_nothing=True)}
    vetted = vet_python_tests(src, allowed, {"cli"})
    assert vetted.dropped == ["test_a: expects a value from count_words, which the contract says returns nothing"]
    assert "def test_b" in vetted.source


def test_no_unit_tests_are_asked_for_when_the_contract_names_no_function(git_project: Path, until_coordinator_hears):
    task = PlanTask(id="t1", title="word count", files=["cli.py"], language="python", acceptance=["it counts words well"])
    _, (result,), requests = review(git_project, [{"role": "qa", "reply": INVENTED}], {"cli.py": RIGHT}, task, until_coordinator_hears)
    assert result.verdict == "pass" and "name a function to test" in result.findings
    assert not [r for r in requests if r.get("crewmux", {}).get("role") == "qa"]


def test_a_page_whose_criteria_name_no_function_gets_no_model_written_tests(git_project: Path, until_coordinator_hears):
    """The real 1.5B run of the bakery page: its page loaded cleanly, and a JS test QA's
    model wrote from prose criteria failed it."""
    task = PlanTask(id="t1", title="bakery", files=["app.js"], language="javascript",
                    acceptance=["The contact form should have fields for name, email, and message."])
    _, (result,), requests = review(git_project, [{"role": "qa", "reply": "test/x.test.js\n```js\nthrow 1\n```\n"}],
                                    {"app.js": "const x = 1;\n"}, task, until_coordinator_hears)
    assert result.verdict == "pass", result.findings
    assert not [r for r in requests if r.get("crewmux", {}).get("role") == "qa"]
    assert named_calls(["slug('Hello World') returns 'hello-world'", "add(1, 2) == 3", "a page loads"]) == {"slug": 1, "add": 2}


DECODE_BRIEF = "Write `rle.py` with `rle_decode(encoded: str) -> str`: `rle_decode(\"3a1b2c\")` returns `\"aaabcc\"`."
DECODE = 'import re\n\n\ndef rle_decode(encoded):\n    return "".join(c * int(n) for n, c in re.findall(r"(\\d+)(\\D)", encoded))\n'


def test_qa_runs_the_brief_examples_and_sends_a_wrong_answer_back_with_the_example(git_project: Path, until_coordinator_hears):
    (task,) = one_file_plan(DECODE_BRIEF, {}).tasks
    _, (right,), requests = review(git_project, [], {"rle.py": DECODE}, task, until_coordinator_hears)
    assert right.verdict == "pass", right.findings
    assert not requests  # no model was asked to guess tests
    wrong_code = DECODE.replace("int(n)", "int(n[-1]) if n != '1' else ''")
    _, (wrong,), _ = review(git_project, [], {"rle.py": wrong_code}, task, until_coordinator_hears)
    assert wrong.verdict == "fail"
    assert "rle_decode('3a1b2c')" in wrong.findings and "aaabcc" in wrong.findings


def test_qa_checks_the_interface_the_brief_declares(git_project: Path, until_coordinator_hears):
    brief = ("Write `bank.py` with a class `Account`. `Account(owner: str)` starts with a balance of 0. Methods: "
             "`deposit(amount: int) -> int` adds the amount and returns the new balance; `balance() -> int` returns the balance.")
    (task,) = one_file_plan(brief, {}).tasks
    right = ("class Account:\n    def __init__(self, owner):\n        self.owner, self._total = owner, 0\n\n"
             "    def deposit(self, amount):\n        self._total += amount\n        return self._total\n\n"
             "    def balance(self):\n        return self._total\n")
    _, (passed,), requests = review(git_project, [], {"bank.py": right}, task, until_coordinator_hears, brief=brief)
    assert passed.verdict == "pass", passed.findings
    assert not requests
    # The 1.5B's answer: `self.balance = 0` hides the method balance().
    hidden = ("class Account:\n    def __init__(self, owner):\n        self.owner, self.balance = owner, 0\n\n"
              "    def deposit(self, amount):\n        self.balance += amount\n        return self.balance\n")
    _, (failed,), _ = review(git_project, [], {"bank.py": hidden}, task, until_coordinator_hears, brief=brief)
    assert failed.verdict == "fail" and not failed.soft
    assert "Account(...).balance is 0, not a method" in failed.findings
