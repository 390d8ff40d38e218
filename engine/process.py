"""Start the embedded engine as a child process and wait until it serves (for the bench,
``crewmux probe`` and tests; a run starts the same command as a tmux service instead)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import httpx

from crewmux.config import ModelConfig
from crewmux.engine.settings import DEFAULT_CTX, LOOPBACK, default_threads
from crewmux.protocol.run_secrets import new_key

KEY_VARIABLE = "CREWMUX_ENGINE_KEY"  # how a child engine gets its key: not on its command line
READY_TIMEOUT = 180.0  # loading a 1 GB model from a cold disk on a slow machine


class EngineError(RuntimeError):
    """The engine did not start; the message carries the end of its log."""


def serve_argv(model: str, *, port: int, n_ctx: int = DEFAULT_CTX, threads: int | None = None,
               api_key_file: Path | None = None, gpu_layers: int = 0, prompt_cache: bool = False,
               backend: str | None = None) -> list[str]:
    """The command that runs the engine (``crewmux serve``), as a run's service starts it.

    ``backend``: an engine by name (else CREWMUX_ENGINE of the caller: a tmux service does
    not inherit the caller's environment, so the choice travels on the command line)."""
    from crewmux.engine.server import ENGINE_VARIABLE

    argv = [sys.executable, "-m", "crewmux", "serve", model, "--port", str(port), "--ctx", str(n_ctx),
            "--threads", str(threads or default_threads(os.cpu_count()))]
    if api_key_file is not None:
        argv += ["--api-key-file", str(api_key_file)]
    if gpu_layers:
        argv += ["--gpu-layers", str(gpu_layers)]
    if prompt_cache:
        argv.append("--prompt-cache")
    backend = backend or os.environ.get(ENGINE_VARIABLE)
    if backend:
        argv += ["--engine", backend]
    return argv


def wait_ready(url: str, api_key: str | None, *, timeout: float = READY_TIMEOUT, alive: Any = None) -> None:
    """Until ``url``/models answers 200 (the model is loaded once the port answers).

    ``alive``: a callable that says whether the engine process still runs; a dead engine
    is reported at once instead of after the timeout."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while time.monotonic() < deadline:
        if alive is not None and not alive():
            raise EngineError("the engine exited while starting")
        try:
            response = httpx.get(f"{url}/models", headers=headers, timeout=2.0)
            if response.status_code == 200:
                return
            last = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            last = type(exc).__name__
        time.sleep(0.25)
    raise EngineError(f"the engine at {url} did not answer within {timeout:g} s ({last})")


class EngineProcess:
    """One engine child process on a free loopback port, with its own random key."""

    def __init__(self, model: str, process: subprocess.Popen[bytes], url: str, api_key: str, log_path: Path | None, n_ctx: int) -> None:
        self.model = model
        self.process = process
        self.url = url
        self.api_key = api_key
        self.log_path = log_path
        self.n_ctx = n_ctx

    @classmethod
    def start(cls, model: str, *, n_ctx: int = DEFAULT_CTX, port: int | None = None, threads: int | None = None,
              log_path: Path | None = None, timeout: float = READY_TIMEOUT, backend: str | None = None,
              prompt_cache: bool = False) -> "EngineProcess":
        """``backend``: "llama-server" or "llama-cpp-python" to force one (the bench
        compares them); None: llama-server when built, as a run chooses."""
        from crewmux.agents.llm.model_source import free_loopback_port

        port = port or free_loopback_port()
        key = new_key()
        argv = serve_argv(model, port=port, n_ctx=n_ctx, threads=threads, prompt_cache=prompt_cache, backend=backend)
        env = {**os.environ, KEY_VARIABLE: key}
        log: IO[bytes] | int = subprocess.DEVNULL
        if log_path is not None:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            log = open(log_path, "ab")
        try:
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                       env=env, start_new_session=True)
        finally:
            if not isinstance(log, int):
                log.close()
        engine = cls(model, process, f"http://{LOOPBACK}:{port}/v1", key, log_path, n_ctx)
        try:
            wait_ready(engine.url, key, timeout=timeout, alive=lambda: process.poll() is None)
        except EngineError as exc:
            engine.stop()
            raise EngineError(f"{exc}; {engine.log_tail()}") from None
        return engine

    def model_config(self, **overrides: Any) -> ModelConfig:
        """A model config for clients of this engine (provider local, its URL and key)."""
        data: dict[str, Any] = {"provider": "local", "model": self.model, "base_urls": [self.url], "api_key": self.api_key,
                                "num_ctx": self.n_ctx, "keep_alive": None}
        data.update(overrides)
        return ModelConfig.model_validate(data)

    def log_tail(self, lines: int = 15) -> str:
        if self.log_path is None or not self.log_path.is_file():
            return "no engine log"
        tail = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        return f"engine log {self.log_path}:\n" + "\n".join(tail)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, grace: float = 10.0) -> None:
        """End the engine by its process id (TERM, then KILL after ``grace`` seconds)."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> "EngineProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
