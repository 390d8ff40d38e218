"""What one task's run produced (TryRecord, TaskResult), and the figures of a suite: pass
rates on try 1/2/3, well-formed replies, tokens, time, cost, steps-to-green, repeat errors,
failure classes. Pure: results in, numbers out. Rates are percent."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from crewmux.benchmark.scoring import FailureClass


@dataclass
class TryRecord:
    number: int
    well_formed: bool = True
    passed: bool = False
    failure: FailureClass | None = None
    signature: str = ""  # what identifies the error (scoring.error_signature)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    cost: float = 0.0
    output: str = ""  # the check output (cut), or why the try could not happen


@dataclass
class TaskResult:
    task: str
    model: str
    mode: str  # single | team
    suite: str = ""
    category: str = ""
    language: str = ""
    tries: list[TryRecord] = field(default_factory=list)
    # Team mode: what the team did inside its run(s), from report.json.
    team: dict[str, Any] = field(default_factory=dict)
    first_reply_passed_but_failed: bool | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return result_key(self.task, self.model, self.mode)

    @property
    def infrastructure(self) -> bool:
        """The harness, not the model, decided this task: it does not count in the rates."""
        return not self.passed and bool(self.tries) and self.tries[-1].failure == "infrastructure"

    @property
    def passed(self) -> bool:
        return any(t.passed for t in self.tries)

    @property
    def passed_on_try(self) -> int | None:
        return next((t.number for t in self.tries if t.passed), None)

    @property
    def failure(self) -> FailureClass | None:
        return None if self.passed or not self.tries else self.tries[-1].failure

    @property
    def repeats(self) -> tuple[int, int]:
        """(tries that repeated the previous try's error, tries that followed a failed try)."""
        followed = repeated = 0
        for before, after in zip(self.tries, self.tries[1:]):
            if before.passed or before.failure in ("infrastructure", "malformed") or after.failure in ("infrastructure",):
                continue
            followed += 1
            if not after.passed and after.signature and after.signature == before.signature:
                repeated += 1
        return repeated, followed

    @property
    def steps_to_green(self) -> int | None:
        """Model replies until the checks passed: the try number in single mode, every coder
        reply of every run in team mode."""
        if not self.passed:
            return None
        if self.mode == "team":
            return int(self.team.get("coder_replies_to_green") or self.passed_on_try or 0) or None
        return self.passed_on_try

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(passed=self.passed, passed_on_try=self.passed_on_try, failure=self.failure,
                    infrastructure=self.infrastructure, steps_to_green=self.steps_to_green,
                    prompt_tokens=sum(t.prompt_tokens for t in self.tries),
                    completion_tokens=sum(t.completion_tokens for t in self.tries),
                    seconds=round(sum(t.seconds for t in self.tries), 2), cost=round(sum(t.cost for t in self.tries), 6))
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "TaskResult":
        tries = [TryRecord(**t) for t in data.get("tries", [])]
        own = {k: data[k] for k in ("task", "model", "mode", "suite", "category", "language", "team",
                                    "first_reply_passed_but_failed") if k in data}
        return cls(**own, tries=tries)


def result_key(task: str, model: str, mode: str) -> tuple[str, str, str]:
    return (task, model, mode)


def finished_keys(results: list[TaskResult]) -> set[tuple[str, str, str]]:
    """Keys a rerun skips: tasks the model decided. An infrastructure failure is tried again."""
    latest: dict[tuple[str, str, str], TaskResult] = {}
    for r in results:
        latest[r.key] = r
    return {k for k, r in latest.items() if not r.infrastructure}


def latest_results(results: list[TaskResult]) -> list[TaskResult]:
    """The last line per key (a resumed run appends a new line for a task tried again)."""
    latest: dict[tuple[str, str, str], TaskResult] = {}
    for r in results:
        latest[r.key] = r
    return list(latest.values())


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def summarise(results: list[TaskResult]) -> list[dict[str, Any]]:
    """One entry per (model, mode), in the order they first appear."""
    groups: dict[tuple[str, str], list[TaskResult]] = {}
    for r in latest_results(results):
        groups.setdefault((r.model, r.mode), []).append(r)
    return [summary_entry(model, mode, rs) for (model, mode), rs in groups.items()]


def summary_entry(model: str, mode: str, results: list[TaskResult]) -> dict[str, Any]:
    scored = [r for r in results if not r.infrastructure]
    tries = [t for r in scored for t in r.tries if t.failure != "infrastructure"]
    n = len(scored)
    repeated = sum(r.repeats[0] for r in scored)
    followed = sum(r.repeats[1] for r in scored)
    steps = [r.steps_to_green for r in scored if r.steps_to_green]
    failures = Counter(r.failure for r in scored if r.failure)
    entry: dict[str, Any] = {
        "model": model,
        "mode": mode,
        "tasks": n,
        "infrastructure_failures": len(results) - n,
        "passed": sum(1 for r in scored if r.passed),
        **{f"pass_rate_{k}": _pct(sum(1 for r in scored if r.passed_on_try and r.passed_on_try <= k), n) for k in (1, 2, 3)},
        "well_formed": _pct(sum(1 for t in tries if t.well_formed), len(tries)),
        "tries": len(tries),
        "prompt_tokens": sum(t.prompt_tokens for t in tries),
        "completion_tokens": sum(t.completion_tokens for t in tries),
        "seconds": round(sum(t.seconds for r in results for t in r.tries), 1),
        "seconds_per_task": round(sum(t.seconds for t in tries) / n, 1) if n else 0.0,
        "completion_tokens_per_task": round(sum(t.completion_tokens for t in tries) / n) if n else 0,
        # What a pass costs: every try's tokens, the failed tasks' too, over the tasks passed.
        "completion_tokens_per_passed_task": (round(sum(t.completion_tokens for t in tries) / passed) if (passed := sum(
            1 for r in scored if r.passed)) else None),
        "cost": round(sum(t.cost for t in tries), 4),
        "steps_to_green": round(sum(steps) / len(steps), 2) if steps else None,
        "repeat_error_rate": _pct(repeated, followed) if followed else None,
        "failures": dict(sorted(failures.items())),
    }
    if mode == "team":
        flagged = [r for r in scored if r.first_reply_passed_but_failed]
        entry["first_reply_passed_but_failed"] = len(flagged)
        entry["team_retries"] = sum(int(r.team.get("retries", 0)) for r in scored)
        entry["team_escalations"] = sum(int(r.team.get("escalations", 0)) for r in scored)
    return entry


def mode_ratios(summary: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Team against single, per model: tasks passed (on the last try) team / single."""
    out = []
    by = {(s["model"], s["mode"]): s for s in summary}
    for (model, mode), single in by.items():
        team = by.get((model, "team"))
        if mode != "single" or team is None:
            continue
        last = max(k for k in (1, 2, 3) if single.get(f"pass_rate_{k}") is not None)
        ratio = round(team["passed"] / single["passed"], 2) if single["passed"] else None
        out.append({"model": model, "single_passed": single["passed"], "team_passed": team["passed"],
                    "single_pass_rate": single[f"pass_rate_{last}"], "team_pass_rate": team[f"pass_rate_{last}"],
                    "ratio": ratio, "seconds_ratio": round(team["seconds"] / single["seconds"], 1) if single["seconds"] else None,
                    "tokens_per_pass_ratio": (round(team["completion_tokens_per_passed_task"] / single["completion_tokens_per_passed_task"], 1)
                                              if team.get("completion_tokens_per_passed_task") and single.get("completion_tokens_per_passed_task")
                                              else None)})
    return out
