"""The ``crewmux`` command. Each package registers its own subcommands."""

from __future__ import annotations

import argparse
import sys

from crewmux import __version__, completion
from crewmux import run_command
from crewmux.agents.llm import commands as llm_commands
from crewmux.benchmark import commands as benchmark_commands
from crewmux.engine import commands as engine_commands
from crewmux.engine import serve_command as engine_serve_command
from crewmux.protocol import commands as protocol_commands
from crewmux.tui import commands as tui_commands
from crewmux.workspace import commands as workspace_commands
from crewmux.runtime import commands as runtime_commands

# One line per package that adds subcommands; each module has register(subparsers).
COMMAND_MODULES = [
    protocol_commands,
    run_command,
    tui_commands,
    runtime_commands,
    workspace_commands,
    llm_commands,
    engine_commands,
    engine_serve_command,
    benchmark_commands,
    completion,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crewmux",
        description="Run a team of LLM coding agents (CTO, coders, QA, coordinator) in tmux panes.",
    )
    parser.add_argument("--version", action="version", version=f"crewmux {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    version = sub.add_parser("version", help="print crewmux's version", description="Print crewmux's version (as --version).")
    version.set_defaults(func=_print_version)
    for module in COMMAND_MODULES:
        module.register(sub)
    _describe(sub)
    return parser


def _print_version(args: argparse.Namespace) -> int:
    print(f"crewmux {__version__}")
    return 0


# Where a package's own description is not a sentence saying what the command does, the
# one --help shows (kept here, beside the rule it follows, for packages this file cannot change).
DESCRIPTIONS = {
    "diff": "Show what a run changed: git diff of its branch (crewmux/RUN) from where it left your branch.",
    "serve": "Run crewmux's embedded engine on a pulled model, OpenAI-compatible on loopback, for other tools and "
             "for measurements (a run starts the same command as a service).",
    "episodes": "Export the stored attempts (bench tasks and team runs) as JSONL: `crewmux episodes export --sft FILE` "
                "for failed-then-fixed pairs, `--all FILE` for every episode.",
    "doctor": "Check what crewmux needs here (tmux, git, the sandbox, the toolchains, the model servers, crewmux.toml): "
              "each is 'ready' or 'MISSING' with the command that installs it. Exit code 0 when the essentials "
              "(tmux, git, python3) are ready and crewmux.toml is valid.",
}


def _describe(sub: argparse._SubParsersAction) -> None:
    """Every subcommand's --help opens with a sentence saying what it does: its one-line
    help when it has no description of its own, and no RST markup."""
    helps = {action.dest: action.help for action in sub._choices_actions}
    for name, parser in sub.choices.items():
        if name in DESCRIPTIONS:
            parser.description = DESCRIPTIONS[name]
        elif parser.description:
            parser.description = parser.description.replace("``", "`")  # module docstrings are RST
        elif text := helps.get(name):
            parser.description = text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
