"""Live progress of model requests: the agent's heartbeats say whether it waits for the
model or writes, and the dashboard says who it queues behind on a shared engine."""

from __future__ import annotations

from pathlib import Path

from crewmux.agents.live_request import LiveRequests
from crewmux.protocol.events import EventLog, read_events
from crewmux.tui.team_view import TeamView


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_request_waits_then_writes_and_is_gone_when_done() -> None:
    clock = Clock()
    live = LiveRequests(clock)
    assert live.snapshot() is None
    with live.track() as piece:
        clock.now += 42
        assert live.snapshot() == {"phase": "waiting", "seconds": 42.0, "tokens": 0, "requests": 1}
        piece()
        clock.now += 10
        for _ in range(59):
            piece()
        snap = live.snapshot()
        assert snap is not None and snap["phase"] == "writing" and snap["tokens"] == 60 and snap["tps"] == 6.0
    assert live.snapshot() is None


def test_side_by_side_candidates_add_up() -> None:
    clock = Clock()
    live = LiveRequests(clock)
    with live.track() as a, live.track():
        a()
        clock.now += 2
        a()
        snap = live.snapshot()
        assert snap is not None and snap["requests"] == 2 and snap["tokens"] == 2 and snap["phase"] == "writing"


def test_the_dashboard_says_who_an_agent_queues_behind(tmp_path: Path) -> None:
    for name, llm in (("coder-1", {"phase": "writing", "seconds": 20.0, "tokens": 120, "tps": 6.0, "requests": 1}),
                      ("coder-2", {"phase": "waiting", "seconds": 75.0, "tokens": 0, "requests": 1}),
                      ("qa", None)):
        log = EventLog(tmp_path / f"{name}.jsonl", name)
        log.emit("llm", tokens=10, data={"model": "qwen2.5-coder:1.5b"})
        log.emit("heartbeat", status="thinking", task_id="t1", attempt=1, data={"llm": llm} if llm else {})
        log.close()
    view = TeamView(run_id="r")
    view.apply(events=[e for n in ("coder-1", "coder-2", "qa") for e in read_events(tmp_path / f"{n}.jsonl")])
    agents = view.agents
    assert view.activity(agents["coder-1"]) == "writing 120 tok" and view.live_tps(agents["coder-1"]) == 6.0
    assert view.activity(agents["coder-2"]) == "waiting 01:15, queued behind coder-1"
    assert view.activity(agents["qa"]) == ""
    # The reply arrived: the live state is gone with it.
    log = EventLog(tmp_path / "coder-2b.jsonl", "coder-2")
    log.emit("llm", tokens=300, tps=5.5)
    log.close()
    view.apply(events=read_events(tmp_path / "coder-2b.jsonl"))
    assert view.activity(agents["coder-2"]) == "" and view.live_tps(agents["coder-2"]) == 5.5
