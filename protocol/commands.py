"""CLI subcommands of the protocol package."""

from __future__ import annotations

import argparse
from pathlib import Path


def cmd_schema(args: argparse.Namespace) -> int:
    from crewmux.protocol.schemas import write_schemas

    for path in write_schemas(args.out):
        print(path)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("schema", help="write the JSON Schema of every message type")
    p.add_argument("--out", type=Path, required=True, help="directory to write the schemas into")
    p.set_defaults(func=cmd_schema)
