"""Run the embedded engine in this process: llama.cpp through llama-cpp-python's
OpenAI-compatible server, with EngineSettings. This is the one place that knows the
backend; ``crewmux serve`` and a run's engine service both end up here."""

from __future__ import annotations

import sys

from crewmux.engine.settings import EngineSettings

GPU_HINT = (
    "with an NVIDIA GPU: CMAKE_ARGS=\"-DGGML_CUDA=on\" pip install --force-reinstall --no-cache-dir 'llama-cpp-python[server]'; "
    "Apple: -DGGML_METAL=on; AMD: -DGGML_HIPBLAS=on; then set gpu_layers = -1"
)
INSTALL_HINT = "install the engine: pip install 'crewmux[local]' (builds llama.cpp: about 8 minutes on 2 cores); " + GPU_HINT


class EngineMissing(RuntimeError):
    """llama-cpp-python (with its server extra) is not installed."""


def engine_missing() -> str | None:
    """Why the engine cannot run here, or None when it can."""
    try:
        import llama_cpp.server.app  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        return f"the embedded engine is not installed ({exc.name or exc}): {INSTALL_HINT}"
    return None


def serve(settings: EngineSettings) -> None:
    """Load the model and serve until interrupted (SIGINT/SIGTERM end it cleanly)."""
    missing = engine_missing()
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
        verbose=False,
    )
    app = create_app(server_settings=server_settings, model_settings=[model_settings])
    print(f"engine: {settings.model_name} ({settings.model_path.name}) n_ctx={settings.n_ctx} threads={settings.threads}", flush=True)
    print(f"engine: listening on {settings.url}", flush=True)
    sys.stdout.flush()
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
