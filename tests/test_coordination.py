"""The coordinator's decisions, tested directly on its state machine: no processes, no git,
no files, no clock (``now`` is given). Each test feeds inputs and reads the effects."""

from __future__ import annotations

import pytest

from crewmux.agents import coordination as co
from crewmux.agents.escalation import build_ladder
from crewmux.config import Budgets, ModelConfig
from crewmux.protocol.messages import Completion, Control, ErrorReport, Message, PlanMessage, ProgressUpdate, ReviewResult
from crewmux.protocol.plan import Plan, PlanTask
from crewmux.protocol.state import RunState

RUN = "20260101-000000-abcd"
NOW = 1_000_000.0


def rules(**budgets: object) -> co.Rules:
    b = Budgets(**budgets)
    return co.Rules(me="coordinator", cto="cto", reviewers=("qa-1", "qa-2"), budgets=b,
                    ladder=build_ladder(b, ModelConfig(model="small"), None), coder_model="small")


def plan(*tasks: tuple[str, list[str]]) -> Plan:
    return Plan(summary="s", tasks=[PlanTask(id=t, title=f"task {t}", files=[f"{t}.py"], language="python", depends_on=deps) for t, deps in tasks])


class Team:
    """A model fed one input after another, with the effects of the last one."""

    def __init__(self, coders: int = 2, **budgets: object) -> None:
        self.rules = rules(**budgets)
        self.model = co.Model(RunState(run_id=RUN, coders=[f"coder-{i}" for i in range(1, coders + 1)], started_at=NOW), None)
        self.effects: list[co.Effect] = []
        self.now = NOW

    def feed(self, event: co.Input) -> list[co.Effect]:
        before = self.model
        self.model, self.effects = co.step(self.model, event, self.rules, self.now)
        assert self.model is not before
        return self.effects

    def of(self, kind: type) -> list:
        return [e for e in self.effects if isinstance(e, kind)]

    @property
    def tasks(self):
        return self.model.state.tasks

    def msg(self, cls: type[Message], **fields: object) -> Message:
        return cls(run_id=RUN, recipient="coordinator", **{"sender": "cto", **fields})

    def planned(self, *tasks: tuple[str, list[str]]) -> None:
        self.feed(co.Started())
        self.feed(self.msg(PlanMessage, plan=plan(*tasks)))

    def built(self, task: str, attempt: int = 1, coder: str = "coder-1") -> None:
        self.feed(self.msg(Completion, sender=coder, task_id=task, attempt=attempt, commit=f"c-{task}-{attempt}", files=[f"{task}.py"]))

    def reviewed(self, task: str, verdict: str, attempt: int = 1) -> None:
        self.feed(self.msg(ReviewResult, sender="qa-1", task_id=task, attempt=attempt, commit=f"c-{task}-{attempt}", verdict=verdict,
                           findings="" if verdict == "pass" else "test_x failed"))


def test_a_new_run_asks_the_cto_for_a_plan_once() -> None:
    team = Team()
    assert team.feed(co.Started()) == [co.AskPlan("", 1)]
    assert team.model.state.plan_requests == 1


def test_an_accepted_plan_assigns_every_ready_task_to_an_idle_coder() -> None:
    team = Team(coders=2)
    team.planned(("t1", []), ("t2", []), ("t3", ["t1", "t2"]))
    assigned = [(a.task_id, a.coder, a.attempt, a.rung.name) for a in team.of(co.Assign)]
    assert assigned == [("t1", "coder-1", 1, "first"), ("t2", "coder-2", 1, "first")]
    assert team.of(co.PlanAccepted) and team.model.plan is not None and team.model.state.phase == "building"
    assert team.tasks["t3"].status == "pending" and team.of(co.Status) == [co.Status("waiting")]


def test_step_leaves_the_model_it_was_given_unchanged() -> None:
    team = Team()
    team.feed(co.Started())
    before = team.model
    team.feed(team.msg(PlanMessage, plan=plan(("t1", []))))
    assert before.plan is None and before.state.tasks == {} and team.tasks["t1"].status == "running"


