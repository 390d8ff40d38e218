"""``crewmux dashboard [RUN]``: open the dashboard on a running or finished run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crewmux.protocol.rundir import RunDir, find_run, newest_unfinished_or_newest


def open_dashboard(run: RunDir) -> int:
    """Show the dashboard until the user quits (the team keeps running). For
    ``crewmux dashboard`` and for ``crewmux run`` once its team is started."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print(f"crewmux dashboard: needs a terminal; `crewmux dashboard {run.run_id}` from one shows run {run.run_id}", file=sys.stderr)
        return 2
    from crewmux.tui.app import DashboardApp

    DashboardApp(run).run()
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    try:
        run = find_run(args.project, args.run) if args.run else newest_unfinished_or_newest(args.project)
    except LookupError as exc:
        print(f"crewmux dashboard: {exc}", file=sys.stderr)
        return 2
    return open_dashboard(run)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dashboard", help="watch and steer a run (the newest one unless RUN is given)")
    p.add_argument("run", nargs="?", help="run id, unique id prefix, or run directory")
    p.add_argument("-C", "--project", type=Path, default=Path.cwd(), help="the project directory (default: here)")
    p.set_defaults(func=cmd_dashboard)
