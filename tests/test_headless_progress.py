"""Headless output: one line per event that matters, and a summary (issue 15: nothing was
printed between the start lines and the verdict)."""

from __future__ import annotations

from crewmux.agents.headless_progress import progress_lines, summary_line
from crewmux.protocol.state import AttemptRecord, RunState, TaskRecord


def state(*tasks: TaskRecord, phase: str = "building", tokens: int = 0) -> RunState:
    return RunState(run_id="r", phase=phase, tasks={t.id: t for t in tasks}, tokens=tokens)


def test_each_step_of_a_task_is_one_line() -> None:
    planned = state(TaskRecord(id="t1", title="page"), TaskRecord(id="t2", title="style"))
    assert progress_lines(None, planned) == ["planned: 2 task(s): t1 page, t2 style"]
    one = AttemptRecord(attempt=1, coder="coder-1", model="m:7b")
    started = state(TaskRecord(id="t1", title="page", status="running", attempts=[one]), TaskRecord(id="t2", title="style"))
    assert progress_lines(planned, started) == ["t1 started: attempt 1 by coder-1 on m:7b"]
    failed = one.model_copy(update={"verdict": "fail", "findings": "\nindex.html: no <form>\nmore"})
    two = AttemptRecord(attempt=2, coder="coder-2", rung="think")
    again = state(TaskRecord(id="t1", title="page", status="running", attempts=[failed, two]), TaskRecord(id="t2", title="style"))
    assert progress_lines(started, again) == ["t1 attempt 1 failed QA: index.html: no <form>", "t1 started: attempt 2 by coder-2, think"]
    done = state(TaskRecord(id="t1", title="page", status="passed", merged_commit="abcdef1234567", attempts=[failed, two]),
                 TaskRecord(id="t2", title="style", status="blocked", reason="t1 failed"), phase="integrating")
    assert progress_lines(again, done) == ["t1 passed (merged abcdef1234)", "t2 blocked: t1 failed",
                                           "integrating: the full test suite and the build on the run branch"]
    assert progress_lines(done, done) == []


def test_the_summary_counts_tasks_attempts_and_tokens() -> None:
    s = state(TaskRecord(id="a", title="a", status="passed", attempts=[AttemptRecord(attempt=1, coder="c")]),
              TaskRecord(id="b", title="b", status="failed", attempts=[AttemptRecord(attempt=i, coder="c") for i in (1, 2)]),
              tokens=12345)
    assert summary_line(s, 61.4) == "summary: 1/2 tasks passed, 1 failed; 3 attempt(s); 12,345 tokens; 61 s"
    assert summary_line(None, 3) == "summary: no plan was made; 3 s"
