"""CLI subcommands of the workspace package."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


# --- doctor (sandbox helper) ---------------------------------------------------------------

def cmd_doctor(args: argparse.Namespace) -> int:
    from crewmux.config import CONFIG_FILE, ConfigError, load_config, user_config_path
    from crewmux.workspace.doctor import DoctorCheck, config_check, exit_code, format_table
    from crewmux.workspace.doctor_probe import run_doctor

    from crewmux.workspace.writable import project_problem

    config, problems = None, []
    try:
        config = load_config(args.project, args.config)
        project_file, user_file = args.config or Path(args.project) / CONFIG_FILE, user_config_path(os.environ)
        problems.append(config_check(project_file, project_file.is_file(), user_file, bool(user_file and user_file.is_file())))
    except ConfigError as exc:
        # `crewmux run` refuses this config: doctor must not call the machine ready.
        problems.append(DoctorCheck("config", "missing", str(exc), "fix crewmux.toml, then run crewmux doctor again", essential=True))
    problem = project_problem(Path(args.project).resolve())
    if problem:
        problems.append(DoctorCheck("project", "missing", problem, "make the project directory writable", essential=True))
    checks = problems + run_doctor(config, llm=not args.no_llm)
    print(format_table(checks))
    sys.stdout.flush()
    return exit_code(checks)


def register_doctor(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "doctor",
        help="check tmux, git, the sandbox, the toolchains and the LLM servers",
        description="Each component is 'ready' or 'MISSING' with the command that installs it. "
                    "Exit code 0 when the essentials (tmux, git, python3) are ready.",
    )
    p.add_argument("-C", "--project", type=Path, default=Path("."), help="the project directory, with its crewmux.toml (default: here)")
    p.add_argument("--config", type=Path, help="a crewmux.toml elsewhere")
    p.add_argument("--no-llm", action="store_true", help="skip the LLM server checks")
    p.set_defaults(func=cmd_doctor)

# --- end doctor ----------------------------------------------------------------------------


def register(sub: argparse._SubParsersAction) -> None:
    register_doctor(sub)
