"""Dashboard load benchmark: 16 agents each writing 50 events/s (and streaming tokens to
their logs) while the dashboard runs headless in this process.

Prints, as the median of several runs:
  - the dashboard process's CPU under load (goal <= 25% of one core),
  - event-to-screen latency p50/p95 (goal p95 <= 100 ms): from the event's ``ts`` (set
    by the writer when it writes) to the end of the first screen refresh after the UI
    thread applied it to the widgets (``App.call_after_refresh``),
  - idle CPU once the writers stop (goal <= 2%),
  - the CPU of a bare reader in the same conditions (inotify + EventFollower, no UI), the
    baseline the dashboard's cost is compared with.

The writers are a separate process (``--writer``) using the real ``EventLog`` and
``Console``, so their CPU is not counted as the dashboard's.

    PYTHONPATH=/work/wt/<you> python bench/tui.py [--runs 3] [--agents 16] [--rate 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from crewmux.protocol.events import EventFollower, EventLog
from crewmux.protocol.rundir import AgentSpec, RunDir
from crewmux.protocol.wakeup import Wakeup

STATUSES = ("thinking", "writing", "validating", "waiting", "idle")


# -- the writer process ----------------------------------------------------------------
def write_agent(run: RunDir, name: str, rate: float, seconds: float) -> None:
    from crewmux.agents.console import Console

    events = EventLog(run.events(name), name)
    with open(os.devnull, "w") as sink:
        console = Console(run.log(name), out=sink)
        period = 1.0 / rate
        start = time.monotonic()
        n = 0
        while True:
            due = start + n * period
            now = time.monotonic()
            if now - start >= seconds:
                break
            if due > now:
                time.sleep(due - now)
            # A mix like a busy agent's, with far more messages than a real team sends.
            kind = n % 10
            if kind == 0:
                events.emit("status", status=STATUSES[(n // 10) % len(STATUSES)], task_id=f"t{n // 50}", attempt=1)
            elif kind == 5 and n % 20 == 5:
                events.emit("message", task_id=f"t{n // 50}", data={"id": str(n), "type": "progress_update", "recipient": "coordinator", "summary": "working"})
            elif kind == 9:
                events.emit("llm", task_id=f"t{n // 50}", attempt=1, tokens=120, tps=42.0, data={"model": "qwen2.5-coder:7b"})
            else:
                events.emit("heartbeat", status="writing", task_id=f"t{n // 50}", attempt=1, tps=40.0 + kind)
            console.stream(f"tok{n}" + ("\n" if n % 12 == 11 else " "))  # code has lines
            n += 1
        events.close()
        console.close()


def writer_main(run_path: Path, agents: int, rate: float, seconds: float) -> None:
    run = RunDir(run_path)
    threads = [threading.Thread(target=write_agent, args=(run, f"coder-{i + 1}", rate, seconds)) for i in range(agents)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def start_writers(run: RunDir, agents: int, rate: float, seconds: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, __file__, "--writer", str(run.path), "--agents", str(agents), "--rate", str(rate), "--seconds", str(seconds)])


# -- measuring ---------------------------------------------------------------------------
def new_run(root: Path, agents: int) -> RunDir:
    specs = [AgentSpec(name=f"coder-{i + 1}", role="coder") for i in range(agents)]
    return RunDir.create(root, "benchmark: 16 busy agents", specs)


async def cpu_over(seconds: float) -> float:
    """This process's CPU (all threads) over ``seconds`` of wall time, in % of one core."""
    cpu0, wall0 = time.process_time(), time.monotonic()
    await asyncio.sleep(seconds)
    return 100.0 * (time.process_time() - cpu0) / (time.monotonic() - wall0)


