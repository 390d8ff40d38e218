"""CLI subcommands for a run's team in tmux: ``ls``, ``attach``, ``stop``, ``resume``.

The runtime (pydantic models, libtmux) is imported when a command runs, so that
``crewmux --help`` and other packages' commands do not pay for it.
"""

from __future__ import annotations

import argparse
import os
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
    from crewmux.workspace.runtime import FINAL_STATUSES, runtime_for
    from crewmux.workspace.team_launch import SUPERVISOR_WINDOW
    from crewmux.workspace.tmux import TmuxError

    runs = list_runs(_project(args))
    if not runs:
        print(f"no crewmux runs in {_project(args)}: start one with `crewmux run \"a brief\"`")
        return 0
    # One list-panes call per tmux socket for every run on it, never one per agent.
    panes_by_socket: dict[str, dict[tuple[str, str], bool]] = {}
    rows = []
    for run in runs:
        try:
            info = run.info()
        except (OSError, ValueError) as exc:
            rows.append((run.run_id, "unreadable", "-", str(exc).splitlines()[0]))
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
    from crewmux.workspace.runtime import runtime_for

    run, agent = _resolve(args)
    argv = runtime_for(run, args.socket).attach_argv(run, agent)
    if "switch-client" not in argv and not sys.stdin.isatty():
        return _fail("`crewmux attach` needs a terminal (stdin is not one); run it in your terminal")
    sys.stdout.flush()
    os.execvp(argv[0], argv)
    return 0  # not reached


def cmd_stop(args: argparse.Namespace) -> int:
    from crewmux.workspace.runtime import runtime_for

    run = _find(args)
    runtime = runtime_for(run, args.socket)
    runtime.stop(run, kill_session=True, timeout=args.timeout)
    print(f"run {run.run_id} stopped; `crewmux resume {run.run_id}` starts it again")
    return 0


def cmd_resume(args: argparse.Namespace) -> int:
    from crewmux.workspace.runtime import runtime_for

    run = _find(args)
    runtime = runtime_for(run, args.socket)
    if run.info().status == "stopped":
        run.retire_stops()  # the stop that ended it is not for the team that starts now
    runtime.resume(run)
    alive = runtime.agents_alive(run)
    print(f"run {run.run_id} resumed: {', '.join(alive)} on tmux socket {runtime.socket_name!r}, session {runtime.session(run)}")
    print(f"watch it with `crewmux attach {run.run_id}`")
    return 0


def _guarded(func):
    def run(args: argparse.Namespace) -> int:
        from crewmux.workspace.runtime import TeamError
        from crewmux.workspace.team_launch import LaunchError
        from crewmux.workspace.tmux import TmuxError

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
    common(p)
    p.set_defaults(func=_guarded(cmd_ls))

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

