"""`crewmux init`: a commented crewmux.toml, filled in from the models a server has."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from string import Template

from crewmux.agents.llm.wire import ModelInfo
from crewmux.config import DEFAULT_URLS

TEMPLATE = Path(__file__).with_name("templates") / "crewmux.toml"
FALLBACK_CODER = "qwen2.5-coder:7b"


@dataclass
class ModelChoice:
    coder: str
    planner: str
    found: list[str]


@dataclass
class Found:
    """What ``crewmux init`` found answering, in the order it prefers them."""

    provider: str  # openai | ollama | local | none
    url: str | None  # the server's base URL (None: the provider's default, or the local engine)
    models: list[ModelInfo]
    note: str  # one line for the file's head: what was found, or what to start


def choose_models(models: list[ModelInfo]) -> ModelChoice:
    """Coders get a code model if there is one; the CTO and QA get the largest model.

    Embedding models cannot chat and are skipped.
    """
    chat = [m for m in models if "embed" not in m.name.lower()]
    if not chat:
        return ModelChoice(FALLBACK_CODER, FALLBACK_CODER, [m.name for m in models])
    coders = [m for m in chat if "coder" in m.name.lower() or "code" in m.name.lower()]
    coder = (coders or chat)[0].name
    largest = max(chat, key=lambda m: m.size_bytes or 0)
    return ModelChoice(coder, largest.name, [m.name for m in models])


def render_config(choice: ModelChoice, found: Found) -> str:
    """The commented crewmux.toml for the models found."""
    default_line = f'# base_urls = ["{DEFAULT_URLS["ollama"]}"]   # unset: $OLLAMA_HOST, else {DEFAULT_URLS["ollama"]}'
    if found.provider == "local":
        base = "# base_urls unset: each run starts the embedded engine itself (`crewmux serve` runs it alone)"
    elif found.url and found.url != DEFAULT_URLS.get(found.provider):
        base = f'base_urls = ["{found.url}"]'
    else:
        base = default_line
    provider = found.provider if found.provider != "none" else "ollama"
    return Template(TEMPLATE.read_text()).substitute(
        found=found.note, provider=provider, coder=choice.coder, planner=choice.planner, base_urls=base,
        num_ctx=8192 if provider == "local" else 16384,
    )