async def dashboard_once(root: Path, args: argparse.Namespace) -> dict[str, float]:
    from crewmux.tui.app import DashboardApp

    run = new_run(root, args.agents)
    app = DashboardApp(run, min_gap=args.min_gap)
    async with app.run_test(size=(160, 50)) as pilot:
        while app.main.query_one("#agents").row_count < args.agents:
            await pilot.pause(0.05)
        await asyncio.sleep(1.0)
        writers = start_writers(run, args.agents, args.rate, args.warmup + args.window + 0.5)
        await asyncio.sleep(args.warmup)
        app.lag.clear()
        load_cpu = await cpu_over(args.window)
        lags = sorted(app.lag)
        writers.wait()
        await asyncio.sleep(2.0)  # let the last batches land
        idle_cpu = await cpu_over(args.idle)
        shown = app.view.agents["coder-1"].tokens
    if not lags:
        raise SystemExit("the dashboard applied no events during the window: something is broken")
    return {
        "load_cpu": load_cpu,
        "idle_cpu": idle_cpu,
        "lag_p50_ms": 1000 * lags[len(lags) // 2],
        "lag_p95_ms": 1000 * lags[int(len(lags) * 0.95)],
        "events_per_s": len(lags) / args.window,
        "tokens_shown": shown,
    }


async def reader_once(root: Path, args: argparse.Namespace) -> float:
    """The baseline: follow the same logs with inotify + EventFollower, no UI at all."""
    run = new_run(root, args.agents)
    stop = threading.Event()
    count = [0]

    def follow() -> None:
        followers: dict[str, EventFollower] = {}
        with Wakeup([run.events_dir, run.logs_dir], interval=2.0) as wakeup:
            while not stop.is_set():
                for entry in os.scandir(run.events_dir):
                    follower = followers.setdefault(entry.name, EventFollower(Path(entry.path)))
                    count[0] += len(follower.read_new())
                time.sleep(0.05)  # the same coalescing gap as the dashboard's watcher
                wakeup.wait()

    thread = threading.Thread(target=follow, daemon=True)
    thread.start()
    writers = start_writers(run, args.agents, args.rate, args.warmup + args.window + 0.5)
    await asyncio.sleep(args.warmup)
    cpu = await cpu_over(args.window)
    writers.wait()
    stop.set()
    thread.join(5)
    return cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--agents", type=int, default=16)
    parser.add_argument("--rate", type=float, default=50.0, help="events per second per agent")
    parser.add_argument("--warmup", type=float, default=1.5)
    parser.add_argument("--window", type=float, default=5.0, help="seconds measured under load")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds measured idle")
    parser.add_argument("--min-gap", type=float, default=0.05, help="the watcher's coalescing gap (seconds)")
    parser.add_argument("--writer", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.writer:
        writer_main(args.writer, args.agents, args.rate, args.seconds)
        return 0

    results: list[dict[str, float]] = []
    baselines: list[float] = []
    with tempfile.TemporaryDirectory(prefix="crewmux-bench-tui-") as tmp:
        for n in range(args.runs):
            result = asyncio.run(dashboard_once(Path(tmp) / f"dash-{n}", args))
            baseline = asyncio.run(reader_once(Path(tmp) / f"read-{n}", args))
            results.append(result)
            baselines.append(baseline)
            print(
                f"run {n + 1}: load CPU {result['load_cpu']:.1f}%  idle CPU {result['idle_cpu']:.2f}%  "
                f"lag p50 {result['lag_p50_ms']:.1f} ms p95 {result['lag_p95_ms']:.1f} ms  "
                f"{result['events_per_s']:.0f} events/s applied  reader-only CPU {baseline:.1f}%",
                flush=True,
            )

    def median(key: str) -> float:
        return statistics.median(r[key] for r in results)

    base = statistics.median(baselines)
    load = median("load_cpu")
    print()
    print(f"{args.agents} agents x {args.rate:.0f} events/s, median of {args.runs} runs:")
    print(f"  dashboard CPU under load : {load:6.1f} % of one core   (goal <= 25)")
    print(f"  event-to-screen p95      : {median('lag_p95_ms'):6.1f} ms            (goal <= 100)   p50 {median('lag_p50_ms'):.1f} ms")
    print(f"  dashboard CPU idle       : {median('idle_cpu'):6.2f} % of one core   (goal <= 2)")
    print(f"  baseline reader-only CPU : {base:6.1f} %  -> dashboard / baseline = {load / base if base else float('nan'):.1f}x")
    print(f"  events applied per second: {median('events_per_s'):6.0f}   (written: {args.agents * args.rate:.0f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
