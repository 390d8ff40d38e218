"""The supervisor's restart decisions, tested directly (no tmux, no processes)."""

from __future__ import annotations

from crewmux.protocol.exit_codes import RESTART_EXIT_CODE
from crewmux.runtime.restart_policy import Observation, RestartPolicy, RestartTracker

POLICY = RestartPolicy(max_crashes=3, window=100.0, backoff_base=1.0, backoff_max=4.0, silent_after=10.0, start_grace=5.0)


def alive(pid: int = 100, last: float | None = None) -> Observation:
    return Observation(has_pane=True, pid=pid, last_event_at=last)


def dead(status: int | None = None, signal: int | None = None, pid: int = 100) -> Observation:
    return Observation(has_pane=True, dead=True, exit_status=status, exit_signal=signal, pid=pid)


def test_a_live_heartbeating_agent_is_left_alone() -> None:
    tracker = RestartTracker(POLICY, spawned_at=0.0)
    assert tracker.observe(alive(last=None), 1.0).action == "ok"  # still starting
    assert tracker.observe(alive(last=3.0), 4.0).action == "ok"
    assert tracker.observe(alive(last=12.0), 20.0).action == "ok"


def test_exit_zero_is_done_and_exit_75_restarts_at_once_without_counting() -> None:
    tracker = RestartTracker(POLICY, spawned_at=0.0)
    assert tracker.observe(dead(status=0), 1.0).action == "done"
    for i in range(10):
        decision = tracker.observe(dead(status=RESTART_EXIT_CODE, pid=200 + i), 2.0 + i)
        assert (decision.action, decision.crash) == ("restart", False)
        tracker.restarted(2.0 + i, decision)
    assert tracker.crashes == []


def test_a_crash_waits_out_an_exponential_backoff_then_gives_up() -> None:
    tracker = RestartTracker(POLICY, spawned_at=0.0)
    now = 10.0
    waits = []
    for n in range(3):
        first = tracker.observe(dead(signal=9, pid=n), now)
        assert first.action == "wait"
        assert "killed by signal 9" in first.reason
        start = now
        while (decision := tracker.observe(dead(signal=9, pid=n), now)).action == "wait":
            now += 0.25
        assert decision.action == "restart" and decision.crash
        waits.append(now - start)
        tracker.restarted(now, decision)
    assert waits == [1.0, 2.0, 4.0]
    assert tracker.observe(dead(status=1, pid=9), now + 1).action == "give_up"
    assert tracker.observe(dead(status=1, pid=9), now + 50).action == "ignore"


def test_crashes_outside_the_window_no_longer_count() -> None:
    tracker = RestartTracker(POLICY, spawned_at=0.0)
    tracker.crashes = [1.0, 2.0, 3.0]
    assert tracker.observe(dead(status=1), 50.0).action == "give_up"
    fresh = RestartTracker(POLICY, spawned_at=0.0)
    fresh.crashes = [1.0, 2.0, 3.0]
    assert fresh.observe(dead(status=1), 150.0).action == "wait"


def test_a_silent_process_is_killed_and_restarted() -> None:
    tracker = RestartTracker(POLICY, spawned_at=0.0)
    assert tracker.observe(alive(last=1.0), 2.0).action == "ok"
    first = tracker.observe(alive(last=1.0), 12.0)
    assert first.action == "wait" and "silent for 11 s" in first.reason
    decision = tracker.observe(alive(last=1.0), 13.5)
    assert (decision.action, decision.kill, decision.crash) == ("restart", True, True)


def test_a_process_that_never_writes_an_event_is_restarted_after_the_grace() -> None:
    tracker = RestartTracker(POLICY, spawned_at=0.0, fresh=True)
    assert tracker.observe(alive(last=-50.0), 1.0).action == "ok"  # an event of the process before
    assert tracker.observe(alive(last=None), 4.0).action == "ok"
    assert tracker.observe(alive(last=None), 6.0).action == "wait"
    assert tracker.observe(alive(last=None), 7.5).kill


def test_a_missing_pane_is_created_again() -> None:
    tracker = RestartTracker(POLICY, spawned_at=0.0)
    assert tracker.observe(Observation(has_pane=False), 1.0).action == "wait"
    assert tracker.observe(Observation(has_pane=False), 2.0).action == "create"


def test_dead_without_a_status_yet_waits_briefly() -> None:
    tracker = RestartTracker(POLICY, spawned_at=0.0)
    assert tracker.observe(dead(), 1.0).action == "wait"
    assert tracker.observe(dead(status=0), 1.5).action == "done"
    other = RestartTracker(POLICY, spawned_at=0.0)
    other.observe(dead(), 1.0)
    assert other.observe(dead(), 3.5).action == "wait"  # now counted as a crash, with backoff
    assert other.observe(dead(), 5.0).action == "restart"


def test_a_restart_by_someone_else_clears_giving_up() -> None:
    tracker = RestartTracker(POLICY, spawned_at=0.0)
    tracker.crashes = [1.0, 2.0, 3.0]
    tracker.pid = 100
    assert tracker.observe(dead(status=1, pid=100), 5.0).action == "give_up"
    assert tracker.observe(alive(pid=300, last=None), 6.0).action == "ok"
    assert not tracker.gave_up and tracker.spawned_at == 6.0


def test_an_agent_running_before_the_supervisor_is_judged_by_its_last_event() -> None:
    tracker = RestartTracker(POLICY, spawned_at=100.0)  # not fresh: it ran before we looked
    assert tracker.observe(alive(last=99.0), 101.0).action == "ok"
    assert "silent for 11 s" in tracker.observe(alive(last=99.0), 110.0).reason
