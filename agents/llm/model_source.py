"""Which model server a new run talks to, when the user has not said.

Order: what the user configured (``crewmux.toml``, or a server variable such as
``OLLAMA_HOST``), then an Ollama answering on its default address, then crewmux's
embedded engine with the best pulled model (no server at all), then crewmux's scripted
model: a demo team with canned replies, which says what to install or pull. The scripted
model is always named as such.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from crewmux.agents.llm.fake_script import DEMO_SCRIPT
from crewmux.config import DEFAULT_URLS, KEY_VARIABLES, SCRIPTED_MODEL, URL_VARIABLES

__all__ = ["DEMO_SCRIPT", "LocalEngine", "ModelSource", "choose_model_source", "ollama_answers", "scripted_banner",
           "free_loopback_port"]

HOW_TO_USE_OLLAMA = """\
To use a real model with no server at all (crewmux's embedded llama.cpp engine):
  pip install 'crewmux[local]'  and  crewmux models pull qwen2.5-coder:1.5b   (bash scripts/run.sh does both)
To use a real model with Ollama:
  1. install and start it:  ollama serve
  2. pull a coder model:     ollama pull qwen2.5-coder:7b
  3. in your project:        crewmux init     (writes crewmux.toml for the models you have)
  4. run again:              crewmux run "your brief"
Ollama on another machine: export OLLAMA_HOST=http://gpu-box:11434
vLLM / llama.cpp / LM Studio: export OPENAI_BASE_URL=http://host:8000/v1 (see crewmux init)"""


@dataclass(frozen=True)
class ModelSource:
    kind: Literal["configured", "ollama", "local", "scripted"]
    reason: str
    model: str | None = None  # local: the pulled model the engine serves


@dataclass(frozen=True)
class LocalEngine:
    """What the embedded engine could run here: the best pulled model, or why not."""

    model: str | None
    missing: str = ""  # why not: the engine is not installed, or nothing is pulled


def choose_model_source(*, config_file: bool, environ: Mapping[str, str], ollama_answers: Callable[[], bool],
                        local_engine: Callable[[], LocalEngine] = lambda: LocalEngine(None, "no local engine looked for")) -> ModelSource:
    """The decision from what was found; ``ollama_answers`` (a probe over the network) and
    ``local_engine`` (a look at the model store) are asked only when nothing before them decides."""
    if config_file:
        return ModelSource("configured", "models from crewmux.toml")
    named = [name for name in (*URL_VARIABLES.values(), *KEY_VARIABLES.values()) if environ.get(name)]
    if named:
        return ModelSource("configured", f"model server from {', '.join(named)}")
    if ollama_answers():
        return ModelSource("ollama", f"Ollama answering at {DEFAULT_URLS['ollama']}")
    nothing = f"no crewmux.toml, no {URL_VARIABLES['ollama']} or {URL_VARIABLES['openai']}, no Ollama at {DEFAULT_URLS['ollama']}"
    local = local_engine()
    if local.model:
        return ModelSource("local", f"{nothing}: crewmux's embedded engine on {local.model}", model=local.model)
    return ModelSource("scripted", f"{nothing}, and {local.missing}")


def ollama_answers(url: str = DEFAULT_URLS["ollama"], timeout: float = 1.0) -> bool:
    """Whether an Ollama server answers ``/api/version`` at ``url``."""
    import httpx

    try:
        return httpx.get(f"{url}/api/version", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def scripted_banner(reason: str) -> str:
    return (
        "=" * 78 + "\n"
        f"SCRIPTED MODEL: {reason}.\n"
        f"This run uses crewmux's built-in scripted model server ({SCRIPTED_MODEL}): canned\n"
        "replies that show the team at work (plan, parallel coders, a QA rejection, a fix,\n"
        "merges). It does not read your brief.\n\n" + HOW_TO_USE_OLLAMA + "\n" + "=" * 78
    )


def free_loopback_port() -> int:
    """A port free on 127.0.0.1 now, for a server started right after."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
