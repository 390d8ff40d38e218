"""The brief's own examples become QA's checks: a call with its stated result, a command
with the output it must print. They cannot reject a right answer, and they catch the
wrong first draft that used to pass QA unchecked (the 1.5B model's rle_decode("3a1b2c")
that returned "aaacc", accepted by the team because nothing ran it)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from crewmux.agents.brief_examples import (
    CallExample, CommandExample, declared_functions, examples_of, keeps_arguments, literal_examples, python_example_tests)
from crewmux.agents.criteria import command_of, judge
from crewmux.agents.interface_tests import python_interface_tests
from crewmux.agents.brief_examples import declared_class, function_signatures
from crewmux.agents.plan_check import brief_paths, one_file_plan, repair_plan
from crewmux.protocol.plan import Contract, FunctionContract, Plan, PlanTask

RLE = """Write `rle.py` with two functions. `rle_encode(text: str) -> str` replaces every run of the same character
by the run's length followed by the character: `rle_encode("aaabcc")` returns `"3a1b2c"`, `rle_encode("")` returns `""`.
`rle_decode(encoded: str) -> str` does the reverse: `rle_decode("3a1b2c")` returns `"aaabcc"`; a count
may have several digits (`rle_decode("12x")` returns twelve `x`)."""
CALC = """Build a Python command line calculator `calc.py`: `python3 calc.py A OP B` where A and B are integers.
It prints the integer result (`python3 calc.py
3 x 4` prints `12`); for `/` it prints two decimals (`python3 calc.py 7 / 2` prints `3.50`)."""
RIGHT_RLE = '''import re


def rle_encode(text):
    return "".join(f"{len(m.group(0))}{m.group(1)}" for m in re.finditer(r"(.)\\1*", text))


def rle_decode(encoded):
    return "".join(ch * int(n) for n, ch in re.findall(r"(\\d+)(\\D)", encoded))
'''
# The 1.5B model's first draft: right on encode, wrong on decode.
WRONG_RLE = RIGHT_RLE.replace('ch * int(n) for n, ch in re.findall(r"(\\d+)(\\D)", encoded)',
                              'ch * int(n[-1]) for n, ch in re.findall(r"(\\d+)(\\D)", encoded) if n != "1"')


def test_examples_are_read_as_calls_with_literal_results_and_runs_with_their_output():
    found = examples_of(RLE)
    assert [e.criterion for e in found] == [
        "`rle_encode('aaabcc')` returns `'3a1b2c'`", "`rle_encode('')` returns `''`", "`rle_decode('3a1b2c')` returns `'aaabcc'`",
    ]  # "returns twelve `x`" states no literal: not taken
    assert examples_of(CALC) == [CommandExample("python3 calc.py 3 x 4", "12"), CommandExample("python3 calc.py 7 / 2", "3.50")]
    assert examples_of("`is_balanced(\"([)]\")` is `False`; `f(x) == 2` and `g(1) == 2`") == [
        CallExample("is_balanced", "is_balanced('([)]')", "False"), CallExample("g", "g(1)", "2")]  # f(x): x is no literal
    assert examples_of("`to_roman(0)` raises `ValueError`") == [CallExample("to_roman", "to_roman(0)", raises="ValueError")]
    assert examples_of("`chunk(items: list, size: int) -> list` is `[]`") == []  # a signature, not a call
    assert examples_of("`python3 wc.py FILE` prints `the: 2`") == []  # a usage line, not a run


def test_a_usage_line_is_not_run_as_written_but_a_file_placeholder_is():
    assert command_of("python3 calc.py A OP B prints the result") is None
    assert command_of("`python3 find.py [-i] TEXT FILE` prints the lines") is None
    wc = command_of("python3 wc.py FILE prints each word")
    assert wc is not None and wc.argv == ["python3", "wc.py", "input.txt"] and not wc.known_input
    backticked = command_of("`python3 calc.py 3 x 4` prints `12`")
    assert backticked is not None and backticked.expected == ["12"]


def test_a_one_file_brief_is_checked_by_its_examples_not_its_usage_line():
    (task,) = one_file_plan(RLE, {}).tasks
    assert task.acceptance == [e.criterion for e in examples_of(RLE)]
    assert [(f.name, f.params) for f in task.contract.functions] == [("rle_encode", ["text"]), ("rle_decode", ["encoded"])]
    (calc,) = one_file_plan(CALC, {}).tasks
    assert calc.contract.cli == "python3 calc.py A OP B"
    assert calc.acceptance == ["`python3 calc.py 3 x 4` prints `12`", "`python3 calc.py 7 / 2` prints `3.50`"]
    # Initials in a sentence are not a second file; a data file the tool keeps is not built.
    assert brief_paths("`initials(\"grace hopper\")` returns `\"G.H.\"` in names.py") == ["names.py"]
    (todo,) = one_file_plan("Build `todo.py` that keeps its items in `todo.json`: `python3 todo.py add TEXT`.", {}).tasks
    assert todo.files == ["todo.py"]
    assert declared_functions("a class `Account` with methods `deposit(amount: int) -> int`") == []


def test_a_cto_plan_gets_the_brief_examples_on_the_task_that_builds_the_function():
    plan = Plan(summary="s", tasks=[
        PlanTask(id="t1", title="encode", files=["rle.py"], contract=Contract(functions=[FunctionContract(name="rle_encode", module="rle.py")])),
        PlanTask(id="t2", title="cli", files=["main.py"], depends_on=["t1"]),
    ])
    repaired = repair_plan(plan, RLE)
    t1, t2 = repaired.plan.tasks
    assert t1.acceptance == ["`rle_encode('aaabcc')` returns `'3a1b2c'`", "`rle_encode('')` returns `''`"]
    assert t2.acceptance == []  # rle_decode is built by no task's contract: attached nowhere


@pytest.mark.parametrize("code, passes", [(RIGHT_RLE, True), (WRONG_RLE, False)])
def test_the_examples_test_file_passes_a_right_answer_and_fails_a_wrong_one(tmp_path: Path, code: str, passes: bool):
    (tmp_path / "rle.py").write_text(code)
    calls = [e for e in examples_of(RLE) if isinstance(e, CallExample)]
    (tmp_path / "test_examples.py").write_text(python_example_tests(calls, "rle"))
    floats = python_example_tests([CallExample("avg", "avg([1, 2])", "[1.5]")], "m")
    assert "pytest.approx([1.5])" in floats
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_examples.py"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert (run.returncode == 0) is passes, run.stdout
    if not passes:  # said so that a small model can act on it: the call, what it gave, what the brief says
        assert "rle_decode('3a1b2c') returned 'aaacc'; the brief says it returns 'aaabcc'" in run.stdout


def test_examples_without_the_call_are_read_for_a_one_parameter_function():
    transpose = "`transpose(matrix: list[list[int]]) -> list[list[int]]`. An empty matrix `[]` gives `[]`."
    assert [e.criterion for e in literal_examples(transpose, "transpose")] == ["`transpose([])` returns `[]`"]
    pig = ('- `"apple"` -> `"appleay"` (starts with vowel)\n- `"pig"` -> `"igp"` -> `"igpay"` (a chain of steps)\n'
           '- `"quick"` -> `"ickqu"` -> `"ickquay"`\nIt starts with `"xr"` or `"yt"`.')
    assert [e.call for e in literal_examples(pig, "translate")] == ["translate('apple')"]  # the steps of a chain are not results
    # A call is examples_of's; a tuple would be several arguments; a result that is not a literal is no example.
    assert literal_examples("`f(1)` returns `2`; `(1, 2)` gives `3`; `5` gives `five times x`", "f") == []
    # The one-file plan takes them when its file has one function of one parameter.
    brief = "Write `matrix.py` with a function `transpose(matrix: list[list[int]]) -> list[list[int]]`. `[]` gives `[]`."
    (task,) = one_file_plan(brief, {}).tasks
    assert "`transpose([])` returns `[]`" in task.acceptance
    two = brief.replace("`[]` gives", "`pad(matrix: list, width: int)` too. `[]` gives")
    assert not any("[]" in a for a in one_file_plan(two, {}).tasks[0].acceptance)


SUITE = Path(__file__).resolve().parents[1] / "benchmark" / "suites" / "python"


def test_every_reference_solution_of_the_python_suite_passes_what_qa_reads_from_its_brief(tmp_path: Path):
    """The fairness proof of the one-file plan's criteria and of the interface tests: every
    right answer the suite has passes all of them (a check that fails one would fail a
    right answer)."""
    calls = commands = interfaces = 0
    for task_dir in sorted(SUITE.iterdir()):
        task = tomllib.loads((task_dir / "task.toml").read_text())
        (path,) = task["files"]
        tree = tmp_path / task_dir.name
        shutil.copytree(task_dir / "solution", tree)
        (planned,) = one_file_plan(task["brief"], {}).tasks
        module = path.removesuffix(".py")
        read = [(criterion, examples_of(criterion)) for criterion in planned.acceptance]
        examples = [found[0] for _, found in read if found and isinstance(found[0], CallExample)]
        defined = {n.name for n in ast.parse((tree / path).read_text()).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
        interface = python_interface_tests(module, defined, function_signatures(task["brief"]), declared_class(task["brief"]))
        if examples:
            (tree / f"test_examples_{module}.py").write_text(python_example_tests(examples, module, keeps_arguments(task["brief"])))
        if interface:
            (tree / f"test_interface_{module}.py").write_text(interface)
        calls, interfaces = calls + len(examples), interfaces + bool(interface)
        for criterion, found in read:
            command = command_of(criterion)
            if command is None or (found and isinstance(found[0], CallExample)):
                continue
            for rel, content in command.fixtures.items():
                (tree / rel).write_text(content)
            done = subprocess.run([sys.executable, *command.argv[1:]], cwd=tree, capture_output=True, text=True,
                                  input=command.stdin or "", timeout=30)
            outcome = judge(command, done.returncode, done.stdout, done.stderr)
            assert outcome.passed, (task_dir.name, criterion, outcome.why)
            commands += 1
    # One pytest run over every task's tree: each test file imports its own task's module.
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "."],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:]
    assert calls >= 40 and commands >= 5 and interfaces >= 20, (calls, commands, interfaces)


def test_an_example_whose_brief_says_the_arguments_must_not_change_checks_them(tmp_path: Path):
    brief = ("Return a NEW dictionary. The `inventory` argument must not be changed. Example: "
             "`restock({'apple': 2}, [('apple', 3)])` returns `{'apple': 5}`.")
    assert keeps_arguments(brief) and not keeps_arguments("`restock(stock, deliveries)` adds the deliveries to the stock.")
    tests = python_example_tests([e for e in examples_of(brief) if isinstance(e, CallExample)], "inventory", keeps_arguments(brief))
    (tmp_path / "test_examples.py").write_text(tests)
    copying = "def restock(inventory, deliveries):\n    new = dict(inventory)\n    for item, n in deliveries:\n" \
              "        new[item] = new.get(item, 0) + n\n    return new\n"
    mutating = copying.replace("new = dict(inventory)", "new = inventory")  # the 1.5B's answer (py-restock, stop 22)
    for source, code in ((copying, 0), (mutating, 1)):
        (tmp_path / "inventory.py").write_text(source)
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_examples.py"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == code, done.stdout
    assert "changed its argument: it became [{'apple': 5}" in done.stdout and "must not be changed" in done.stdout
