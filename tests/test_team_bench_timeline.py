"""The bench's breakdown of a run's time outside the model (bench/timeline.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from crewmux.protocol.events import Event


@pytest.fixture(scope="module")
def timeline():
    path = Path(__file__).resolve().parent.parent / "bench" / "timeline.py"
    spec = importlib.util.spec_from_file_location("bench_timeline", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def ev(ts: float, agent: str, kind: str, task: str | None = None, status: str | None = None, text: str = "") -> Event:
    return Event(ts=ts, agent=agent, kind=kind, task_id=task, status=status, text=text)


def one_task(task: str, t0: float, coder: str = "coder-1", qa: str = "qa-1") -> list[Event]:
    return [
        ev(t0, coder, "received", task),
        ev(t0 + 1.0, coder, "llm", task, "thinking"),
        ev(t0 + 1.01, coder, "status", task, "validating"),
        ev(t0 + 1.11, "coordinator", "received", task),
        ev(t0 + 1.12, coder, "message", task),  # logged after delivery: not a span end
        ev(t0 + 1.115, qa, "received", task),
        ev(t0 + 1.215, qa, "verdict", task, text="pass"),
        ev(t0 + 1.245, "coordinator", "merge", task, text="merged"),
    ]


def test_spans_of_each_task_from_the_agents_events(timeline):
    events = one_task("t2", 5.0, "coder-2", "qa-2") + one_task("t1", 0.0) + [
        ev(7.0, "coordinator", "status", status="validating", text="final checks of the merged branch"),
        ev(7.07, "coordinator", "run", text="finished"),
    ]
    spans = timeline.task_spans(list(reversed(events)))  # order of the files does not matter
    assert [t.task for t in spans] == ["t1", "t2"]
    got = {k: round(v, 3) for k, v in spans[0].spans.items()}
    assert got == {"model": 1.0, "check": 0.1, "to_qa": 0.005, "qa": 0.1, "merge": 0.03}
    assert round(timeline.medians(spans)["check"], 3) == 0.1
    assert round(timeline.final_checks(events), 3) == 0.07


def test_a_task_never_reviewed_has_only_its_known_spans(timeline):
    events = [e for e in one_task("t1", 0.0) if e.agent != "qa-1"]
    spans = timeline.task_spans(events)[0].spans
    assert set(spans) == {"model", "check"}
    assert timeline.final_checks(events) is None
    assert "qa" not in timeline.medians(timeline.task_spans(events))
