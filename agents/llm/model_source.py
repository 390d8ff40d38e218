"""Which model server a new run talks to, when the user has not said.

Order: what the user configured (``crewmux.toml``, or a server variable such as
``OLLAMA_HOST``), then an Ollama answering on its default address, then crewmux's
scripted model: a demo team with canned replies, so a first run shows a working team on
a machine without an LLM server. The scripted model is always named as such.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from crewmux.agents.llm.fake_script import DEMO_SCRIPT
from crewmux.config import DEFAULT_URLS, KEY_VARIABLES, URL_VARIABLES

SCRIPTED_MODEL = "crewmux-scripted-demo"
__all__ = ["DEMO_SCRIPT", "SCRIPTED_MODEL", "ModelSource", "choose_model_source", "ollama_answers", "scripted_banner", "free_loopback_port"]

HOW_TO_USE_OLLAMA = """\
To use a real model with Ollama:
  1. install and start it:  ollama serve
  2. pull a coder model:     ollama pull qwen2.5-coder:7b
  3. in your project:        crewmux init     (writes crewmux.toml for the models you have)
  4. run again:              crewmux run "your brief"
Ollama on another machine: export OLLAMA_HOST=http://gpu-box:11434
vLLM / llama.cpp / LM Studio: export OPENAI_BASE_URL=http://host:8000/v1 (see crewmux init)"""


@dataclass(frozen=True)
class ModelSource:
    kind: Literal["configured", "ollama", "scripted"]
    reason: str


def choose_model_source(*, config_file: bool, environ: Mapping[str, str], ollama_answers: Callable[[], bool]) -> ModelSource:
    """The decision from what was found; ``ollama_answers`` (a probe over the network) is
    asked only when nothing configured decides first."""
    if config_file:
        return ModelSource("configured", "models from crewmux.toml")
    named = [name for name in (*URL_VARIABLES.values(), *KEY_VARIABLES.values()) if environ.get(name)]
    if named:
        return ModelSource("configured", f"model server from {', '.join(named)}")
    if ollama_answers():
        return ModelSource("ollama", f"Ollama answering at {DEFAULT_URLS['ollama']}")
    return ModelSource(
        "scripted",
        f"no crewmux.toml, no {URL_VARIABLES['ollama']} or {URL_VARIABLES['openai']}, and no Ollama at {DEFAULT_URLS['ollama']}",
    )


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
