"""The dashboard's reading thread on a real run directory: only new bytes, coalesced
batches, the selected agent's log tail, bad files reported and survived."""

from __future__ import annotations

import threading
import time
from io import StringIO
from pathlib import Path

import pytest

from crewmux.agents.console import Console
from crewmux.protocol.events import EventLog
from crewmux.protocol.fsutil import atomic_write_json
from crewmux.protocol.plan import Plan, PlanTask
from crewmux.protocol.rundir import AgentSpec, RunDir
from crewmux.protocol.state import RunState, TaskRecord
from crewmux.tui.watcher import Batch, RunWatcher

pytestmark = pytest.mark.timeout(60)


class Recorder:
    """Stands where the UI is: applies each batch at once and says so."""

    def __init__(self) -> None:
        self.batches: list[Batch] = []
        self.cond = threading.Condition()
        self.watcher: RunWatcher | None = None

    def __call__(self, batch: Batch) -> None:
        with self.cond:
            self.batches.append(batch)
            self.cond.notify_all()
        self.watcher.applied()

    def wait_for(self, condition, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        with self.cond:
            while not condition(self.batches):
                left = deadline - time.monotonic()
                assert left > 0, f"not seen within {timeout} s: {self.batches}"
                self.cond.wait(left)

    def events(self) -> list:
        return [event for batch in self.batches for event in batch.events]


@pytest.fixture
def run(tmp_path: Path) -> RunDir:
    return RunDir.create(tmp_path, "brief", [AgentSpec(name="cto", role="cto"), AgentSpec(name="coder-1", role="coder")])


@pytest.fixture
def watching(run: RunDir):
    recorder = Recorder()
    watcher = RunWatcher(run, recorder, min_gap=0.05)
    recorder.watcher = watcher
    thread = threading.Thread(target=watcher.run_forever, daemon=True)
    thread.start()
    yield recorder, watcher
    watcher.stop()
    thread.join(5)
    assert not thread.is_alive(), "the watcher thread did not stop"


def test_first_batch_has_run_json_and_later_batches_only_what_changed(run: RunDir, watching) -> None:
    recorder, _ = watching
    recorder.wait_for(lambda b: any(x.info for x in b))
    assert recorder.batches[0].info.run_id == run.run_id
    EventLog(run.events("cto"), "cto").emit("status", status="thinking")
    recorder.wait_for(lambda b: len([e for x in b for e in x.events]) == 1)
    atomic_write_json(run.plan_json, Plan(tasks=[PlanTask(id="t1", title="a")]).model_dump(mode="json"))
    recorder.wait_for(lambda b: any(x.plan for x in b))
    atomic_write_json(run.state_json, RunState(run_id=run.run_id, tasks={"t1": TaskRecord(id="t1", title="a", status="running")}).model_dump(mode="json"))
    recorder.wait_for(lambda b: any(x.state for x in b))
    assert sum(1 for x in recorder.batches if x.info) == 1  # run.json was not re-read
    assert [e.status for e in recorder.events()] == ["thinking"]


def test_a_half_written_event_line_waits_for_its_end(run: RunDir, watching) -> None:
    recorder, _ = watching
    recorder.wait_for(lambda b: len(b) >= 1)
    line = b'{"ts":1.0,"agent":"cto","kind":"status","status":"writing"}\n'
    with open(run.events("cto"), "ab") as handle:
        handle.write(line[:20])
        handle.flush()
        time.sleep(0.3)
        assert recorder.events() == []
        handle.write(line[20:])
    recorder.wait_for(lambda b: len([e for x in b for e in x.events]) == 1)
    assert recorder.events()[0].status == "writing"


def test_a_flood_of_events_arrives_in_few_batches_in_order(run: RunDir, watching) -> None:
    recorder, _ = watching
    recorder.wait_for(lambda b: len(b) >= 1)
    start = len(recorder.batches)
    log = EventLog(run.events("coder-1"), "coder-1")
    for n in range(2000):
        log.emit("heartbeat", status="writing", tokens=n)
    recorder.wait_for(lambda b: len([e for x in b for e in x.events]) == 2000)
    assert [e.tokens for e in recorder.events()] == list(range(2000))
    assert len(recorder.batches) - start < 40  # ~20 reads a second at most, not 2000


def test_bad_state_json_is_reported_and_the_next_good_one_is_read(run: RunDir, watching) -> None:
    recorder, _ = watching
    recorder.wait_for(lambda b: len(b) >= 1)
    run.state_json.write_text('{"run_id": 5')
    recorder.wait_for(lambda b: any(x.problems for x in b))
    assert "state.json could not be read" in [p for x in recorder.batches for p in x.problems][0]
    atomic_write_json(run.state_json, RunState(run_id=run.run_id).model_dump(mode="json"))
    recorder.wait_for(lambda b: any(x.state for x in b))


def test_selected_agent_log_backlog_then_new_text_then_switch(run: RunDir, watching) -> None:
    recorder, watcher = watching
    cto = Console(run.log("cto"), out=StringIO())
    coder = Console(run.log("coder-1"), out=StringIO())
    for n in range(3000):
        cto.line(f"old line {n}")
    coder.line("coder says hi")
    watcher.select("cto")
    recorder.wait_for(lambda b: any(x.log for x in b))
    first = next(x.log for x in recorder.batches if x.log)
    assert first.reset and first.agent == "cto"
    assert first.text.split("\n")[0].endswith(tuple(f"old line {n}" for n in range(3000)))  # starts at a line
    assert "old line 2999" in first.text and "old line 0\n" not in first.text  # only the tail
    cto.stream("tok")
    cto.stream("ens ")
    with open(run.log("cto"), "ab") as handle:  # a character split across two writes
        handle.write("é".encode()[:1])
        handle.flush()
        time.sleep(0.2)
        handle.write("é".encode()[1:])
    recorder.wait_for(lambda b: "".join(x.log.text for x in b if x.log and not x.log.reset).endswith("tokens é"))
    watcher.select("coder-1")
    recorder.wait_for(lambda b: any(x.log and x.log.agent == "coder-1" for x in b))
    switch = [x.log for x in recorder.batches if x.log and x.log.agent == "coder-1"][0]
    assert switch.reset and "coder says hi" in switch.text


def test_stop_ends_the_thread_at_once(run: RunDir) -> None:
    recorder = Recorder()
    watcher = RunWatcher(run, recorder, interval=30.0)
    recorder.watcher = watcher
    thread = threading.Thread(target=watcher.run_forever, daemon=True)
    thread.start()
    recorder.wait_for(lambda b: len(b) >= 1)
    time.sleep(0.1)
    started = time.monotonic()
    watcher.stop()
    thread.join(5)
    assert not thread.is_alive() and time.monotonic() - started < 1.0