def test_a_plan_that_fails_its_checks_is_asked_again_then_the_run_fails() -> None:
    team = Team()
    team.feed(co.Started())
    cyclic = plan(("a", ["b"]), ("b", ["a"]))
    for number in (2, 3):
        [ask] = [e for e in team.feed(team.msg(PlanMessage, plan=cyclic)) if isinstance(e, co.AskPlan)]
        assert ask.number == number and "cycle" in ask.feedback.lower()
    [end] = [e for e in team.feed(team.msg(PlanMessage, plan=cyclic)) if isinstance(e, co.End)]
    assert end.status == "failed" and "no valid plan after 3 requests" in end.reason
    assert team.model.state.phase == "finished"
    assert team.feed(team.msg(PlanMessage, plan=plan(("t1", [])))) == [co.Say("run finished; ignoring plan from cto")]


def test_a_completion_goes_to_the_qa_agent_with_the_fewest_reviews() -> None:
    team = Team(coders=2)
    team.planned(("t1", []), ("t2", []))
    team.built("t1", coder="coder-1")
    assert [(r.task_id, r.reviewer) for r in team.of(co.AskReview)] == [("t1", "qa-1")]
    team.built("t2", coder="coder-2")
    assert [(r.task_id, r.reviewer) for r in team.of(co.AskReview)] == [("t2", "qa-2")]
    assert team.tasks["t1"].status == "in_review"


def test_a_pass_merges_and_a_merge_unblocks_the_dependents() -> None:
    team = Team(coders=1)
    team.planned(("t1", []), ("t2", ["t1"]))
    team.built("t1")
    team.reviewed("t1", "pass")
    assert team.of(co.Merge) == [co.Merge("t1", 1, "c-t1-1", "task t1")] and team.tasks["t1"].status == "merging"
    team.feed(co.Merged("t1", 1, "merged", head="h1"))
    assert team.tasks["t1"].status == "passed" and team.tasks["t1"].merged_commit == "h1"
    assert [(a.task_id, a.coder) for a in team.of(co.Assign)] == [("t2", "coder-1")]


def test_a_rejection_retries_on_the_same_coder_with_the_findings_then_escalates_the_rung() -> None:
    team = Team(coders=2, attempts_per_task=3, escalate_after=2)
    team.planned(("t1", []))
    team.built("t1", coder="coder-1")
    team.reviewed("t1", "fail")
    [retry] = team.of(co.Assign)
    assert (retry.coder, retry.attempt, retry.feedback, retry.previous_commit) == ("coder-1", 2, "test_x failed", "c-t1-1")
    assert team.tasks["t1"].attempts[0].verdict == "fail"
    rungs = [retry.rung.name]
    team.built("t1", attempt=2)
    team.reviewed("t1", "fail", attempt=2)
    rungs.append(team.of(co.Assign)[0].rung.name)
    assert rungs[0] != rungs[1]  # the ladder climbs on a further failure


def test_a_task_out_of_attempts_fails_and_blocks_what_depends_on_it_and_the_run_finishes() -> None:
    team = Team(coders=1, attempts_per_task=1)
    team.planned(("t1", []), ("t2", ["t1"]))
    team.built("t1")
    team.reviewed("t1", "fail")
    assert team.tasks["t1"].status == "failed" and "failed all 1 attempts: test_x failed" in team.tasks["t1"].reason
    assert team.tasks["t2"].status == "blocked"
    assert team.of(co.RunChecks) == [co.RunChecks("")] and team.model.state.phase == "integrating"
    [end] = team.feed(co.Checked(broken=()))
    assert end.status == "failed" and team.model.state.phase == "finished"


def test_the_last_pass_runs_the_final_checks_and_a_broken_suite_makes_the_run_partial() -> None:
    team = Team(coders=1)
    team.planned(("t1", []))
    team.built("t1")
    team.reviewed("t1", "pass")
    team.feed(co.Merged("t1", 1, "merged", head="h1"))
    assert team.of(co.RunChecks)
    assert team.feed(co.Checked(broken=("pytest",))) == [co.End("partial", "all 1 tasks passed; the merged branch fails pytest")]


