"""``crewmux serve MODEL``: the embedded engine on its own, OpenAI-compatible on loopback,
for other tools and for measurements (a run starts the same command as a service)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def cmd_serve(args: argparse.Namespace) -> int:
    from crewmux.agents.llm.model_source import free_loopback_port
    from crewmux.engine.process import KEY_VARIABLE
    from crewmux.engine.server import ENGINE_VARIABLE, EngineMissing, engine_missing, serve
    from crewmux.engine.settings import EngineSettings, default_threads
    from crewmux.engine.store import ModelNotFound, ModelStore, resolve_model_file
    from crewmux.protocol.run_secrets import SecretsError, endpoint_key

    if args.engine:
        os.environ[ENGINE_VARIABLE] = args.engine  # chosen_backend reads it
    missing = engine_missing()
    if missing:
        print(f"crewmux serve: {missing}", file=sys.stderr)
        return 2
    try:
        path = resolve_model_file(args.model, ModelStore.default())
    except ModelNotFound as exc:
        print(f"crewmux serve: {exc}", file=sys.stderr)
        return 2
    port = args.port or free_loopback_port()
    url = f"http://{args.host}:{port}/v1"
    try:
        key = endpoint_key(Path(args.api_key_file), url) if args.api_key_file else os.environ.get(KEY_VARIABLE, "")
    except (OSError, SecretsError) as exc:
        print(f"crewmux serve: the API key file: {exc}", file=sys.stderr)
        return 2
    if not key:
        print("note: no API key (--api-key-file): any local user can use this engine", file=sys.stderr)
    name = args.model if not args.model.endswith(".gguf") else path.stem
    settings = EngineSettings(model_path=path, model_name=name, port=port, api_key=key or "", n_ctx=args.ctx,
                              threads=args.threads or default_threads(os.cpu_count()), host=args.host,
                              gpu_layers=args.gpu_layers, prompt_cache=args.prompt_cache)
    try:
        serve(settings)
    except EngineMissing as exc:
        print(f"crewmux serve: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    from crewmux.engine.settings import DEFAULT_CTX, LOOPBACK

    p = sub.add_parser("serve", help="run the embedded llama.cpp engine on a pulled model (OpenAI-compatible)",
                       description=__doc__)
    p.add_argument("model", help="a pulled model (crewmux models) or a .gguf file")
    p.add_argument("--port", type=int, help="port on loopback (default: a free one, printed)")
    p.add_argument("--host", default=LOOPBACK, help=f"address to listen on (default {LOOPBACK})")
    p.add_argument("--ctx", type=int, default=DEFAULT_CTX, help=f"context window in tokens (default {DEFAULT_CTX})")
    p.add_argument("--threads", type=int, help="CPU threads (default: every core)")
    p.add_argument("--gpu-layers", type=int, default=0, help="layers on the GPU when the engine was built with one (-1: all)")
    p.add_argument("--engine", choices=("llama-cpp-python", "llama-server"),
                   help="which engine (default: $CREWMUX_ENGINE, else the preferred one, docs/performance.md; llama-server "
                        "must be built: python3 -m crewmux.engine.llama_server build)")
    p.add_argument("--prompt-cache", action="store_true",
                   help="llama-cpp-python only: keep several prompts' KV states in RAM (llama-server's slots always keep theirs)")
    p.add_argument("--api-key-file", help="require the key in this file (a run's secrets.json or a file with the key)")
    p.set_defaults(func=cmd_serve)
