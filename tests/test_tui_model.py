"""The dashboard's view model, folded from real events, state, plan and run.json."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from crewmux.config import Config
from crewmux.protocol.events import Event, EventLog, read_events
from crewmux.protocol.plan import Plan, PlanTask
from crewmux.protocol.rundir import AgentSpec, RunDir
from crewmux.protocol.state import AttemptRecord, RunState, TaskRecord
from crewmux.tui.team_view import DEAD_AFTER_SECONDS, FeedEntry, TeamView, filter_feed, format_elapsed, format_tokens


def events(tmp_path: Path, agent: str, *emits: tuple[str, dict]) -> list[Event]:
    log = EventLog(tmp_path / f"{agent}.jsonl", agent)
    for kind, fields in emits:
        log.emit(kind, **fields)
    log.close()
    return read_events(tmp_path / f"{agent}.jsonl")


def test_agents_from_run_json_start_as_starting_with_the_configured_model(tmp_path: Path) -> None:
    config = Config.model_validate({"roles": {"cto": {"model": "qwen3:14b"}}})
    run = RunDir.create(tmp_path, "brief", [AgentSpec(name="cto", role="cto"), AgentSpec(name="coder-1", role="coder")], config.model_dump(mode="json"))
    view = TeamView(run_id=run.run_id)
    changes = view.apply(info=run.info())
    assert changes.new_agents == ["cto", "coder-1"]
    assert [(a.name, a.role, a.status, a.model) for a in view.agents.values()] == [
        ("cto", "cto", "starting", "qwen3:14b"),
        ("coder-1", "coder", "starting", "qwen2.5-coder:7b"),
    ]
    assert view.run_status == "starting" and view.sandbox_label == "sandbox unknown"


def test_events_fold_into_status_task_tokens_tps_restarts_and_feed(tmp_path: Path) -> None:
    folded = events(
        tmp_path,
        "coder-1",
        ("started", {"status": "starting", "data": {"role": "coder"}}),
        ("status", {"status": "thinking", "task_id": "t1", "attempt": 1}),
        ("llm", {"task_id": "t1", "attempt": 1, "tokens": 800, "tps": 30.0, "data": {"model": "qwen3:8b"}}),
        ("llm", {"task_id": "t1", "attempt": 1, "tokens": 200, "tps": 40.0}),
        ("message", {"task_id": "t1", "data": {"id": "x", "type": "completion", "recipient": "coordinator", "summary": "done"}}),
        ("restart", {}),
        ("started", {"status": "starting", "data": {"role": "coder"}}),
        ("heartbeat", {"status": "writing", "task_id": "t1", "attempt": 2}),
    )
    view = TeamView(run_id="r")
    changes = view.apply(events=folded)
    agent = view.agents["coder-1"]
    assert (agent.role, agent.status, agent.task_label, agent.model) == ("coder", "writing", "t1 #2", "qwen3:8b")
    assert (agent.tokens, agent.tps, agent.restarts) == (1000, 40.0, 1)
    assert view.tokens == 1000
    assert changes.feed == [FeedEntry(folded[4].ts, "coder-1", "coordinator", "completion", "done", "t1")]
    assert list(view.feed) == changes.feed


def test_restarts_count_once_whether_the_runtime_says_so_or_not(tmp_path: Path) -> None:
    only_starts = events(tmp_path, "a", ("started", {}), ("started", {}), ("started", {}))
    view = TeamView(run_id="r")
    view.apply(events=only_starts)
    assert view.agents["a"].restarts == 2


def test_a_silent_agent_shows_dead_unless_it_said_it_stopped_or_the_run_ended() -> None:
    view = TeamView(run_id="r")
    view.apply(events=[Event(ts=100.0, agent="qa", kind="heartbeat", status="validating")])
    agent = view.agents["qa"]
    assert agent.shown_status(100.0 + DEAD_AFTER_SECONDS - 1) == "validating"
    assert agent.shown_status(100.0 + DEAD_AFTER_SECONDS + 1) == "dead"
    assert agent.shown_status(100.0 + DEAD_AFTER_SECONDS + 1, run_finished=True) == "validating"
    view.apply(events=[Event(ts=101.0, agent="qa", kind="stopped", status="stopped")])
    assert agent.shown_status(10_000.0) == "stopped"


def test_tasks_come_from_the_plan_until_state_json_has_them(tmp_path: Path) -> None:
    plan = Plan(tasks=[PlanTask(id="t1", title="a", acceptance=["works"]), PlanTask(id="t2", title="b", depends_on=["t1"])])
    view = TeamView(run_id="r")
    view.apply(plan=plan)
    assert [(t.id, t.state, t.depends_on) for t in view.tasks.values()] == [("t1", "pending", []), ("t2", "pending", ["t1"])]
    state = RunState(
        run_id="r",
        phase="building",
        tokens=99,
        tasks={
            "t1": TaskRecord(id="t1", title="a", status="passed", attempts=[AttemptRecord(attempt=1, coder="c", commit="abc")]),
            "t2": TaskRecord(id="t2", title="b", status="failed", depends_on=["t1"], reason="3 attempts failed"),
        },
    )
    view.apply(state=state)
    assert view.tasks["t1"].acceptance == ["works"]  # the plan's details stay
    assert view.tasks["t1"].diff_commit == "abc"
    assert (view.tasks["t2"].state, view.tasks["t2"].reason) == ("failed", "3 attempts failed")
    counts = view.counts()
    assert (counts.passed, counts.failed, counts.left) == (1, 1, 0)
    assert view.tokens == 99 and view.phase == "building"


def test_merged_commit_is_the_diff_once_merged() -> None:
    view = TeamView(run_id="r")
    state = RunState(run_id="r", tasks={"t1": TaskRecord(id="t1", title="a", merged_commit="m", attempts=[AttemptRecord(attempt=1, coder="c", commit="a1")])})
    view.apply(state=state)
    assert view.tasks["t1"].diff_commit == "m"


def test_elapsed_stops_when_the_run_finished(tmp_path: Path) -> None:
    run = RunDir.create(tmp_path, "brief", [])
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    info = run.update_info(created_at=start, status="succeeded", finished_at=datetime(2026, 1, 1, 0, 2, 5, tzinfo=timezone.utc))
    view = TeamView(run_id=run.run_id)
    view.apply(info=info)
    assert view.finished
    assert view.elapsed(start.timestamp() + 10_000) == 125.0
    assert format_elapsed(125) == "02:05" and format_elapsed(3725) == "1:02:05"


def test_sandbox_comes_from_config_or_an_event(tmp_path: Path) -> None:
    run = RunDir.create(tmp_path, "brief", [], {"sandbox_description": "bubblewrap: no network"})
    view = TeamView(run_id=run.run_id)
    view.apply(info=run.info())
    assert view.sandbox_label == "bubblewrap: no network"
    view.apply(events=[Event(agent="qa", kind="status", status="idle", data={"sandbox": "NOT sandboxed: bubblewrap cannot run"})])
    assert view.sandbox_label == "NOT sandboxed: bubblewrap cannot run"


def test_feed_filter_words_name_agents_or_types() -> None:
    feed = [
        FeedEntry(1, "coordinator", "coder-1", "task_assignment", "", "t1"),
        FeedEntry(2, "coder-1", "coordinator", "completion", "", "t1"),
        FeedEntry(3, "qa", "coordinator", "review_result", "fail", "t1"),
        FeedEntry(4, "coordinator", "coder-12", "task_assignment", "", "t2"),
    ]
    assert filter_feed(feed, "") == feed
    assert filter_feed(feed, "coder-1") == [feed[0], feed[1], feed[3]]  # prefixes count
    assert filter_feed(feed, "coder-1 completion") == [feed[1]]
    assert filter_feed(feed, "QA") == [feed[2]]
    assert filter_feed(feed, "review coordinator") == [feed[2]]
    assert filter_feed(feed, "nobody") == []


def test_token_format() -> None:
    assert [format_tokens(n) for n in (0, 999, 1500, 12_345, 2_500_000)] == ["0", "999", "1.5k", "12k", "2.5M"]


def test_a_run_on_the_scripted_model_is_marked_as_such(tmp_path: Path) -> None:
    from crewmux.config import SCRIPTED_MODEL

    real = RunDir.create(tmp_path / "a", "brief", [AgentSpec(name="cto", role="cto")], Config().model_dump(mode="json"))
    scripted_config = Config.model_validate({"default": {"model": SCRIPTED_MODEL, "base_urls": ["http://127.0.0.1:1"]}})
    scripted = RunDir.create(tmp_path / "b", "brief", [AgentSpec(name="cto", role="cto")], scripted_config.model_dump(mode="json"))
    views = {}
    for name, run in (("real", real), ("scripted", scripted)):
        views[name] = TeamView(run_id=run.run_id)
        views[name].apply(info=run.info())
    assert not views["real"].scripted
    assert views["scripted"].scripted
