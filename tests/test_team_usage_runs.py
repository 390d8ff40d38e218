"""The brief's usage lines run on made-up input: a crash is a soft failure, worth another
try with the traceback, never a task failed on QA's own input."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from crewmux.agents import coordination as co
from crewmux.agents.plan_check import one_file_plan
from crewmux.agents.usage_runs import UsageRun, crash_of, fault_of, unfitting_line, usage_runs
from crewmux.protocol.messages import ReviewResult
from crewmux.workspace import git
from tests.test_coordination import Team
from tests.test_team_qa_fairness import review

pytestmark = pytest.mark.timeout(120)
SUITE = Path(__file__).resolve().parents[1] / "benchmark" / "suites" / "python"

FIND_BRIEF = ("Build a Python command line tool `findlines.py`: `python3 findlines.py [-i] TEXT FILE` prints every line "
              "of FILE that contains TEXT, as `NUMBER:LINE`. With `-i` the match ignores case.")
FIND_RIGHT = """import sys

args = sys.argv[1:]
fold = args[0] == "-i"
if fold:
    args = args[1:]
text, path = args
with open(path) as handle:
    for number, line in enumerate(handle, start=1):
        line = line.rstrip("\\n")
        if (text.lower() in line.lower()) if fold else (text in line):
            print(f"{number}:{line}")
"""
# The 1.5B's reply in the python suite: `-i` never read, so TEXT is opened as the file.
FIND_CRASHING = """import sys

text, path = sys.argv[-2], sys.argv[1]
with open(path) as handle:
    for number, line in enumerate(handle, start=1):
        if text in line:
            print(f"{number}:{line.rstrip()}")
