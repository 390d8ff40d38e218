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


def render_config(choice: ModelChoice, ollama_url: str | None) -> str:
    default_line = f'# base_urls = ["{DEFAULT_URLS["ollama"]}"]   # unset: $OLLAMA_HOST, else {DEFAULT_URLS["ollama"]}'
    if ollama_url:
        found = f"Ollama found at {ollama_url} with: {', '.join(choice.found) or 'no models'}."
        base = default_line if ollama_url == DEFAULT_URLS["ollama"] else f'base_urls = ["{ollama_url}"]'
    else:
        found = f"No running Ollama was found; start `ollama serve` and `ollama pull {choice.coder}`."
        base = default_line
    return Template(TEMPLATE.read_text()).substitute(found=found, coder=choice.coder, planner=choice.planner, base_urls=base)
