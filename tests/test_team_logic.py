"""Pure logic of the team: plan checks, scheduling and retry decisions, stuck detection."""

from __future__ import annotations

from crewmux.agents.plan_check import check_plan, find_cycle
from crewmux.agents.scheduler import after_failure, assignments, block_dependents, dependents_of, ready_tasks, verdict
from crewmux.agents.stuck import StuckDetector
from crewmux.config import Budgets
from crewmux.protocol.plan import Plan, PlanTask
from crewmux.protocol.state import AttemptRecord, RunState, TaskRecord


def plan(*specs: tuple[str, list[str], list[str]]) -> Plan:
    return Plan(tasks=[PlanTask(id=i, title=i, files=f, depends_on=d) for i, d, f in specs])


def test_good_plan_passes():
    result = check_plan(plan(("t1", [], ["a.py"]), ("t2", ["t1"], ["a.py", "b.py"]), ("t3", ["t1"], ["c.py"])))
    assert result.ok, result.problems


def test_cycle_is_named():
    result = check_plan(plan(("t1", ["t3"], ["a"]), ("t2", ["t1"], ["b"]), ("t3", ["t2"], ["c"])))
    assert not result.ok
    assert result.cycle is not None and result.cycle[0] == result.cycle[-1]
    assert set(result.cycle) == {"t1", "t2", "t3"}
    assert "cycle" in result.text() and "t1" in result.text()


def test_no_cycle_in_diamond():
    assert find_cycle(plan(("a", [], []), ("b", ["a"], []), ("c", ["a"], []), ("d", ["b", "c"], [])).tasks) is None


def test_unknown_dep_duplicate_id_and_paths():
    p = Plan.model_construct(summary="", tasks=[
        PlanTask(id="t1", title="x", files=["/etc/passwd"]),
        PlanTask(id="t1", title="y", files=["../up.py"], depends_on=["nope"]),
    ])
    text = check_plan(p).text()
    assert "used twice" in text and "'nope'" in text and "relative" in text and "'..'" in text


def test_parallel_tasks_writing_one_file():
    result = check_plan(plan(("t1", [], ["app.py"]), ("t2", [], ["./app.py"]), ("t3", ["t1", "t2"], ["app.py"])))
    assert any("t1 and t2" in p and "app.py" in p for p in result.problems)
    assert not any("t3" in p for p in result.problems)


def test_dependents_are_transitive():
    s = state(("a", [], "failed"), ("b", ["a"], "pending"), ("c", ["b"], "pending"), ("d", [], "pending"))
    assert dependents_of(s, "a") == ["b", "c"]


def state(*specs: tuple[str, list[str], str], coders=("coder-1", "coder-2")) -> RunState:
    return RunState(run_id="r", coders=list(coders), tasks={
        i: TaskRecord(id=i, title=i, depends_on=d, status=s) for i, d, s in specs
    })


def test_dispatch_fills_idle_coders_with_ready_tasks():
    s = state(("a", [], "pending"), ("b", [], "pending"), ("c", [], "pending"), ("d", ["a"], "pending"))
    assert assignments(s) == [("a", "coder-1"), ("b", "coder-2")]
    s.tasks["a"].status = "running"
    s.tasks["a"].assignee = "coder-1"
    assert assignments(s) == [("b", "coder-2")]
    s.tasks["a"].status = "passed"
    assert ready_tasks(s) == ["b", "c", "d"]


def test_retry_goes_back_to_the_same_coder():
    s = state(("a", [], "pending"), ("b", [], "pending"))
    s.tasks["b"].attempts.append(AttemptRecord(attempt=1, coder="coder-2", verdict="fail"))
    assert dict(assignments(s)) == {"a": "coder-1", "b": "coder-2"}


def test_paused_coder_gets_nothing():
    s = state(("a", [], "pending"))
    s.paused_agents = ["coder-1"]
    assert assignments(s) == [("a", "coder-2")]


def test_retry_escalate_fail():
    budgets = Budgets(attempts_per_task=4, escalate_after=2)
    task = TaskRecord(id="a", title="a")
    decisions = []
    for n in range(1, 5):
        task.attempts.append(AttemptRecord(attempt=n, coder="c", verdict="fail", findings=f"error {n}"))
        decisions.append(after_failure(task, budgets))
    assert [(d.action, d.escalated, d.attempt) for d in decisions] == [
        ("retry", False, 2), ("retry", True, 3), ("retry", True, 4), ("fail", False, 4)
    ]
    assert "error 4" in decisions[-1].reason


def test_failure_blocks_dependents_and_run_is_partial():
    s = state(("a", [], "passed"), ("b", [], "failed"), ("c", ["b"], "pending"), ("d", ["c"], "pending"), ("e", ["a"], "pending"))
    assert sorted(block_dependents(s, "b")) == ["c", "d"]
    assert s.tasks["e"].status == "pending"
    s.tasks["e"].status = "passed"
    status, reason = verdict(s)
    assert status == "partial" and "b failed" in reason and "c blocked" in reason


def test_verdicts():
    assert verdict(state(("a", [], "passed")))[0] == "succeeded"
    assert verdict(state(("a", [], "failed")))[0] == "failed"


def test_work_accepted_unchecked_makes_the_run_partial_not_succeeded():
    """QA accepts work it could not check (a tool missing here: not the coder's fault), so
    the run must not claim a success it did not see."""
    checked = state(("a", [], "passed"), ("b", [], "passed"))
    checked.tasks["b"].attempts = [AttemptRecord(attempt=1, coder="coder-1", verdict="pass",
                                                 findings="NOT CHECKED, accepted unchecked (a missing tool is not the coder's fault): "
                                                          "not checked: playwright not installed. Install it: pip install 'crewmux[web]'")]
    status, reason = verdict(checked)
    assert status == "partial" and "b could not be checked here" in reason and "playwright" in reason


def test_stuck_on_three_identical_errors():
    d = StuckDetector()
    assert not d.add("SyntaxError at /tmp/abc/x.py line 3")
    assert not d.add("SyntaxError at /tmp/def/x.py line 3")
    assert d.add("SyntaxError at /tmp/ghi/x.py line 3")
    assert "3 times" in d.reason()


def test_stuck_on_alternation_not_on_progress():
    d = StuckDetector()
    assert not any(d.add(e) for e in ["A", "B", "A"])
    assert d.add("B") and "alternating" in d.reason()
    d2 = StuckDetector()
    assert not any(d2.add(e) for e in ["A", "A", "B", "C", "B", "D"])


def test_split_replaces_a_task_and_does_not_count_against_the_verdict():
    from crewmux.agents.scheduler import split

    s = state(("a", [], "running"), ("b", ["a"], "pending"))
    split(s, "a", [("a1", "x", []), ("a2", "y", ["a1"])])
    assert s.tasks["a"].status == "skipped" and s.tasks["b"].depends_on == ["a1", "a2"]
    assert ready_tasks(s) == ["a1"]
    for t in ("a1", "a2", "b"):
        s.tasks[t].status = "passed"
    assert verdict(s)[0] == "succeeded"


def test_after_split_a_dependent_waits_for_every_new_task_and_others_keep_theirs():
    from crewmux.agents.scheduler import after_split

    assert after_split(["x", "a", "y"], "a", ["a1", "a2"]) == ["x", "y", "a1", "a2"]
    unrelated = ["x"]
    assert after_split(unrelated, "a", ["a1"]) is unrelated
