"""The ``crewmux`` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crewmux import __version__


def cmd_schema(args: argparse.Namespace) -> int:
    from crewmux.protocol.schemas import write_schemas

    written = write_schemas(args.out)
    for path in written:
        print(path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crewmux",
        description="Run a team of LLM coding agents (CTO, coders, QA, coordinator) in tmux panes.",
    )
    parser.add_argument("--version", action="version", version=f"crewmux {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("schema", help="write the JSON Schema of every message type")
    p.add_argument("--out", type=Path, required=True, help="directory to write the schemas into")
    p.set_defaults(func=cmd_schema)

    return parser


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
