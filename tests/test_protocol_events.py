"""Event logs: appending from threads, following a growing file, bad lines."""

from __future__ import annotations

import threading
from pathlib import Path

from crewmux.protocol.events import EventFollower, EventLog, last_event, read_events


def test_follower_reads_only_new_complete_lines(tmp_path: Path) -> None:
    path = tmp_path / "coder-1.jsonl"
    log = EventLog(path, "coder-1")
    follower = EventFollower(path)
    assert follower.read_new() == []
    log.emit("status", status="thinking", task_id="t1", attempt=1)
    first = follower.read_new()
    assert [(e.kind, e.status, e.task_id) for e in first] == [("status", "thinking", "t1")]
    with open(path, "ab") as handle:  # a writer caught mid-line
        handle.write(b'{"ts": 1.0, "agent": "coder-1", "kind": "hea')
    assert follower.read_new() == []
    with open(path, "ab") as handle:
        handle.write(b'rtbeat"}\n')
    assert [e.kind for e in follower.read_new()] == ["heartbeat"]


def test_bad_lines_are_counted_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "qa.jsonl"
    path.write_text('garbage\n{"ts": 1, "agent": "qa", "kind": "nope"}\n{"ts": 2, "agent": "qa", "kind": "started"}\n')
    follower = EventFollower(path)
    assert [e.kind for e in follower.read_new()] == ["started"]
    assert follower.bad_lines == 2


def test_many_threads_append_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    log = EventLog(path, "a")
    threads = [threading.Thread(target=lambda: [log.emit("heartbeat", text="x" * 300) for _ in range(200)]) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    events = read_events(path)
    assert len(events) == 1600
    assert all(e.text == "x" * 300 for e in events)


def test_last_event_of_a_kind(tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    log = EventLog(path, "b")
    log.emit("status", status="writing")
    for _ in range(100):
        log.emit("heartbeat", status="writing")
    assert last_event(path).kind == "heartbeat"
    assert last_event(path, {"status"}).status == "writing"
    assert last_event(tmp_path / "missing.jsonl") is None
