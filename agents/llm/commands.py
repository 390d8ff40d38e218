"""CLI subcommands of the LLM package: fake-llm, probe, init (and the server listing `crewmux models` shows)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path


def _fail(command: str, message: str, code: int = 1) -> int:
    print(f"crewmux {command}: {message}", file=sys.stderr)
    return code


# -- fake-llm ---------------------------------------------------------------------------


def cmd_fake_llm(args: argparse.Namespace) -> int:
    from crewmux.agents.llm.fake_script import DEMO_SCRIPT, ScriptError
    from crewmux.agents.llm.fake_server import STORM_KINDS, FakeLLMServer, FaultStorm
    from crewmux.protocol.run_secrets import SecretsError, endpoint_key

    storm = None
    if args.fault_rate:
        kinds = tuple(k.strip() for k in args.fault_kinds.split(",")) if args.fault_kinds else STORM_KINDS
        try:
            storm = FaultStorm(args.fault_rate, seed=args.fault_seed, kinds=kinds, hang_seconds=args.fault_hang)
        except ValueError as exc:
            return _fail("fake-llm", str(exc), 2)
    try:
        server = FakeLLMServer(
            args.script or DEMO_SCRIPT,
            args.host,
            args.port,
            tps=args.tps,
            ttft=args.ttft,
            concurrency=args.concurrency,
            request_log=args.request_log,
            storm=storm,
        )
    except ScriptError as exc:
        return _fail("fake-llm", str(exc), 2)

    def key(url: str) -> str:
        try:
            return endpoint_key(args.api_key_file, url)
        except OSError as exc:
            raise SecretsError(f"cannot read the key file {args.api_key_file}: {exc.strerror}") from None

    try:
        if args.api_key_file and args.port:
            # Known before it listens: no request is ever answered without the key.
            server.api_key = key(f"http://{args.host}:{args.port}")
        try:
            url = server.start()
        except OSError as exc:
            return _fail("fake-llm", f"cannot listen on {args.host}:{args.port}: {exc.strerror}")
        if args.api_key_file and not args.port:
            server.api_key = key(url)
    except SecretsError as exc:
        server.stop()
        return _fail("fake-llm", str(exc), 2)
    signal.signal(signal.SIGTERM, lambda *_: server.request_stop())
    print(f"fake-llm listening on {url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.stop()
    return 0


# -- choosing a model from crewmux.toml and flags ----------------------------------------


def add_model_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--provider", choices=["local", "ollama", "openai", "anthropic"],
                   help="default: from crewmux.toml, else ollama; local: crewmux's embedded engine on a pulled model")
    p.add_argument("--base-url", action="append", metavar="URL", help="server URL (repeat for several); default: crewmux.toml, then OLLAMA_HOST / OPENAI_BASE_URL")
    p.add_argument("--role", help="start from this role's model in crewmux.toml (cto, coder, qa)")
    p.add_argument("--config", type=Path, help="crewmux.toml to read (default: ./crewmux.toml)")


def _model_from_args(args: argparse.Namespace, model_name: str | None = None):  # -> ModelConfig
    from crewmux.config import ModelConfig, load_config

    config = load_config(Path.cwd(), args.config)
    model = config.for_role(args.role) if args.role else config.default
    data = model.model_dump()
    if args.provider and args.provider != model.provider:
        data.update(provider=args.provider, base_urls=[], api_key=None)
    if args.base_url:
        data["base_urls"] = args.base_url
    if model_name:
        data["model"] = model_name
    return ModelConfig.model_validate(data)


# -- models -----------------------------------------------------------------------------


def print_server_models(args: argparse.Namespace, command: str = "models") -> int:
    """Print the models the configured (or given) server offers; used by `crewmux models`."""
    from crewmux.agents.llm.client import LLMClient
    from crewmux.agents.llm.types import LLMError
    from crewmux.config import ConfigError

    try:
        model = _model_from_args(args)
    except ConfigError as exc:
        return _fail(command, str(exc), 2)
    with LLMClient(model) as client:
        try:
            models = client.list_models()
        except LLMError as exc:
            return _fail(command, str(exc))
        where = client.pool.endpoints[0].url
    print(f"{model.provider} at {where}: {len(models)} model(s)")
    rows = [("NAME", "SIZE", "DETAILS", "")]
    for m in models:
        size = f"{m.size_bytes / 1e9:.1f} GB" if m.size_bytes else ""
        rows.append((m.name, size, m.details, "loaded" if m.loaded else ""))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    return 0


# -- probe ------------------------------------------------------------------------------


def cmd_probe(args: argparse.Namespace) -> int:
    from crewmux.agents.llm.client import LLMClient
    from crewmux.agents.llm.probe import format_table, probe_model
    from crewmux.config import ConfigError

    try:
        models = [_model_from_args(args, name) for name in (args.model or [None])]
    except ConfigError as exc:
        return _fail("probe", str(exc), 2)
    if not args.model:
        models = [_offered_model(models[0])]
    results = []
    for model in models:
        print(f"probing {model.model} ({model.provider}) with {args.runs} run(s)...", file=sys.stderr, flush=True)
        if model.provider == "local" and not model.base_urls:
            results.append(_probe_on_engine(model, args.runs, args.max_tokens))
            continue
        with LLMClient(model) as client:
            results.append(probe_model(client, args.runs, args.max_tokens))
    print(format_table(results))
    return 1 if any(r.error for r in results) else 0


def _offered_model(model):  # -> ModelConfig
    """With no --model: the configured model if the server offers it, else the server's
    first model (a configured default the server lacks would only measure a 404)."""
    from crewmux.agents.llm.client import LLMClient
    from crewmux.agents.llm.retry import RetryPolicy
    from crewmux.agents.llm.types import LLMError

    if model.provider == "local" and not model.base_urls:
        return model  # the embedded engine runs whichever pulled model it is given
    with LLMClient(model, retry=RetryPolicy(max_attempts=1)) as client:
        try:
            names = [m.name for m in client.list_models()]
        except LLMError:
            return model  # the probe itself says what is wrong with the server
    if not names or model.model in names:
        return model
    print(f"{model.model} (the configured model) is not on the server; probing {names[0]}, its first model "
          f"(it offers: {', '.join(names[:8])}{' …' if len(names) > 8 else ''}; --model chooses)", file=sys.stderr)
    return model.model_copy(update={"model": names[0]})


def _probe_on_engine(model, runs: int, max_tokens: int):  # -> probe.ProbeResult
    """Start the embedded engine on ``model`` for the probe's length, then stop it."""
    from crewmux.agents.llm.client import LLMClient
    from crewmux.agents.llm.probe import probe_model
    from crewmux.engine.process import EngineError, EngineProcess

    try:
        engine = EngineProcess.start(model.model, n_ctx=model.num_ctx if model.num_ctx <= 32768 else 8192)
    except EngineError as exc:
        raise SystemExit(f"crewmux probe: {exc}") from None
    with engine, LLMClient(engine.model_config(max_tokens=max_tokens)) as client:
        return probe_model(client, runs, max_tokens)


