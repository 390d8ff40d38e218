"""Plans sized to the brief: bounded by the schema, one file per task, paths as the brief says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crewmux.protocol.rundir import build_agents
from crewmux.agents.cto import CTO
from crewmux.agents.llm.fake_server import FakeLLMServer
from crewmux.agents.plan_check import brief_paths, check_plan, one_file_plan, repair_plan, salvage_plan
from crewmux.config import Config, ModelConfig
from crewmux.protocol.mailbox import deliver
from crewmux.protocol.messages import PlanRequest
from crewmux.protocol.plan import MAX_TASKS, Plan, PlanReply, PlanTask
from crewmux.protocol.rundir import RunDir

BRIEF = ("Build a Python command line tool that counts words in a text file: python3 cli.py FILE prints each word "
         "and its count, most frequent first")


def chain_on_one_file(n: int = 8, path: str = "src/cli.py") -> list[dict]:
    return [{"id": f"t{i}", "title": f"Write part {i} of cli.py", "files": [path], "language": "python",
             "depends_on": [f"t{i - 1}"] if i > 1 else [], "acceptance": [f"python3 {path} words.txt works"]}
            for i in range(1, n + 1)]


def test_the_schema_bounds_tasks_strings_and_lists():
    schema = PlanReply.model_json_schema()
    assert schema["properties"]["tasks"]["maxItems"] == MAX_TASKS
    task = schema["$defs"]["PlanTask"]["properties"]
    assert task["title"]["maxLength"] and task["description"]["maxLength"]
    assert task["files"]["maxItems"] and task["files"]["items"]["maxLength"]
    assert task["acceptance"]["maxItems"] and task["acceptance"]["items"]["maxLength"]
    contract = schema["$defs"]["Contract"]["properties"]
    assert contract["functions"]["maxItems"] and contract["cli"]["maxLength"]
    with pytest.raises(ValueError):
        PlanReply.model_validate({"tasks": chain_on_one_file(MAX_TASKS + 1)})


def test_a_chain_on_one_file_becomes_one_task_at_the_path_the_brief_names():
    plan = Plan.model_validate({"tasks": [*chain_on_one_file(), {"id": "t9", "title": "readme", "files": ["README.md"],
                                                                 "depends_on": ["t8"]}]})
    repaired = repair_plan(plan, BRIEF)
    assert [t.id for t in repaired.plan.tasks] == ["t1", "t9"]
    one = repaired.plan.tasks[0]
    assert one.files == ["cli.py"] and one.acceptance == ["python3 cli.py words.txt works"]
    assert repaired.plan.tasks[1].depends_on == ["t1"]  # dependents now wait for the merged task
    assert "Write part 8 of cli.py" in one.description
    assert any("src/cli.py is cli.py" in n for n in repaired.notes) and any("merged into one task" in n for n in repaired.notes)
    assert check_plan(repaired.plan).ok and not repaired.problems


def test_parallel_tasks_on_one_file_are_merged_too_and_a_one_file_plan_is_one_task():
    plan = Plan(tasks=[PlanTask(id="a", title="html", files=["index.html"]), PlanTask(id="b", title="form", files=["./index.html"])])
    repaired = repair_plan(plan, "a landing page")
    assert [(t.id, t.files) for t in repaired.plan.tasks] == [("a", ["index.html"])]


def test_a_merge_that_would_make_a_cycle_is_not_made_but_said():
    plan = Plan(tasks=[PlanTask(id="t1", title="a", files=["app.py"]), PlanTask(id="t2", title="b", files=["lib.py"], depends_on=["t1"]),
                       PlanTask(id="t3", title="c", files=["app.py"], depends_on=["t2"])])
    repaired = repair_plan(plan, "")
    assert len(repaired.plan.tasks) == 3
    assert repaired.problems and "t2 sits between them" in repaired.problems[0]


def test_paths_only_move_to_a_path_the_brief_names_once():
    assert brief_paths("run python3 cli.py FILE, e.g. v1.2; see docs/x.md") == ["cli.py", "docs/x.md"]
    plan = Plan(tasks=[PlanTask(id="t1", title="x", files=["pkg/cli.py", "src/util.py"])])
    assert repair_plan(plan, "python3 cli.py").plan.tasks[0].files == ["cli.py", "src/util.py"]
    assert repair_plan(plan, "cli.py and tools/cli.py").plan.tasks[0].files == ["pkg/cli.py", "src/util.py"]


def test_salvage_cuts_a_runaway_reply_cut_off_mid_task():
    tasks = [{"id": f"t{i}", "title": "Create contact form JavaScript in CSS and JavaScript in HTML " * 5, "files": [f"f{i}.js"]}
             for i in range(1, 20)]
    text = json.dumps({"summary": "bakery", "tasks": tasks})[:-300]  # max_tokens cut it
    salvaged = salvage_plan(text, PlanReply.model_json_schema())
    plan = PlanReply.model_validate(salvaged)
    assert len(plan.tasks) == MAX_TASKS and plan.summary == "bakery" and len(plan.tasks[0].title) == 120
    assert salvage_plan("no json here", PlanReply.model_json_schema()) is None


@pytest.mark.timeout(90)
def test_the_cto_sends_the_bounded_schema_and_repairs_a_runaway_chain(git_project: Path, until_coordinator_hears):
    """The scripted model ignores the schema (as a server without a grammar does): 8 tasks on
    one file. The CTO cuts the reply to the bounds, merges the chain and sends one task."""
    runaway = {"summary": "word count", "tasks": chain_on_one_file(8)}
    brief = BRIEF + ". Its tests go in test_cli.py."  # two files: the CTO's model plans it
    with FakeLLMServer({"tps": 0, "ttft": 0, "rules": [{"role": "cto", "reply": runaway}]}) as fake:
        config = Config(default=ModelConfig(provider="ollama", model="fake:1.5b", base_urls=[fake.url]))
        run = RunDir.create(git_project, brief, build_agents(1, 1), config=config.model_dump(mode="json"))
        deliver(run.mail_root, PlanRequest(run_id=run.run_id, sender="coordinator", recipient="cto", brief=brief))
        (reply,) = until_coordinator_hears(CTO(run, "cto", heartbeat_interval=60))
        requests = fake.requests
    assert reply.type == "plan", getattr(reply, "error", "")
    assert [(t.id, t.files) for t in reply.plan.tasks] == [("t1", ["cli.py"])]
    sent = requests[0]["body"]
    schema = sent.get("format") or {}
    assert schema["properties"]["tasks"]["maxItems"] == MAX_TASKS  # the grammar gets the bound
    system = sent["messages"][0]["content"]
    assert f"never more than {MAX_TASKS}" in system and "A file belongs to one task" in system
    assert sent["options"]["num_predict"] <= 4096


def test_a_plan_naming_no_file_is_one_task_writing_the_briefs_files():
    """As the real 1.5B CTO planned an exercise: three tasks, no files, two of them chores."""
    plan = Plan(tasks=[PlanTask(id="t1", title="Make hello return 'Hello, World!'"),
                       PlanTask(id="t2", title="Run the test suite"), PlanTask(id="t3", title="Submit your solution")])
    repaired = repair_plan(plan, "The answer goes in: hello_world.py (these files exist already)")
    assert [(t.id, t.files) for t in repaired.plan.tasks] == [("t1", ["hello_world.py"])]
    assert "Run the test suite" not in repaired.plan.tasks[0].description
    assert any("left out t2, t3" in n for n in repaired.notes)


def test_a_brief_naming_one_file_is_one_task_planned_without_a_model():
    plan = one_file_plan(BRIEF, {})
    (task,) = plan.tasks
    assert task.files == ["cli.py"] and task.language == "python"
    assert task.acceptance == ["python3 cli.py FILE prints each word and its count, most frequent first"]
    assert task.contract.cli == task.acceptance[0]
    exercise = "Given a year, report if it is a leap year.\nThe answer goes in: leap.py (these files exist already)."
    stub = one_file_plan(exercise, {"leap.py": "def leap_year(year):\n    pass\n\ndef _helper():\n    pass\n"}).tasks[0]
    assert [(f.name, f.params) for f in stub.contract.functions] == [("leap_year", ["year"])]  # what hidden tests call
    assert one_file_plan("a page: index.html and style.css", {}) is None  # two files: the CTO plans it
    assert one_file_plan("a word counting tool", {}) is None


def test_a_task_naming_no_file_writes_the_files_its_contract_and_criteria_name():
    """The real 1.5B Fibonacci plan: no files, fib.py only in the contract and in the
    criterion "python3 fib.py 5"; the coder then chose src/fib.py and QA's import of fib failed."""
    task = PlanTask.model_validate({
        "id": "t1", "title": "Implement the Fibonacci CLI", "files": [], "language": "python",
        "acceptance": ["The command `python3 fib.py 5` prints '5'"],
        "contract": {"functions": [{"name": "fibonacci", "module": "fib.py", "params": ["n"], "returns": "int"}]},
    })
    repaired = repair_plan(Plan(tasks=[task]), "a Python CLI that prints the n-th Fibonacci number")
    assert repaired.plan.tasks[0].files == ["fib.py"]
    assert any("as its contract and criteria say" in n for n in repaired.notes)
    # Nothing named anywhere: the task stays without files (the coder chooses).
    bare = PlanTask(id="t1", title="Implement it")
    assert repair_plan(Plan(tasks=[bare]), "a Python CLI").plan.tasks[0].files == []