def test_a_merge_conflict_is_a_failed_attempt_with_the_findings() -> None:
    team = Team(coders=1)
    team.planned(("t1", []))
    team.built("t1")
    team.reviewed("t1", "pass")
    team.feed(co.Merged("t1", 1, "conflict", head="h0", findings="conflict in t1.py", conflicts=("t1.py",)))
    [again] = team.of(co.Assign)
    assert again.attempt == 2 and again.feedback == "conflict in t1.py"
    assert team.tasks["t1"].attempts[0].verdict == "conflict"


def test_a_stale_or_repeated_message_changes_nothing() -> None:
    team = Team(coders=1)
    team.planned(("t1", []))
    team.built("t1")
    before = team.model.state.model_dump()
    team.built("t1")  # the same completion again: t1 is in review now
    assert team.effects == [co.Say("stale message about t1 attempt 1; ignored")]
    assert team.model.state.model_dump() == before


def test_a_coders_error_counts_as_a_failed_attempt() -> None:
    team = Team(coders=1)
    team.planned(("t1", []))
    team.feed(team.msg(ErrorReport, sender="coder-1", task_id="t1", attempt=1, kind="invalid_reply", error="no files"))
    assert team.tasks["t1"].attempts[0].findings == "invalid_reply: no files"
    assert team.of(co.Assign)[0].attempt == 2


def test_the_ctos_error_while_planning_fails_the_run() -> None:
    team = Team()
    team.feed(co.Started())
    [end] = team.feed(team.msg(ErrorReport, kind="plan", error="model down\nmore"))
    assert end == co.End("failed", "planning failed: model down")


def test_a_failing_task_is_split_by_the_cto_and_its_dependents_wait_for_the_parts() -> None:
    team = Team(coders=1, attempts_per_task=1, split_failing=True)
    team.planned(("t1", []), ("t2", ["t1"]))
    team.built("t1")
    team.reviewed("t1", "fail")
    assert team.of(co.AskSplit) == [co.AskSplit("t1", "test_x failed")]
    assert (team.tasks["t1"].status, team.tasks["t1"].assignee) == ("running", "cto")
    team.feed(team.msg(PlanMessage, task_id="t1", plan=plan(("t1a", []), ("t1b", ["t1a"]))))
    assert team.of(co.PlanChanged) and team.tasks["t1"].status == "skipped"
    assert team.tasks["t2"].depends_on == ["t1a", "t1b"]
    assert team.model.plan is not None and team.model.plan.task("t2").depends_on == ["t1a", "t1b"]
    assert [a.task_id for a in team.of(co.Assign)] == ["t1a"]


def test_a_split_that_reuses_an_id_gives_the_task_up() -> None:
    team = Team(coders=1, attempts_per_task=1, split_failing=True)
    team.planned(("t1", []), ("t2", []))
    team.built("t1")
    team.reviewed("t1", "fail")
    team.feed(team.msg(PlanMessage, task_id="t1", plan=plan(("t2", []))))
    assert team.tasks["t1"].status == "failed" and "ids taken: ['t2']" in team.tasks["t1"].reason


def test_a_paused_coder_gets_no_work_until_resumed() -> None:
    team = Team(coders=2)
    team.feed(co.Started())
    team.feed(Control(run_id=RUN, sender="runtime", recipient="coordinator", action="pause", target="coder-1"))
    team.feed(team.msg(PlanMessage, plan=plan(("t1", []), ("t2", []))))
    assert [(a.task_id, a.coder) for a in team.of(co.Assign)] == [("t1", "coder-2")]
    team.feed(Control(run_id=RUN, sender="runtime", recipient="coordinator", action="resume", target="coder-1"))
    assert team.model.state.paused_agents == []
    team.built("t1", coder="coder-2")  # the next dispatch gives the resumed coder work
    assert [(a.task_id, a.coder) for a in team.of(co.Assign)] == [("t2", "coder-1")]