# -- init -------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    from crewmux.agents.llm.init_config import choose_models, render_config
    from crewmux.config import CONFIG_FILE
    from crewmux.protocol.fsutil import atomic_write

    target = args.dir / CONFIG_FILE
    if target.exists() and not args.force:
        return _fail("init", f"{target} exists; use --force to replace it", 2)
    if not args.dir.is_dir():
        return _fail("init", f"{args.dir} is not a directory", 2)
    found = _find_models()
    choice = choose_models(found.models)
    if found.provider == "local":
        choice.planner = choice.coder  # one engine on a CPU: every role shares its model
    atomic_write(target, render_config(choice, found).encode())
    print(found.note)
    if found.provider != "none":
        print(f"coders use {choice.coder}, CTO and QA use {choice.planner}")
    print(f"wrote {target}")
    return 0


def _find_models():  # -> init_config.Found
    """What answers here, in order: a server at OPENAI_BASE_URL, an Ollama (OLLAMA_HOST or
    its default address), crewmux's embedded engine with pulled models."""
    from crewmux.agents.llm.client import LLMClient
    from crewmux.agents.llm.init_config import Found
    from crewmux.agents.llm.retry import RetryPolicy
    from crewmux.agents.llm.types import LLMError
    from crewmux.agents.llm.wire import ModelInfo
    from crewmux.config import URL_VARIABLES, ModelConfig, model_endpoints

    tried = []
    for provider in ("openai", "ollama"):
        if provider == "openai" and not os.environ.get(URL_VARIABLES["openai"]):
            continue
        probe = ModelConfig(provider=provider, timeout_connect=1.0, timeout_first_token=3.0, timeout_total=5.0)
        url = model_endpoints(probe)[0]
        with LLMClient(probe, retry=RetryPolicy(max_attempts=1)) as client:
            try:
                models = client.list_models()
            except LLMError:
                tried.append(f"nothing answered at {url}")
                continue
        names = ", ".join(m.name for m in models) or "no models"
        kind = "Ollama" if provider == "ollama" else f"OpenAI-compatible server (from {URL_VARIABLES['openai']})"
        return Found(provider, url, models, f"{kind} found at {url} with: {names}.")
    from crewmux.runtime.engines import local_engine
    from crewmux.engine.store import ModelStore

    engine = local_engine()
    if engine.model:
        pulled = ModelStore.default().list()
        best = [m for m in pulled if m.name == engine.model] + [m for m in pulled if m.name != engine.model]
        models = [ModelInfo(name=m.name, size_bytes=m.size_bytes) for m in best]
        return Found("local", None, models,
                     f"{'; '.join(tried)}; crewmux's embedded engine with pulled model(s): {', '.join(m.name for m in best)}.")
    return Found("none", None, [], f"{'; '.join(tried)}, and {engine.missing}. Start `ollama serve` and "
                 "`ollama pull qwen2.5-coder:7b`, or pull a model for the embedded engine; then run `crewmux init --force`.")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fake-llm",
        help="run the scripted model server (Ollama, OpenAI and Anthropic wire formats)",
        description="Serve scripted replies over HTTP; the first stdout line is 'fake-llm listening on URL'. Script format: docs/fake-llm.md.",
    )
    p.add_argument("--script", type=Path, help="JSON or TOML script (default: the built-in demo script)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    p.add_argument("--tps", type=float, help="tokens per second (default: the script's, else 50; 0 = unpaced)")
    p.add_argument("--ttft", type=float, help="seconds before the first token (default: the script's, else 0.05)")
    p.add_argument("--concurrency", type=int, help="replies generated at once; others queue (default: unlimited)")
    p.add_argument("--request-log", type=Path, help="append every request received (path, headers, body) to this JSONL file")
    p.add_argument("--api-key-file", type=Path, help="answer only requests with this key (401 otherwise): a file holding the key, or a run's secrets.json")
    p.add_argument("--fault-rate", type=float, default=0.0, help="share of chat requests (0..1) answered with a random fault: a fault storm")
    p.add_argument("--fault-seed", type=int, default=0, help="seed of the storm's draws")
    p.add_argument("--fault-kinds", help="comma-separated storm faults (default: all of http_500, http_429, hang, truncated, malformed_json, midstream_error, garbage, empty)")
    p.add_argument("--fault-hang", type=float, default=3.0, help="seconds a storm's hang lasts before the connection drops")
    p.set_defaults(func=cmd_fake_llm)

    # `crewmux models` (pulled models and the server's) is registered by crewmux.engine.commands.

    p = sub.add_parser(
        "probe",
        help="measure models' tokens/s, prompt tokens/s and time to first token",
        description="Send a fixed coding prompt a few times to each model and print the medians.",
    )
    p.add_argument("--model", action="append", metavar="M", help="model to probe (repeat for several; default: the configured one)")
    p.add_argument("--runs", type=int, default=3, help="runs per model (default 3; the table shows medians)")
    p.add_argument("--max-tokens", type=int, default=256, help="reply length per run (default 256)")
    add_model_flags(p)
    p.set_defaults(func=cmd_probe)

    p = sub.add_parser(
        "init",
        help="write a commented crewmux.toml, using a running Ollama's models",
        description="Write crewmux.toml into the project, choosing models from a running Ollama (OLLAMA_HOST or 127.0.0.1:11434).",
    )
    p.add_argument("-C", "--project", "--dir", dest="dir", type=Path, default=Path(os.curdir), help="the project directory (default: here)")
    p.add_argument("--force", action="store_true", help="replace an existing crewmux.toml")
    p.set_defaults(func=cmd_init)
