"""CLI subcommands of the LLM package: fake-llm, probe, models, init."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path


def cmd_fake_llm(args: argparse.Namespace) -> int:
    from crewmux.agents.llm.fake_script import DEMO_SCRIPT, ScriptError
    from crewmux.agents.llm.fake_server import FakeLLMServer

    try:
        server = FakeLLMServer(
            args.script or DEMO_SCRIPT,
            args.host,
            args.port,
            tps=args.tps,
            ttft=args.ttft,
            concurrency=args.concurrency,
            request_log=args.request_log,
        )
    except ScriptError as exc:
        print(f"crewmux fake-llm: {exc}", file=sys.stderr)
        return 2
    try:
        url = server.start()
    except OSError as exc:
        print(f"crewmux fake-llm: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, lambda *_: server.request_stop())
    print(f"fake-llm listening on {url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.stop()
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fake-llm",
        help="run the scripted model server (Ollama, OpenAI and Anthropic wire formats)",
        description="Serve scripted replies over HTTP; the first stdout line is 'fake-llm listening on URL'. Script format: docs/fake-llm.md.",
    )
    p.add_argument("--script", type=Path, help="JSON or TOML script (default: the built-in demo script)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    p.add_argument("--tps", type=float, help="tokens per second (default: the script's, else 50; 0 = unpaced)")
    p.add_argument("--ttft", type=float, help="seconds before the first token (default: the script's, else 0.05)")
    p.add_argument("--concurrency", type=int, help="replies generated at once; others queue (default: unlimited)")
    p.add_argument("--request-log", type=Path, help="append every request received (path, headers, body) to this JSONL file")
    p.set_defaults(func=cmd_fake_llm)
