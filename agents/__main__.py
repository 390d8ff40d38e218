"""``python -m crewmux.agents ROLE --run RUN_DIR --name NAME``: one agent process.

ROLE is one of the built-in roles, or ``package.module:Class`` for an agent class of
your own (a subclass of :class:`crewmux.agents.loop.Agent`).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from crewmux.protocol.rundir import RunDir

ROLES = {
    "coordinator": "crewmux.agents.coordinator:Coordinator",
    "cto": "crewmux.agents.cto:CTO",
    "coder": "crewmux.agents.coder:Coder",
    "qa": "crewmux.agents.qa:QA",
}


def load_role(role: str):
    target = ROLES.get(role, role)
    if ":" not in target:
        raise SystemExit(f"unknown role {role!r}: use one of {', '.join(ROLES)} or package.module:Class")
    module_name, class_name = target.split(":", 1)
    module = importlib.import_module(module_name)
    return getattr(module, class_name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crewmux.agents", description=__doc__.splitlines()[0])
    parser.add_argument("role")
    parser.add_argument("--run", required=True, type=Path, help="the run directory")
    parser.add_argument("--name", required=True, help="this agent's name (its mailbox)")
    args = parser.parse_args(argv)
    run = RunDir(args.run)
    if not run.run_json.is_file():
        print(f"{args.run} is not a crewmux run directory (no run.json)", file=sys.stderr)
        return 2
    agent_class = load_role(args.role)
    return agent_class(run, args.name).run_forever()


if __name__ == "__main__":
    raise SystemExit(main())
