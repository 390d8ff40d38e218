"""Where a run's wall time goes outside the model: per task, the spans between the
events the agents log (pure; the events are passed in).

Spans of one task's first attempt, all in seconds:
  model    the coder's request (assignment taken -> its ``llm`` event)
  check    the coder's own checks, its commit, and the completion reaching the coordinator
           (``validating`` -> the coordinator's first ``received`` of the task)
  to_qa    the coordinator handing the task to a QA agent (-> QA's ``received``)
  qa       QA's review (received -> ``verdict``)
  merge    verdict -> the coordinator's ``merge`` event (includes waiting for other merges)
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from crewmux.protocol.events import Event

SPANS = ("model", "check", "to_qa", "qa", "merge")


@dataclass
class TaskSpans:
    task: str
    spans: dict[str, float] = field(default_factory=dict)


def _first(events: list[Event], **where: object) -> Event | None:
    return next((e for e in events if all(getattr(e, k) == v for k, v in where.items())), None)


def task_spans(events: list[Event]) -> list[TaskSpans]:
    """The spans of each task's first attempt; a span whose ends are missing is left out."""
    ordered = sorted(events, key=lambda e: e.ts)
    tasks = sorted({e.task_id for e in ordered if e.kind == "merge" and e.task_id}, key=lambda t: (len(t), t))
    found: list[TaskSpans] = []
    for task in tasks:
        mine = [e for e in ordered if e.task_id == task]
        coder_got = _first([e for e in mine if e.agent.startswith("coder")], kind="received")
        coder = coder_got.agent if coder_got else ""
        marks = {
            "assigned": coder_got,
            "llm": _first(mine, agent=coder, kind="llm"),
            "validating": _first(mine, agent=coder, kind="status", status="validating"),
            "sent": _first(mine, agent="coordinator", kind="received"),
            "qa_got": next((e for e in mine if e.agent.startswith("qa") and e.kind == "received"), None),
            "verdict": _first(mine, kind="verdict"),
            "merged": _first(mine, kind="merge"),
        }
        pairs = {"model": ("assigned", "llm"), "check": ("validating", "sent"), "to_qa": ("sent", "qa_got"),
                 "qa": ("qa_got", "verdict"), "merge": ("verdict", "merged")}
        spans = {}
        for name, (start, end) in pairs.items():
            a, b = marks[start], marks[end]
            if a is not None and b is not None:
                spans[name] = b.ts - a.ts
        found.append(TaskSpans(task, spans))
    return found


def final_checks(events: list[Event]) -> float | None:
    """The coordinator's checks of the merged branch, up to the run's end."""
    start = next((e for e in events if e.kind == "status" and e.text.startswith("final checks")), None)
    end = next((e for e in events if e.kind == "run" and e.text == "finished"), None)
    return end.ts - start.ts if start and end else None


def medians(tasks: list[TaskSpans]) -> dict[str, float]:
    """The median of each span over the tasks that have it."""
    return {name: statistics.median(vals) for name in SPANS
            if (vals := [t.spans[name] for t in tasks if name in t.spans])}