"""


def test_usage_lines_are_filled_only_where_a_fitting_value_is_certain() -> None:
    runs = usage_runs(FIND_BRIEF, ["findlines.py"])
    assert [r.command for r in runs] == ["python3 findlines.py the input.txt", "python3 findlines.py -i the input.txt"]
    assert "the" in runs[0].fixtures["input.txt"]
    csv = usage_runs("`python3 sumcol.py FILE COLUMN` sums a CSV column", ["sumcol.py"])
    assert [r.command for r in csv] == ["python3 sumcol.py input.csv price"] and csv[0].fixtures["input.csv"].startswith("name,price")
    assert usage_runs("`python3 calc.py A OP B` where OP is + or x", ["calc.py"]) == []  # what is OP? not guessed
    assert usage_runs("`python3 keys.py FILE` reads a JSON file", ["keys.py"]) == []  # a JSON file of what shape?
    assert usage_runs("`python3 other.py FILE`", ["findlines.py"]) == []  # another task's program
    assert usage_runs("`python3 todo.py add TEXT`, `python3 todo.py done N`", ["todo.py"])[1].argv == ("python3", "todo.py", "done", "1")


TODO_BRIEF = ("`python3 todo.py add TEXT` appends an item and prints `added N`. `python3 todo.py list` prints every item "
              "as `N. [ ] TEXT` or `N. [x] TEXT` when done. Sums print with two decimals, for example `12.50`.")


def test_output_formats_with_placeholders_are_what_each_printed_line_must_fit() -> None:
    add, listing = usage_runs(TODO_BRIEF, ["todo.py"])
    assert add.formats == listing.formats == ("added N", "N. [ ] TEXT", "N. [x] TEXT")  # `12.50` is an example, not a format
    assert unfitting_line(listing.formats, "1. [ ] buy milk\n2. [x] water plants\n") is None
    assert unfitting_line(add.formats, "added 1\n") is None
    assert unfitting_line(add.formats, "Added item 1\n") == "Added item 1"
    assert unfitting_line(("NUMBER:LINE",), "2:error: disk full\nline 3\n") == "line 3"
    assert fault_of(add, 0, "item added\n", "") == "printed `item added`, which fits none of the brief's formats " \
        "`added N`, `N. [ ] TEXT`, `N. [x] TEXT`"
    # A sentence that gives no format with placeholders judges no line.
    (count,) = usage_runs("`python3 wc.py FILE` prints each word as `word: count`.", ["wc.py"])
    assert count.formats == () and fault_of(count, 0, "anything at all\n", "") is None


def test_a_crash_is_read_from_the_traceback_only() -> None:
    stderr = "Traceback (most recent call last):\n  File \"x.py\", line 3\nFileNotFoundError: 'the'\n"
    assert crash_of(1, stderr).endswith("FileNotFoundError: 'the'")
    assert crash_of(2, "error: no column colour\n") is None  # an error the program means to give
    assert crash_of(0, stderr) is None
    says_it_prints = UsageRun(usage="python3 wc.py FILE", argv=("python3", "wc.py", "input.txt"), prints=True)
    assert fault_of(says_it_prints, 0, "", "") == "printed nothing, and the brief says it prints"
    assert fault_of(says_it_prints, 1, "", "error: empty\n") is None  # its own error on QA's input is its right
    # The 1.5B's todo.py wanted two arguments for every command: `list` got its usage line back.
    refused = fault_of(says_it_prints, 1, "", "usage: python3 todo.py add TEXT\n")
    assert refused == "answered with its usage message (exit 1: `usage: python3 todo.py add TEXT`), but the call follows that usage"
    assert fault_of(UsageRun(usage="python3 rm.py FILE", argv=("python3", "rm.py", "input.txt")), 0, "", "") is None
    assert [r.prints for r in usage_runs("`python3 wc.py FILE` reads the file and prints its words. `python3 wc.py -q FILE` "
                                         "is quiet.", ["wc.py"])] == [True, False]


def test_no_reference_solution_of_the_python_suite_crashes_on_the_made_up_input(tmp_path: Path) -> None:
    """The fairness proof: every right answer the suite has runs its usage lines cleanly."""
    ran = 0
    for task_dir in sorted(SUITE.iterdir()):
        task = tomllib.loads((task_dir / "task.toml").read_text())
        runs = usage_runs(task["brief"], task["files"])
        if not runs:
            continue
        tree = tmp_path / task_dir.name
        shutil.copytree(task_dir / "solution", tree)
        for run in runs:
            for rel, content in run.fixtures.items():
                (tree / rel).parent.mkdir(parents=True, exist_ok=True)
                (tree / rel).write_text(content)
            done = subprocess.run([sys.executable, *run.argv[1:]], cwd=tree, capture_output=True, text=True,
                                  input=run.stdin, timeout=30)
            assert fault_of(run, done.returncode, done.stdout, done.stderr) is None, (task_dir.name, run.command, done.stderr)
            ran += 1
    assert ran >= 10


def test_qa_fails_a_crash_softly_with_the_traceback_and_commits_nothing_it_wrote(git_project: Path, until_coordinator_hears) -> None:
    (task,) = one_file_plan(FIND_BRIEF, {}).tasks
    _, (right,), requests = review(git_project, [], {"findlines.py": FIND_RIGHT}, task, until_coordinator_hears, brief=FIND_BRIEF)
    assert right.verdict == "pass" and not right.soft, right.findings
    assert {c.name: c.status for c in right.checks}["usage run: python3 findlines.py -i the input.txt"] == "passed"
    assert git.show_file(git_project, right.commit, "input.txt") is None  # the scratch copy's files stay there
    _, (crashed,), _ = review(git_project, [], {"findlines.py": FIND_CRASHING}, task, until_coordinator_hears, brief=FIND_BRIEF)
    assert crashed.verdict == "fail" and crashed.soft
    assert "`python3 findlines.py the input.txt` crashed" in crashed.findings
    assert "FileNotFoundError" in crashed.findings and "[-i] TEXT FILE" in crashed.findings
    assert not requests


def soft_review(team: Team, task: str, attempt: int, soft: bool) -> None:
    team.feed(team.msg(ReviewResult, sender="qa-1", task_id=task, attempt=attempt, commit=f"qa-{task}-{attempt}", verdict="fail",
                       findings="usage run crashed" if soft else "example failed", soft=soft))


def test_out_of_attempts_the_first_soft_failure_is_kept_and_merged() -> None:
    team = Team(coders=1, attempts_per_task=3, escalate_after=2)
    team.planned(("t1", []))
    team.built("t1")
    soft_review(team, "t1", 1, soft=True)
    assert team.of(co.Assign)[0].attempt == 2  # a soft failure still buys another try
    team.built("t1", attempt=2)
    soft_review(team, "t1", 2, soft=False)
    team.built("t1", attempt=3)
    soft_review(team, "t1", 3, soft=True)
    [merge] = team.of(co.Merge)
    assert (merge.attempt, merge.commit) == (4, "qa-t1-1")  # attempt 1's reviewed commit, not the hard failure's
    kept = team.tasks["t1"].attempts[-1]
    assert (kept.rung, kept.commit, team.tasks["t1"].status) == ("kept", "c-t1-1", "merging")
    team.feed(co.Merged("t1", 4, "merged", head="h1"))
    assert team.tasks["t1"].status == "passed" and team.tasks["t1"].attempts[-1].verdict == "pass"


def test_a_kept_attempt_that_does_not_merge_fails_the_task_once() -> None:
    team = Team(coders=1, attempts_per_task=1)
    team.planned(("t1", []))
    team.built("t1")
    soft_review(team, "t1", 1, soft=True)
    [merge] = team.of(co.Merge)
    team.feed(co.Merged("t1", merge.attempt, "conflict", head="h0", findings="conflict in t1.py", conflicts=("t1.py",)))
    assert team.tasks["t1"].status == "failed" and not team.of(co.Merge)


def test_hard_failures_only_fail_the_task_as_before() -> None:
    team = Team(coders=1, attempts_per_task=1)
    team.planned(("t1", []))
    team.built("t1")
    soft_review(team, "t1", 1, soft=False)
    assert team.tasks["t1"].status == "failed" and not team.of(co.Merge)


UNIQ_BRIEF = ("Build a Python command line tool `uniqcount.py` that reads lines from standard input and prints each distinct "
              "line once, preceded by how many times it occurs: for the input lines `b`, `a`, `b` it prints `2 b` then `1 a`.")
UNIQ_RIGHT = ("import sys\nfrom collections import Counter\n\nlines = sys.stdin.read().splitlines()\ncounts = Counter(lines)\n"
              "for line in dict.fromkeys(lines):\n    print(counts[line], line)\n")


def test_a_program_that_reads_standard_input_is_fed_made_up_lines(git_project: Path, until_coordinator_hears) -> None:
    (run,) = usage_runs(UNIQ_BRIEF, ["uniqcount.py"])  # no usage line: how it is called is plain
    assert run.argv == ("python3", "uniqcount.py") and run.stdin and run.prints and run.command == "python3 uniqcount.py < input"
    numbers = usage_runs("`numstats.py` reads numbers from standard input and prints `count: N`", ["numstats.py"])
    assert numbers[0].stdin.split() == ["3", "1.5", "4", "10"] and numbers[0].formats == ("count: N",)
    assert usage_runs("`uniqcount.py` counts lines", ["uniqcount.py"]) == []  # it reads what? not guessed
    plain = UNIQ_BRIEF.split(": for the input")[0] + "."  # no example: only the made-up input can show a fault
    (task,) = one_file_plan(plain, {}).tasks
    _, (right,), _ = review(git_project, [], {"uniqcount.py": UNIQ_RIGHT}, task, until_coordinator_hears, brief=plain)
    assert right.verdict == "pass", right.findings
    assert {c.name: c.status for c in right.checks}["usage run: python3 uniqcount.py < input"] == "passed"
    # Reads a file named on the command line instead: it crashes on the call the brief describes.
    argv = UNIQ_RIGHT.replace("sys.stdin.read()", "open(sys.argv[1]).read()")
    _, (wrong,), _ = review(git_project, [], {"uniqcount.py": argv}, task, until_coordinator_hears, brief=plain)
    assert wrong.verdict == "fail" and wrong.soft and "IndexError" in wrong.findings
    assert "standard input: 'the cat sat" in wrong.findings


def test_the_briefs_example_of_standard_input_is_run_as_written_and_its_order_judged(git_project: Path, until_coordinator_hears) -> None:
    (task,) = one_file_plan(UNIQ_BRIEF, {}).tasks
    assert task.acceptance == ["`python3 uniqcount.py` given the input lines `b`, `a`, `b` prints `2 b` then `1 a`"]
    _, (right,), _ = review(git_project, [], {"uniqcount.py": UNIQ_RIGHT}, task, until_coordinator_hears, brief=UNIQ_BRIEF)
    assert right.verdict == "pass", right.findings
    # The 1.5B's answer: the right counts, sorted instead of in the order of first appearance.
    sorted_code = UNIQ_RIGHT.replace("dict.fromkeys(lines)", "sorted(set(lines))")
    _, (wrong,), _ = review(git_project, [], {"uniqcount.py": sorted_code}, task, until_coordinator_hears, brief=UNIQ_BRIEF)
    assert wrong.verdict == "fail" and not wrong.soft  # the brief's own example: a hard failure
    assert "'2 b' then '1 a' but not in that order" in wrong.findings