def test_the_runtimes_notice_of_a_new_coder_dispatches_to_it_and_a_request_from_elsewhere_is_refused() -> None:
    team = Team(coders=1)
    team.planned(("t1", []), ("t2", []))
    assert [a.task_id for a in team.of(co.Assign)] == ["t1"]
    team.feed(Control(run_id=RUN, sender="dashboard", recipient="coordinator", action="add_coder", target="coder-2"))
    assert team.of(co.Assign) == [] and "the runtime does that" in team.effects[0].text  # type: ignore[union-attr]
    team.feed(Control(run_id=RUN, sender="runtime", recipient="coordinator", action="add_coder", target="coder-2"))
    assert [(a.task_id, a.coder) for a in team.of(co.Assign)] == [("t2", "coder-2")]


def test_a_removed_coders_running_attempt_is_given_again_without_counting() -> None:
    team = Team(coders=2)
    team.planned(("t1", []), ("t2", []))
    team.feed(Control(run_id=RUN, sender="runtime", recipient="coordinator", action="remove_coder", target="coder-2"))
    assert team.tasks["t2"].status == "pending" and team.tasks["t2"].attempts == []
    assert team.model.state.coders == ["coder-1"]


@pytest.mark.parametrize("action", ["skip", "retry"])
def test_skip_and_retry_by_hand(action: str) -> None:
    team = Team(coders=2, attempts_per_task=1)
    team.planned(("t1", []), ("t2", ["t1"]), ("t3", []))
    if action == "skip":
        team.feed(Control(run_id=RUN, sender="dashboard", recipient="coordinator", action="skip", target="t3", reason="not needed"))
        assert team.tasks["t3"].status == "skipped" and team.tasks["t3"].reason == "skipped by a human: not needed"
    else:
        team.built("t1")
        team.reviewed("t1", "fail")
        assert team.tasks["t2"].status == "blocked"
        team.feed(Control(run_id=RUN, sender="dashboard", recipient="coordinator", action="retry", target="t1"))
        assert team.tasks["t2"].status == "pending" and [a.task_id for a in team.of(co.Assign)] == ["t1"]


def test_a_spent_wall_budget_skips_what_is_left_and_finishes() -> None:
    team = Team(coders=1, wall_seconds=60)
    team.planned(("t1", []), ("t2", []))
    team.now = NOW + 61
    team.feed(team.msg(ProgressUpdate, sender="coordinator", status=co.BUDGET_TICK))
    assert {t.status for t in team.tasks.values()} == {"skipped"}
    assert team.of(co.RunChecks) == [co.RunChecks("the wall-time budget (60 s) is spent")]


def test_a_spent_token_budget_while_planning_fails_the_run() -> None:
    team = Team(tokens=10)
    team.feed(co.Started())
    team.feed(team.msg(ErrorReport, sender="qa-1", kind="internal", error="x", task_id="t9", attempt=1))  # stale: no effect but the check
    assert team.model.state.phase == "planning"
    bad = plan(("a", ["b"]), ("b", ["a"]))
    [end] = [e for e in team.feed(team.msg(PlanMessage, plan=bad, tokens=11)) if isinstance(e, co.End)]
    assert end == co.End("failed", "the token budget (10) is spent")


def test_a_restart_mid_merge_builds_the_task_again() -> None:
    team = Team(coders=1)
    team.planned(("t1", []))
    team.built("t1")
    team.reviewed("t1", "pass")
    team.feed(co.MergeInterrupted("t1"))
    assert team.tasks["t1"].attempts[0].verdict == "error" and team.of(co.Assign)[0].attempt == 2


def test_end_finishes_the_model() -> None:
    team = Team()
    model, effects = co.end(team.model, "failed", "boom")
    assert model.state.phase == "finished" and effects == [co.End("failed", "boom")] and team.model.state.phase == "planning"


def test_a_budget_spent_while_a_merge_runs_is_counted_after_the_merge() -> None:
    team = Team(coders=1, wall_seconds=60)
    team.planned(("t1", []), ("t2", []))
    team.built("t1")
    team.now = NOW + 61
    team.reviewed("t1", "pass")
    assert team.of(co.Merge) and not team.of(co.RunChecks) and team.tasks["t1"].status == "merging"
    team.feed(co.Merged("t1", 1, "merged", head="h1"))
    assert team.tasks["t1"].status == "passed" and team.tasks["t2"].status == "skipped"
    assert team.of(co.RunChecks) == [co.RunChecks("the wall-time budget (60 s) is spent")]
