"""The escalation ladder: what each attempt at a task changes, rung by rung.

Pure. Attempt 1 is the first reply; then retries with the error in front of the model;
then thinking switched on (where the model has the switch); then several candidates at
different temperatures, checked in parallel, the first that passes kept (best-of-N:
checks take milliseconds); then a bigger model (the configured escalation model, else a
bigger pulled local model). A rung that does not apply is left out, so an "escalation"
to the same model is never made or called one. The ladder is fitted into the attempt
budget: when it is too short for every rung, the top rungs are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from crewmux.config import Budgets, Config, ModelConfig
from crewmux.protocol.messages import Rung

BEST_OF_TEMPERATURES = (0.3, 0.7, 1.0)
# A retry at the role's temperature (0.2) made the 1.5B model send the same wrong code
# back with the error in front of it (py-initials, three times): a retry is one candidate
# at a temperature that lets the reply change.
RETRY_TEMPERATURE = 0.7
THINKING_FAMILIES = ("qwen3", "deepseek-r1", "gpt-oss", "qwq", "magistral", "thinking", "phi4-reasoning")
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*b\b", re.IGNORECASE)


def supports_thinking(model: ModelConfig) -> bool:
    """Whether a retry can switch thinking on: it is configured off (the switch exists), or
    the model is of a family that thinks and nothing says otherwise. Already on: no rung."""
    if model.think is False:
        return True
    return model.think is None and any(family in model.model.lower() for family in THINKING_FAMILIES)


def model_size(name: str) -> float | None:
    """Billions of parameters from a model's name ("qwen2.5-coder:1.5b" -> 1.5), if it says."""
    found = _SIZE.findall(name)
    return float(found[-1]) if found else None


def same_model(a: ModelConfig, b: ModelConfig) -> bool:
    return (a.provider, a.model, list(a.base_urls)) == (b.provider, b.model, list(b.base_urls))


def bigger_model(config: Config, role: str, pulled: Iterable[tuple[str, int | None]] = ()) -> ModelConfig | None:
    """The model a task escalates to: the configured [escalation] model when it is another
    model; else the biggest pulled local model bigger than the role's (for the local
    engine); else None: there is nothing bigger, and no rung pretends there is."""
    base = config.for_role(role)
    if config.escalation is not None and not same_model(config.escalation, base):
        return config.escalation
    if base.provider != "local" or base.base_urls:
        # An engine already running serves its one model: asking it for another name would
        # answer with the same model (llama-cpp-python falls back to its default), an
        # "escalation" that is none. A run gives the bigger model its own engine at start
        # (engines.local_escalation), as the [escalation] model.
        return None
    size = model_size(base.model)
    best: tuple[float, str] | None = None
    for name, params in pulled:
        billions = params / 1e9 if params else model_size(name)
        if billions is None or name == base.model or (size is not None and billions <= size):
            continue
        if best is None or billions > best[0]:
            best = (billions, name)
    return base.model_copy(update={"model": best[1]}) if best else None


@dataclass(frozen=True)
class Ladder:
    """The rungs of a task's attempts, attempt 1 first."""

    rungs: tuple[Rung, ...]

    def rung(self, attempt: int) -> Rung:
        """The rung of attempt ``attempt`` (1-based); past the end, the top rung again."""
        return self.rungs[min(attempt, len(self.rungs)) - 1]

    def names(self) -> list[str]:
        return [r.name for r in self.rungs]


def build_ladder(budgets: Budgets, base: ModelConfig, bigger: ModelConfig | None) -> Ladder:
    """One rung per attempt the budget allows, in the ladder's order."""
    total = budgets.attempts_per_task
    retries = max(0, min(budgets.escalate_after, total) - 1)
    top: list[Rung] = []
    thinks = supports_thinking(base)
    if thinks:
        top.append(Rung(name="think", think=True))
    top.append(Rung(name="best_of_n", think=True if thinks else None, temperatures=list(BEST_OF_TEMPERATURES)))
    if bigger is not None:
        top.append(Rung(name="bigger_model", model=bigger.model, provider=bigger.provider))
    slots = total - 1 - retries
    if slots < len(top):
        top = top[len(top) - slots:] if slots > 0 else []
    else:
        top += [top[-1]] * (slots - len(top))  # more attempts than rungs: the top rung again
    rungs = [Rung(name="first"), *[Rung(name="retry", temperatures=[RETRY_TEMPERATURE]) for _ in range(retries)], *top]
    return Ladder(tuple(rungs[:total]))


def is_escalation(rung: Rung) -> bool:
    """Only a bigger model is an escalation; thinking and best-of-N are the same model trying harder."""
    return rung.name == "bigger_model"


def pulled_local_models() -> list[tuple[str, int | None]]:
    """(name, parameters) of the models pulled for the local engine; none when the engine
    package is not there."""
    try:
        from crewmux.engine.store import ModelStore
    except ImportError:
        return []
    try:
        return [(m.name, m.params) for m in ModelStore.default().list()]
    except (OSError, ValueError, AttributeError):
        return []
