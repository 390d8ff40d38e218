"""CLI subcommands for a run's team in tmux: ``ls``, ``attach``, ``stop``, ``resume``.

The runtime (pydantic models, libtmux) is imported when a command runs, so that
``crewmux --help`` and other packages' commands do not pay for it.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import sys
from pathlib import Path

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crewmux.protocol.rundir import RunDir


def _project(args: argparse.Namespace) -> Path:
    return Path(args.project).resolve()


def _fail(message: str) -> int:
    print(f"crewmux: {message}", file=sys.stderr)
    return 1


def cmd_ls(args: argparse.Namespace) -> int:
    from crewmux.protocol.rundir import list_runs
    from crewmux.protocol.rundir import FINAL_STATUSES
    from crewmux.runtime.team import runtime_for
    from crewmux.runtime.team_launch import SUPERVISOR_WINDOW
    from crewmux.runtime.tmux import TmuxError

    runs = list_runs(_project(args))
    if not runs and not args.json:
        print(f"no crewmux runs in {_project(args)}: start one with `crewmux run \"a brief\"`")
        return 0
    # One list-panes call per tmux socket for every run on it, never one per agent.
    panes_by_socket: dict[str, dict[tuple[str, str], bool]] = {}
    rows = []
    records = []
    for run in runs:
        try:
            info = run.info()
        except (OSError, ValueError) as exc:
            rows.append((run.run_id, "unreadable", "-", str(exc).splitlines()[0]))
            records.append({"run_id": run.run_id, "status": "unreadable", "error": str(exc).splitlines()[0], "path": str(run.path)})
            continue
        runtime = runtime_for(run, args.socket)
        if runtime.socket_name not in panes_by_socket:
            try:
                panes = runtime.tmux.list_panes()
            except TmuxError:
                panes = []
            panes_by_socket[runtime.socket_name] = {
                (p.session, p.agent or p.window): not p.dead for p in panes if p.agent or p.window == SUPERVISOR_WINDOW
            }
        alive = panes_by_socket[runtime.socket_name]
        agents = [a.name for a in info.agents if not a.removed]
        up = [name for name in agents if alive.get((runtime.session(run), name))]
        down = [name for name in agents if name not in up]
        team = f"{len(up)}/{len(agents)} alive" + (f" (down: {', '.join(down)})" if up and down else "")
        if up and info.status not in FINAL_STATUSES and not alive.get((runtime.session(run), SUPERVISOR_WINDOW)):
            team += f"; no supervisor: `crewmux resume {run.run_id}`"
        brief = info.brief if len(info.brief) <= 50 else info.brief[:47] + "..."
        rows.append((run.run_id, info.status, team, brief))
        records.append({"run_id": run.run_id, "status": info.status, "reason": info.reason, "brief": info.brief,
                        "branch": info.branch, "created_at": info.created_at.isoformat(),
                        "finished_at": info.finished_at.isoformat() if info.finished_at else None,
                        "agents": {name: name in up for name in agents}, "path": str(run.path)})
    if args.json:
        print(json.dumps(records, indent=2))
        return 0
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(row)))
    return 0


def _find(args: argparse.Namespace) -> RunDir:
    """The run named by RUN exactly (id, prefix or path), or the newest one."""
    from crewmux.protocol.rundir import find_run

    return find_run(_project(args), args.run)


def _resolve(args: argparse.Namespace) -> tuple[RunDir, str | None]:
    """RUN and AGENT from ``attach [RUN] [AGENT]``: a lone argument that names an agent
    of the newest run is the agent."""
    from crewmux.protocol.rundir import find_run

    project = _project(args)
    run_arg, agent = args.run, getattr(args, "agent", None)
    if run_arg is not None and agent is None:
        try:
            return find_run(project, run_arg), None
        except LookupError:
            newest = find_run(project, None)
            if any(a.name == run_arg for a in newest.info().agents):
                return newest, run_arg
            raise
    return find_run(project, run_arg), agent


def cmd_attach(args: argparse.Namespace) -> int:
    from crewmux.runtime.team import runtime_for

    run, agent = _resolve(args)
    argv = runtime_for(run, args.socket).attach_argv(run, agent)
    if "switch-client" not in argv and not sys.stdin.isatty():
        return _fail("`crewmux attach` needs a terminal (stdin is not one); run it in your terminal")
    sys.stdout.flush()
    os.execvp(argv[0], argv)
    return 0  # not reached


def cmd_stop(args: argparse.Namespace) -> int:
    from crewmux.protocol.rundir import FINAL_STATUSES
    from crewmux.runtime.team import runtime_for

    run = _find(args)
    before = run.info().status
    runtime = runtime_for(run, args.socket)
    runtime.stop(run, kill_session=True, timeout=args.timeout)
    if before in FINAL_STATUSES - {"stopped"}:
        print(f"run {run.run_id} had finished ({before}); its tmux session is closed. "
              f"`crewmux diff {run.run_id}` shows its work, `crewmux clean` removes its worktrees")
    else:
        print(f"run {run.run_id} stopped; `crewmux resume {run.run_id}` starts it again")
    return 0


def cmd_resume(args: argparse.Namespace) -> int:
    from crewmux.runtime.team import runtime_for

    run = _find(args)
    runtime = runtime_for(run, args.socket)
    if run.info().status == "stopped":
        run.retire_stops()  # the stop that ended it is not for the team that starts now
    runtime.resume(run)
    alive = runtime.agents_alive(run)
    print(f"run {run.run_id} resumed: {', '.join(alive)} on tmux socket {runtime.socket_name!r}, session {runtime.session(run)}")
    print(f"watch it with `crewmux attach {run.run_id}`")
    return 0


def cmd_logs(args: argparse.Namespace) -> int:
    from crewmux.protocol.rundir import COORDINATOR, FINAL_STATUSES

    run, agent = _resolve(args)
    names = [a.name for a in run.info().agents]
    if agent is None:
        present = [n for n in [*names, "supervisor"] if run.log(n).is_file()]
        if not present:
            return _fail(f"run {run.run_id} has no logs yet (in {run.logs_dir})")
        print(f"logs of run {run.run_id} ({run.logs_dir}): {', '.join(present)}")
        print(f"one agent's: crewmux logs {run.run_id} AGENT   (-f follows it)")
        agent = COORDINATOR if COORDINATOR in present else present[0]
        print(f"--- {agent} ---")
    path = run.log(agent)
    if not path.is_file():
        if agent not in names and agent != "supervisor":
            return _fail(f"run {run.run_id} has no agent {agent!r}; its agents: {', '.join(names)}")
        return _fail(f"{agent} has written no log yet ({path})")
    with open(path, "rb") as handle:
        sys.stdout.write(handle.read().decode(errors="replace"))
        sys.stdout.flush()
        if not args.follow:
            return 0
        # Follow until the run is over (or Ctrl-C), as `tail -f` would.
        while True:
            chunk = handle.read()
            if chunk:
                sys.stdout.write(chunk.decode(errors="replace"))
                sys.stdout.flush()
                continue
            try:
                if run.info().status in FINAL_STATUSES:
                    return 0
            except (OSError, ValueError):
                pass
            time.sleep(0.5)


def cmd_diff(args: argparse.Namespace) -> int:
    from crewmux.workspace import git

    run = _find(args)
    info = run.info()
    project = Path(info.project_dir)
    if git.git(project, "rev-parse", "--verify", "-q", f"refs/heads/{info.branch}", check=False).returncode != 0:
        return _fail(f"run {run.run_id} has no branch {info.branch} (yet): nothing was merged")
    base = args.base or "HEAD"
    # Three dots: from where the run branch left `base`, so later commits on it do not show.
    argv = ["diff", "--stat" if args.stat else "--patch", f"{base}...{info.branch}"]
    if sys.stdout.isatty() and not args.stat:
        os.execvp("git", ["git", "-C", str(project), *argv])
    done = git.git(project, *argv, check=False)
    if done.returncode != 0:
        return _fail(done.stderr.strip() or f"git {' '.join(argv)} failed")
    sys.stdout.write(done.stdout or f"run {run.run_id}: no changes on {info.branch} against {base}\n")
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    """Worktrees and per-attempt branches of finished runs; each run's own branch stays."""
    from crewmux.protocol.rundir import list_runs
    from crewmux.workspace import git
    from crewmux.protocol.rundir import FINAL_STATUSES
    from crewmux.runtime.team import runtime_for

    project = _project(args)
    runs = [_find(args)] if args.run else list_runs(project)
    if not runs:
        print(f"no crewmux runs in {project}")
        return 0
    branches = git.git(project, "for-each-ref", "--format=%(refname:short)", "refs/heads/crewmux/", check=False).stdout.split()
    cleaned = 0
    for run in runs:
        info = run.info()
        if info.status not in FINAL_STATUSES or runtime_for(run, args.socket).session_exists(run):
            print(f"skipped {run.run_id}: {info.status}" + ("" if info.status in FINAL_STATUSES else
                  f" (`crewmux stop {run.run_id}` first)") + ("; its tmux session is open" if info.status in FINAL_STATUSES else ""))
            continue
        trees = sorted(p for p in (run.path / "worktrees").glob("*") if p.is_dir())
        extra = [b for b in branches if b.startswith(f"{info.branch}-")]
        if args.dry_run:
            print(f"{run.run_id}: would remove {len(trees)} worktree(s) and {len(extra)} branch(es); keeps {info.branch}")
            continue
        for tree in trees:
            git.git(project, "worktree", "remove", "--force", str(tree), check=False)
        git.git(project, "worktree", "prune", check=False)
        for branch in extra:
            git.git(project, "branch", "-D", "-q", branch, check=False)
        cleaned += 1
        print(f"{run.run_id}: removed {len(trees)} worktree(s) and {len(extra)} branch(es); kept {info.branch} and the run directory")
    if not args.dry_run:
        print(f"cleaned {cleaned} run(s)")
    return 0


