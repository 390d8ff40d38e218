"""How fast a 7-agent team comes up in tmux, and what an idle team costs.

    PYTHONPATH=<tree> python bench/spawn.py [--runs 5] [--idle-seconds 30]

Prints:
  - the import baseline: bare ``python -c pass`` vs ``python -c "import crewmux.agents.loop"``
    (agent start-up is mostly Python imports), median of --runs;
  - spawn: time from TeamRuntime.start on a fresh run to every agent of the team
    (coordinator, cto, coder-1..4, qa) having written a heartbeat, median of --runs
    (goal <= 1.5 s);
  - idle CPU: CPU seconds used by the agent processes (and the supervisor, and the tmux
    server) over --idle-seconds, from /proc/<pid>/stat of the pane pids.

The agents are the idle stand-in class from tests/tmux_support (the real roles would
import their LLM clients too; pass --real-roles once they exist). Everything runs on a
private tmux socket in a temporary TMUX_TMPDIR and is killed at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
TREE = HERE.parent  # the crewmux package directory
SUPPORT = TREE / "tests" / "tmux_support"
TEAM = [("coordinator", "coordinator"), ("cto", "cto"), *[(f"coder-{i}", "coder") for i in range(1, 5)], ("qa", "qa")]
IDLE = "tmux_test_agents:IdleAgent"


def python_time(code: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    return time.perf_counter() - start


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as handle:
        stat = handle.read()
    fields = stat[stat.rindex(")") + 2 :].split()  # the comm field may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def first_heartbeats(run, names: list[str], timeout: float) -> dict[str, float]:
    """Wall-clock time of each agent's first heartbeat event (woken by file changes)."""
    from crewmux.protocol.events import EventFollower
    from crewmux.protocol.wakeup import Wakeup

    followers = {name: EventFollower(run.events(name)) for name in names}
    seen: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    with Wakeup([run.events_dir], interval=0.05) as wakeup:
        while len(seen) < len(names):
            if time.monotonic() > deadline:
                raise SystemExit(f"agents without a heartbeat after {timeout} s: {sorted(set(names) - set(seen))}")
            for name, follower in followers.items():
                if name in seen:
                    continue
                for event in follower.read_new():
                    if event.kind == "heartbeat":
                        seen[name] = event.ts
                        break
            if len(seen) < len(names):
                wakeup.wait()
    return seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="spawns (and import timings) to take the median of")
    parser.add_argument("--idle-seconds", type=float, default=30.0, help="how long to measure an idle team's CPU")
    parser.add_argument("--real-roles", action="store_true", help="start the built-in roles instead of the idle stand-in")
    parser.add_argument(
        "--no-bytecode-cache", action="store_true",
        help="keep PYTHONDONTWRITEBYTECODE as it is (by default agents may cache bytecode in a private"
        " PYTHONPYCACHEPREFIX, as an installed package has its .pyc files)",
    )  # fmt: skip
    args = parser.parse_args()

    tmpdir = Path(tempfile.mkdtemp(prefix="crewmux-bench-"))
    os.environ["TMUX_TMPDIR"] = str(tmpdir)  # never the user's tmux servers
    os.environ.pop("TMUX", None)
    os.environ.pop("TMUX_PANE", None)
    paths = [str(TREE.parent), str(SUPPORT), *filter(None, [os.environ.get("PYTHONPATH")])]
    os.environ["PYTHONPATH"] = os.pathsep.join(paths)
    sys.path[:0] = [str(TREE.parent)]
    if not args.no_bytecode_cache:
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = str(tmpdir / "pycache")
        warm = "crewmux.agents.loop, crewmux.runtime.supervisor"
        if args.real_roles:
            warm += ", crewmux.agents.coordinator, crewmux.agents.cto, crewmux.agents.coder, crewmux.agents.qa"
        subprocess.run([sys.executable, "-c", f"import {warm}"], check=True)

    from crewmux.protocol.rundir import AgentSpec, RunDir
    from crewmux.runtime.team import TeamRuntime
    from crewmux.runtime.tmux import Tmux

    env = dict(os.environ)
    bare = [python_time("pass", env) for _ in range(args.runs)]
    loop = [python_time("import crewmux.agents.loop", env) for _ in range(args.runs)]
    print(f"bytecode cache: {'off (PYTHONDONTWRITEBYTECODE kept)' if args.no_bytecode_cache else 'on'}; load average {os.getloadavg()[0]:.2f}")
    print(f"python start-up, median of {args.runs}: bare {statistics.median(bare) * 1000:.0f} ms, "
          f"with `import crewmux.agents.loop` {statistics.median(loop) * 1000:.0f} ms "
          f"(ratio {statistics.median(loop) / statistics.median(bare):.1f}x)")

    roles = {} if args.real_roles else {role: IDLE for role in ("coordinator", "cto", "coder", "qa")}
    specs = [AgentSpec(name=name, role=role) for name, role in TEAM]
    names = [s.name for s in specs]
    socket = f"crewmux-bench-{uuid.uuid4().hex[:8]}"
    tmux = Tmux(socket)
    spawn_times, start_calls = [], []
    try:
        for i in range(args.runs):
            project = tmpdir / f"project-{i}"
            project.mkdir()
            run = RunDir.create(project, "bench spawn", specs)
            runtime = TeamRuntime(socket, role_targets=roles)
            t0 = time.time()
            runtime.start(run)
            start_calls.append(time.time() - t0)
            beats = first_heartbeats(run, names, timeout=30.0)
            spawn_times.append(max(beats.values()) - t0)
            if i < args.runs - 1:
                runtime.stop(run)
        print(f"spawn of a {len(names)}-agent team to every agent heartbeating, median of {args.runs}: "
              f"{statistics.median(spawn_times):.2f} s (runs: {', '.join(f'{t:.2f}' for t in spawn_times)}; goal <= 1.5 s); "
              f"TeamRuntime.start itself: {statistics.median(start_calls) * 1000:.0f} ms")

        if args.real_roles:
            print("idle CPU: not measured with --real-roles (the real coordinator starts planning at once: not idle)")
            runtime.stop(run)
            return 0
        panes = runtime.panes(run)
        agent_pids = [panes.agents[name].pid for name in names]
        supervisor_pid = panes.supervisor.pid if panes.supervisor else None
        server_pid = int(tmux.display(f"={runtime.session(run)}:", "#{pid}"))
        time.sleep(2.0)  # let start-up finish before measuring idle
        before = [cpu_seconds(pid) for pid in agent_pids]
        sup_before = cpu_seconds(supervisor_pid) if supervisor_pid else 0.0
        srv_before = cpu_seconds(server_pid)
        time.sleep(args.idle_seconds)
        print(f"load average {os.getloadavg()[0]:.2f}")
        agents_cpu = sum(cpu_seconds(pid) for pid in agent_pids) - sum(before)
        sup_cpu = (cpu_seconds(supervisor_pid) - sup_before) if supervisor_pid else 0.0
        srv_cpu = cpu_seconds(server_pid) - srv_before
        print(f"idle team over {args.idle_seconds:g} s: agents {agents_cpu:.2f} CPU s "
              f"({agents_cpu / args.idle_seconds * 100:.2f}% of one core for {len(names)} agents), "
              f"supervisor {sup_cpu:.2f} CPU s, tmux server {srv_cpu:.2f} CPU s")
        runtime.stop(run)
    finally:
        tmux.kill_server()
        shutil.rmtree(tmpdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
