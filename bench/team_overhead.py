"""How much time the team's coordination adds on top of the models' own time.

1. A 20-task plan against a fake model that answers at once: the coordinator's own
   time per task (handling messages, state writes, git merges; the tests it runs after
   each merge are shown apart). Goal: <= 50 ms per task.
2. 8 independent tasks, 4 coders, a fake model with a fixed 1 s latency: wall time from
   the accepted plan to the verdict, over the ideal (rounds x the latency of one request,
   measured against the same server in the same run). Goal: <= 1.15.

Each figure is the median of several runs. Real processes, git, sandboxed validators;
only the model is the scripted server. Run: ``PYTHONPATH=.. python bench/team_overhead.py``.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crewmux.agents.llm.client import LLMClient
from crewmux.agents.llm.fake_server import FakeLLMServer
from crewmux.agents.llm.types import ChatMessage, ChatRequest, RequestMeta
from crewmux.config import ModelConfig
from crewmux.protocol.events import read_events
from crewmux.protocol.rundir import list_runs

import timeline  # beside this script


def script(tasks: int, latency: float, chain: bool) -> dict:
    plan = {
        "summary": f"{tasks} small modules",
        "tasks": [
            {"id": f"t{i}", "title": f"module {i}", "files": [f"m{i}.py"], "language": "python",
             "depends_on": [f"t{i - 1}"] if chain and i > 1 and i % 4 == 1 else []}
            for i in range(1, tasks + 1)
        ],
    }
    rules = [{"role": "cto", "structured": True, "reply": plan}]
    rules += [
        {"role": "coder", "task": f"t{i}", "reply": f"m{i}.py\n```python\ndef f{i}(x: int) -> int:\n    return x + {i}\n```\n"}
        for i in range(1, tasks + 1)
    ]
    return {"tps": 0, "ttft": latency, "rules": rules}


def git_project(root: Path) -> Path:
    project = root / "project"
    project.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=project, check=True)
    (project / "README.md").write_text("# bench\n")
    subprocess.run(["git", "add", "-A"], cwd=project, check=True)
    subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "-m", "init"], cwd=project, check=True)
    return project


def run_team(url: str, coders: int, qa: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="crewmux-bench-") as tmp:
        project = git_project(Path(tmp))
        (project / "crewmux.toml").write_text(
            f'coders = {coders}\n[default]\nprovider = "ollama"\nmodel = "fake-coder:7b"\nbase_urls = ["{url}"]\n'
        )
        started = time.time()
        proc = subprocess.run(
            [sys.executable, "-m", "crewmux", "run", "--headless", "--qa", str(qa), "--project", str(project), "bench"],
            capture_output=True, text=True, timeout=600,
        )
        total = time.time() - started
        run = list_runs(project)[-1]
        if proc.returncode != 0:
            raise SystemExit(f"the bench run failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
        report = json.loads(run.report_json.read_text())
        events = read_events(run.events("coordinator"))
        planned = next(e.ts for e in events if e.kind == "run" and e.text == "planned")
        finished = next(e.ts for e in events if e.kind == "run" and e.text == "finished")
        everyone = [e for path in sorted(run.events_dir.glob("*.jsonl")) for e in read_events(path)]
        return {"report": report, "build_seconds": finished - planned, "total_seconds": total, "events": everyone}


def one_request_latency(url: str) -> float:
    client = LLMClient(ModelConfig(provider="ollama", model="fake-coder:7b", base_urls=[url]))
    request = ChatRequest([ChatMessage("user", "x")], meta=RequestMeta(role="coder", task="t1", attempt=1))
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        client.chat(request)
        times.append(time.perf_counter() - t0)
    client.close()
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--qa", type=int, default=2, help="QA agents in the parallel case")
    parser.add_argument("--part", type=int, choices=(1, 2), help="run only this part")
    args = parser.parse_args()
    if args.part != 2:
        coordination(args.runs)
    if args.part != 1:
        parallel(args.runs, args.qa)
    return 0


def coordination(runs: int) -> None:
    print("1) 20-task plan, instant model, 4 coders")
    per_task, merges, wall = [], [], []
    with FakeLLMServer(script(20, 0.0, chain=True)) as fake:
        for n in range(runs):
            result = run_team(fake.url, coders=4, qa=1)
            timing = result["report"]["coordinator"]
            own = timing["handle"] - timing.get("suite", 0.0)
            per_task.append(own / 20 * 1000)
            merges.append(timing.get("suite", 0.0) / 20 * 1000)
            wall.append(result["build_seconds"] / 20 * 1000)
            print(f"   run {n + 1}: coordination {per_task[-1]:.1f} ms/task (git {timing.get('git', 0) / 20 * 1000:.1f}, "
                  f"state writes {timing.get('state', 0) / 20 * 1000:.1f}); tests after merges {merges[-1]:.1f} ms/task; "
                  f"wall {wall[-1]:.0f} ms/task")
    print(f"   median coordination time per task: {statistics.median(per_task):.1f} ms (goal <= 50 ms)")
    print(f"   median wall time per task (QA checks included): {statistics.median(wall):.0f} ms")


def parallel(runs: int, qa: int) -> None:
    print(f"2) 8 independent tasks, 4 coders, {qa} QA, model latency 1 s")
    ratios = []
    with FakeLLMServer(script(8, 1.0, chain=False)) as fake:
        latency = one_request_latency(fake.url)
        ideal = math.ceil(8 / 4) * latency
        for n in range(runs):
            result = run_team(fake.url, coders=4, qa=qa)
            ratios.append(result["build_seconds"] / ideal)
            print(f"   run {n + 1}: build {result['build_seconds']:.2f} s, ideal {ideal:.2f} s "
                  f"(2 rounds x {latency:.3f} s per request), ratio {ratios[-1]:.2f}; whole command {result['total_seconds']:.1f} s")
            spans = timeline.medians(timeline.task_spans(result["events"]))
            final = timeline.final_checks(result["events"])
            print("      median per task: " + ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in spans.items())
                  + (f"; final checks {final * 1000:.0f} ms" if final is not None else ""))
    print(f"   median wall time over the ideal: {statistics.median(ratios):.2f} (goal <= 1.15)")


if __name__ == "__main__":
    raise SystemExit(main())
