"""The bench's I/O: every (model entry x mode x task) run in turn, one JSON line each in
results.jsonl (a rerun resumes), then summary.json, report.md and chart.png."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from crewmux.agents.llm.client import LLMClient
from crewmux.benchmark.chart import draw_chart, task_points
from crewmux.benchmark.checks import Checker
from crewmux.benchmark.episodes import EpisodeStore
from crewmux.benchmark.figures import TaskResult, TryRecord, finished_keys, latest_results, result_key, summarise
from crewmux.benchmark.models import ModelEntry, engine_for, team_config
from crewmux.benchmark.report import render_compare, render_report
from crewmux.benchmark.single import SingleRun
from crewmux.benchmark.suite import Suite
from crewmux.benchmark.team import TeamRun


def read_results(path: Path) -> list[TaskResult]:
    """Every whole line of results.jsonl (a line cut by a crash is skipped)."""
    if not path.is_file():
        return []
    found = []
    for line in path.read_text().splitlines():
        try:
            found.append(TaskResult.from_json(json.loads(line)))
        except (ValueError, TypeError, KeyError):
            continue
    return found


def append_result(path: Path, result: TaskResult) -> None:
    with open(path, "a") as handle:
        handle.write(json.dumps(result.to_json()) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in text)


def machine_line() -> str:
    return f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; Python {platform.python_version()}."


class Progress:
    """A bar on a terminal, a line per task elsewhere (CI logs)."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.monotonic()

    def start(self, label: str) -> None:
        if self.tty:
            self._draw(f"{label} …")

    def finish(self, label: str, verdict: str) -> None:
        self.done += 1
        if self.tty:
            self._draw(f"{label}: {verdict}")
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(f"[{self.done}/{self.total}] {label}: {verdict}\n")
        self.stream.flush()

    def _draw(self, text: str) -> None:
        width = 28
        filled = int(width * self.done / max(1, self.total))
        elapsed = time.monotonic() - self.started
        self.stream.write(f"\r\x1b[2K[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
                          f"{elapsed / 60:.1f} min  {text[:70]}")
        self.stream.flush()


@dataclass
class BenchOptions:
    suite: Suite
    entries: list[ModelEntry]
    modes: list[str]
    out: Path
    tries: int = 2
    episodes: Path | None = None
    coders: int = 1
    team_wall: float = 900.0
    tasks: list[str] = field(default_factory=list)  # only these ids (empty: all)


def run_bench(opts: BenchOptions, stream: TextIO | None = None) -> list[dict[str, Any]]:
    out = opts.out
    out.mkdir(parents=True, exist_ok=True)
    results_path = out / "results.jsonl"
    done = finished_keys(read_results(results_path))
    tasks = [t for t in opts.suite.tasks if not opts.tasks or t.id in opts.tasks]
    todo = [(e, m, t) for e in opts.entries for m in opts.modes for t in tasks if result_key(t.id, e.label, m) not in done]
    progress = Progress(len(todo), stream)
    skipped = len(opts.entries) * len(opts.modes) * len(tasks) - len(todo)
    if skipped:
        (stream or sys.stderr).write(f"resuming: {skipped} finished task(s) in {results_path} are kept\n")
    checker = Checker(artifacts=out / "artifacts")
    if checker.sandbox.mode != "bubblewrap":
        (stream or sys.stderr).write(checker.sandbox.describe() + "\n")
    store = EpisodeStore(opts.episodes) if opts.episodes else None
    try:
        for entry in opts.entries:
            mine = [(m, t) for e, m, t in todo if e is entry]
            if not mine:
                continue
            with engine_for(entry, out) as live:
                for mode, task in mine:
                    label = f"{task.id} · {entry.label} · {mode}"
                    progress.start(label)
                    try:
                        result, episodes = _run_one(opts, live, mode, task, checker)
                    except Exception as exc:  # the bench's own failure: counted apart, tried again on a rerun
                        result, episodes = harness_failure(opts, live, mode, task, exc), []
                    append_result(results_path, result)
                    if store is not None:
                        store.add(episodes)
                    verdict = ("passed on try %d" % result.passed_on_try if result.passed else
                               f"failed ({result.failure})")
                    progress.finish(label, verdict)
                    write_outputs(opts, chart=False)
    finally:
        if store is not None:
            store.close()
    return write_outputs(opts, chart=True)


def _run_one(opts: BenchOptions, entry: ModelEntry, mode: str, task, checker: Checker) -> tuple[TaskResult, list]:
    group = f"bench:{safe_name(opts.out.name)}:{entry.label}:{mode}:{task.id}:{int(time.time())}"
    if mode == "single":
        llm_log = opts.out / "llm" / f"{safe_name(entry.label)}.jsonl"
        with LLMClient(entry.live["coder"], log_path=llm_log) as client:
            run = SingleRun(task, client, checker, entry.label, tries=opts.tries, suite=opts.suite.name, group=group)
            return run.run(), run.episodes
    workdir = opts.out / "team" / safe_name(entry.label) / safe_name(task.id)
    workdir.mkdir(parents=True, exist_ok=True)
    config = team_config(entry, coders=opts.coders, wall_seconds=opts.team_wall)
    if entry.live.get("engine_url"):
        config["default"] = entry.live["coder"].model_dump(exclude_none=True)
    team = TeamRun(task, config, checker, entry.label, workdir, tries=opts.tries, wall_seconds=opts.team_wall,
                   suite=opts.suite.name, group=group)
    return team.run(), team.episodes


def harness_failure(opts: BenchOptions, entry: ModelEntry, mode: str, task, exc: Exception) -> TaskResult:
    return TaskResult(task=task.id, model=entry.label, mode=mode, suite=opts.suite.name, category=task.category,
                      language=task.language, tries=[TryRecord(1, failure="infrastructure",
                                                               output=f"the bench itself failed: {type(exc).__name__}: {exc}")])


def write_outputs(opts: BenchOptions, *, chart: bool) -> list[dict[str, Any]]:
    results = latest_results(read_results(opts.out / "results.jsonl"))
    summary = summarise(results)
    (opts.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    drawn = (draw_chart(opts.out / "chart.png", summary, f"crewmux bench · {opts.suite.name}", task_points(results))
             if chart else (opts.out / "chart.png").is_file())
    report = render_report(opts.suite.name, summary, results, tries=opts.tries, machine=machine_line(),
                           chart="chart.png" if drawn else None)
    (opts.out / "report.md").write_text(report + "\n")
    return summary


def compare_dirs(a: Path, b: Path) -> str:
    summaries = []
    for d in (a, b):
        path = d / "summary.json"
        if not path.is_file():
            raise FileNotFoundError(f"{path} does not exist: give two directories written by `crewmux bench --out DIR`")
        summaries.append(json.loads(path.read_text()))
    return render_compare(str(a), summaries[0], str(b), summaries[1])