def _guarded(func):
    def run(args: argparse.Namespace) -> int:
        from crewmux.runtime.team import TeamError
        from crewmux.runtime.team_launch import LaunchError
        from crewmux.runtime.tmux import TmuxError

        try:
            return func(args)
        except (LookupError, TeamError, TmuxError, LaunchError, ValueError) as exc:
            return _fail(str(exc))

    return run


def register(sub: argparse._SubParsersAction) -> None:
    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("-C", "--project", default=".", help="the project directory (default: here)")
        p.add_argument("--socket", default=None, help="crewmux's tmux socket name (default: the run's, else 'crewmux')")

    p = sub.add_parser("ls", help="list the runs with their status and which agents are alive")
    p.add_argument("--json", action="store_true", help="one JSON list of the runs (id, status, brief, branch, agents alive)")
    common(p)
    p.set_defaults(func=_guarded(cmd_ls))

    p = sub.add_parser("logs", help="print an agent's log (-f follows it)",
                       description="Print one agent's log of a run (without AGENT: the list and the coordinator's); "
                                   "-f follows it until the run ends.")
    p.add_argument("run", nargs="?", help="run id or unique prefix (default: the newest run); an agent name alone is that agent's")
    p.add_argument("agent", nargs="?", help="agent name, e.g. coder-1 or supervisor (default: the coordinator)")
    p.add_argument("-f", "--follow", action="store_true", help="keep printing what it writes until the run ends")
    common(p)
    p.set_defaults(func=_guarded(cmd_logs))

    p = sub.add_parser("diff", help="the changes a run made, against the commit it started from",
                       description="git diff of the run's branch (crewmux/RUN) from where it left your branch.")
    p.add_argument("run", nargs="?", help="run id or unique prefix (default: the newest run)")
    p.add_argument("--stat", action="store_true", help="only the changed files and line counts")
    p.add_argument("--base", help="compare against this ref instead of HEAD")
    common(p)
    p.set_defaults(func=_guarded(cmd_diff))

    p = sub.add_parser("clean", help="remove finished runs' worktrees and per-attempt branches",
                       description="For each finished run whose tmux session is closed: remove its git worktrees and its "
                                   "per-attempt branches (crewmux/RUN-t1-a1...). The run's own branch (crewmux/RUN) and "
                                   "its run directory (logs, report) stay.")
    p.add_argument("run", nargs="?", help="only this run (default: every finished run)")
    p.add_argument("--dry-run", action="store_true", help="say what would be removed, remove nothing")
    common(p)
    p.set_defaults(func=_guarded(cmd_clean))

    p = sub.add_parser("attach", help="show a run's team in tmux, with one agent's pane selected and zoomed")
    p.add_argument("run", nargs="?", help="run id or unique prefix (default: the newest run)")
    p.add_argument("agent", nargs="?", help="agent name, e.g. coder-1 (default: the whole team)")
    common(p)
    p.set_defaults(func=_guarded(cmd_attach))

    p = sub.add_parser("stop", help="stop a run's agents and close its tmux session")
    p.add_argument("run", nargs="?", help="run id or unique prefix (default: the newest run)")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the agents to stop")
    common(p)
    p.set_defaults(func=_guarded(cmd_stop))

    p = sub.add_parser("resume", help="bring a run's team back after a killed tmux server, a reboot or a stop")
    p.add_argument("run", nargs="?", help="run id or unique prefix (default: the newest run)")
    common(p)
    p.set_defaults(func=_guarded(cmd_resume))

