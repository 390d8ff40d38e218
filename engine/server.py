"""Run the embedded engine, with EngineSettings: llama.cpp through llama-cpp-python's
OpenAI-compatible server in this process, or llama.cpp's own llama-server when it is built
(engine/llama_server.py: parallel slots, so a team's streams are batched) and chosen. This
is the one place that chooses the backend; ``crewmux serve`` and a run's engine service
both end up here. ``CREWMUX_ENGINE=llama-cpp-python`` or ``=llama-server`` forces one."""

from __future__ import annotations

import os
import sys

from crewmux.engine.settings import EngineSettings

ENGINE_VARIABLE = "CREWMUX_ENGINE"
LLAMA_SERVER = "llama-server"
LLAMA_CPP_PYTHON = "llama-cpp-python"
# A built llama-server is what runs when CREWMUX_ENGINE is unset: bench/engine.py measured
# 4 streams at 2.19x one stream's tokens/s, none cut, where llama-cpp-python's server gave
# 1.12x (docs/performance.md, docs/decisions.md).
PREFER_LLAMA_SERVER = True

GPU_HINT = (
    "with an NVIDIA GPU: CMAKE_ARGS=\"-DGGML_CUDA=on\" pip install --force-reinstall --no-cache-dir 'llama-cpp-python[server]'; "
    "Apple: -DGGML_METAL=on; AMD: -DGGML_HIPBLAS=on; then set gpu_layers = -1"
)
INSTALL_HINT = "install the engine: pip install 'crewmux[local]' (builds llama.cpp: about 8 minutes on 2 cores); " + GPU_HINT


class EngineMissing(RuntimeError):
    """llama-cpp-python (with its server extra) is not installed."""


def engine_missing() -> str | None:
    """Why the engine cannot run here, or None when it can (llama-server built, or
    llama-cpp-python installed)."""
    if chosen_backend() == LLAMA_SERVER:
        from crewmux.engine.llama_server import Layout, find_binary

        return None if find_binary() else (f"{ENGINE_VARIABLE}={LLAMA_SERVER} but llama-server is not built (it would be "
                                           f"{Layout.default().binary}): python3 -m crewmux.engine.llama_server build")
    return llama_cpp_python_missing()


def llama_cpp_python_missing() -> str | None:
    """Why llama-cpp-python's server cannot run here, or None when it can."""
    try:
        import llama_cpp.server.app  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        return f"the embedded engine is not installed ({exc.name or exc}): {INSTALL_HINT}"
    return None


def chosen_backend() -> str:
    """Which engine ``serve`` runs: the one CREWMUX_ENGINE names, else llama-server when it is
    built and preferred, else llama-cpp-python."""
    from crewmux.engine.llama_server import find_binary

    forced = os.environ.get(ENGINE_VARIABLE, "")
    if forced in (LLAMA_SERVER, LLAMA_CPP_PYTHON):
        return forced
    return LLAMA_SERVER if PREFER_LLAMA_SERVER and find_binary() else LLAMA_CPP_PYTHON


def serve(settings: EngineSettings) -> None:
    """Load the model and serve until interrupted (SIGINT/SIGTERM end it cleanly)."""
    if chosen_backend() == LLAMA_SERVER:
        serve_llama_server(settings)
        return
    missing = llama_cpp_python_missing()
    if missing:
        raise EngineMissing(missing)
    import uvicorn
    from llama_cpp.server.app import create_app
    from llama_cpp.server.settings import ModelSettings, ServerSettings

    server_settings = ServerSettings(
        host=settings.host,
        port=settings.port,
        api_key=settings.api_key,
        # A team's requests queue; none may cut another's stream short.
        interrupt_requests=False,
    )
    model_settings = ModelSettings(
        model=str(settings.model_path),
        model_alias=settings.model_name,
        n_ctx=settings.n_ctx,
        n_threads=settings.threads,
        n_threads_batch=settings.threads,
        n_batch=settings.n_batch,
        n_gpu_layers=settings.gpu_layers,
        # It reuses the previous request's matching prefix anyway; the RAM cache also keeps
        # other prompts' states, so an agent's prefix survives another agent's request.
        cache=settings.prompt_cache,
        verbose=False,
    )
    app = create_app(server_settings=server_settings, model_settings=[model_settings])
    print(f"engine: llama-cpp-python {settings.model_name} ({settings.model_path.name}) n_ctx={settings.n_ctx} "
          f"threads={settings.threads} prompt_cache={settings.prompt_cache}", flush=True)
    print(f"engine: listening on {settings.url}", flush=True)
    sys.stdout.flush()
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")


def serve_llama_server(settings: EngineSettings) -> None:
    """Become llama-server (exec: the service's process is the engine, so TERM and KILL by
    its pid reach it). The key travels in its environment, never on its command line."""
    from crewmux.engine.llama_server import Layout, find_binary, server_argv, KEY_ENV

    binary = find_binary()
    if binary is None:
        raise EngineMissing(engine_missing() or f"llama-server is not built: it would be {Layout.default().binary}")
    argv = server_argv(binary, settings)
    env = {k: v for k, v in os.environ.items() if k != KEY_ENV}
    if settings.api_key:
        env[KEY_ENV] = settings.api_key
    print(f"engine: llama-server {settings.model_name} ({settings.model_path.name}) n_ctx={settings.n_ctx} per slot, "
          f"slots={argv[argv.index('--parallel') + 1]} threads={settings.threads}", flush=True)
    print(f"engine: listening on {settings.url}", flush=True)
    os.execve(binary, argv, env)
