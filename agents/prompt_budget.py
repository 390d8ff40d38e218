"""What fits in a prompt: parts budgeted from the model's context window, cut by priority.

Pure. The budget is the model's context (``num_ctx``) less the room kept for its reply;
a prompt over it loses its least important parts first (older project files before the
task's own errors), each cut said in one line so the agent can report it. Fixed
character caps are gone: a 32k model sees whole files, a 4k model sees what matters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crewmux.agents.llm.tokens import CHARS_PER_TOKEN, estimate_tokens
from crewmux.config import ModelConfig

MARGIN_TOKENS = 256  # chat template tokens and the estimate's error
MIN_PROMPT_TOKENS = 1024


def prompt_budget(model: ModelConfig) -> int:
    """Tokens a prompt may take: the context window less the reply's room (at most half)."""
    reply = min(model.max_tokens, model.num_ctx // 2)
    return max(MIN_PROMPT_TOKENS, model.num_ctx - reply - MARGIN_TOKENS)


@dataclass
class Part:
    """One part of a prompt. ``priority`` 0 is never cut; higher numbers are cut first."""

    name: str
    text: str
    priority: int = 0


@dataclass
class Fitted:
    texts: dict[str, str]
    cuts: list[str] = field(default_factory=list)  # "current files: 900 of 4000 tokens kept"
    tokens: int = 0

    def __getitem__(self, name: str) -> str:
        return self.texts.get(name, "")


def fit(parts: list[Part], budget: int) -> Fitted:
    """The parts within ``budget`` tokens: the highest priority numbers are cut first, each
    to what is left (its head kept, the cut marked in the text), dropped when nothing is."""
    texts = {p.name: p.text for p in parts}
    sizes = {p.name: estimate_tokens(p.text) for p in parts}
    total = sum(sizes.values())
    cuts: list[str] = []
    for part in sorted((p for p in parts if p.priority > 0), key=lambda p: -p.priority):
        if total <= budget:
            break
        over = total - budget
        size = sizes[part.name]
        if size == 0:
            continue
        keep = max(0, size - over - 16)  # room for the marker
        if keep < 32:
            texts[part.name] = ""
            cuts.append(f"{part.name}: left out ({size} tokens)")
            total -= size
            sizes[part.name] = 0
        else:
            texts[part.name] = part.text[: keep * CHARS_PER_TOKEN] + f"\n... (cut to fit the model's context: {size - keep} tokens left out)\n"
            cuts.append(f"{part.name}: {keep} of {size} tokens kept")
            total -= size - estimate_tokens(texts[part.name])
            sizes[part.name] = estimate_tokens(texts[part.name])
    return Fitted(texts, cuts, total)
