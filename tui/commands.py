"""``crewmux dashboard [RUN]``: open the dashboard on a running or finished run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crewmux.protocol.rundir import find_run


def cmd_dashboard(args: argparse.Namespace) -> int:
    try:
        run = find_run(args.project, args.run)
    except LookupError as exc:
        print(f"crewmux dashboard: {exc}", file=sys.stderr)
        return 2
    if not sys.stdout.isatty():
        print("crewmux dashboard: needs a terminal (stdout is not a tty)", file=sys.stderr)
        return 2
    from crewmux.tui.app import DashboardApp

    DashboardApp(run).run()
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dashboard", help="watch and steer a run (the newest one unless RUN is given)")
    p.add_argument("run", nargs="?", help="run id, unique id prefix, or run directory")
    p.add_argument("--project", type=Path, default=Path.cwd(), help="project directory holding .crewmux/ (default: here)")
    p.set_defaults(func=cmd_dashboard)
