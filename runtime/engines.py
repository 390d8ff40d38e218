"""The embedded engines a run starts: one per local model its roles use, shared by every
agent on that model, as a service window of the run (restarted by the supervisor, closed
when the run ends). A local model with base_urls already names a running engine (the
bench's, or one the user started with ``crewmux serve``) and starts nothing."""

from __future__ import annotations

from crewmux.agents.llm.model_source import LocalEngine, free_loopback_port
from crewmux.config import Config, ModelConfig
from crewmux.engine.settings import DEFAULT_CTX
from crewmux.runtime.team_launch import Service

# On a CPU the agents queue for one engine: a request may wait for several others' replies
# before its first token, so the first-token timeout is the whole queue's, not one reply's.
LOCAL_TIMEOUTS = {"timeout_first_token": 1800.0, "timeout_total": 3600.0}
LOCAL_CTX = DEFAULT_CTX
LOCAL_MAX_TOKENS = 2048  # a whole file of a small task; a plan is capped lower by the CTO


def local_engine() -> LocalEngine:
    """The best pulled model, if the engine is installed; else why not, with what to do."""
    from crewmux.engine.server import engine_missing
    from crewmux.engine.store import ModelStore

    missing = engine_missing()
    if missing:
        return LocalEngine(None, missing)
    best = ModelStore.default().best_pulled()
    if best is None:
        return LocalEngine(None, "no model is pulled for the embedded engine: crewmux models pull qwen2.5-coder:1.5b")
    return LocalEngine(best)


def local_model_config(model: str) -> ModelConfig:
    """Defaults for a pulled model on the embedded engine."""
    return ModelConfig(provider="local", model=model, num_ctx=LOCAL_CTX, max_tokens=LOCAL_MAX_TOKENS, keep_alive=None, **LOCAL_TIMEOUTS)


def local_escalation(config: Config, pulled: list[tuple[str, int | None]]) -> Config:
    """For a run on a local model with no [escalation]: the biggest pulled model bigger than
    the coder's becomes the escalation model, with an engine of its own (engine_services
    places it), so the ladder's top rung really is a bigger model."""
    from crewmux.agents.escalation import bigger_model

    if config.escalation is not None:
        return config
    bigger = bigger_model(config, "coder", pulled)
    if bigger is None:
        return config
    return config.model_copy(update={"escalation": bigger.model_copy(update={"base_urls": []})})


def engine_services(config: Config) -> tuple[Config, list[Service]]:
    """``config`` with an address for every local model that has none, and the engine
    services that serve them (one per model, however many roles share it)."""
    from crewmux.engine.process import serve_argv

    urls: dict[str, str] = {}
    services: list[Service] = []

    def place(model: ModelConfig) -> ModelConfig:
        if model.provider != "local" or model.base_urls:
            return model
        if model.model not in urls:
            port = free_loopback_port()
            urls[model.model] = f"http://127.0.0.1:{port}/v1"
            services.append(Service(name=service_name(model.model, len(services)), argv=serve_argv(model.model, port=port, n_ctx=model.num_ctx),
                                    url=urls[model.model]))
        return model.model_copy(update={"base_urls": [urls[model.model]]})

    default = place(config.default)
    roles = {}
    for role, overrides in config.roles.items():
        merged = config.model_copy(update={"default": default}).for_role(role)
        placed = place(merged)
        roles[role] = {**overrides, "base_urls": placed.base_urls} if placed is not merged else overrides
    escalation = place(config.escalation) if config.escalation else None
    return config.model_copy(update={"default": default, "roles": roles, "escalation": escalation}), services


def service_name(model: str, index: int) -> str:
    """A window name for the engine of ``model`` (tmux-safe: no dots or colons)."""
    stem = "".join(c if c.isalnum() else "-" for c in model.lower()).strip("-")[:20] or "model"
    return f"engine-{stem}" if index == 0 else f"engine{index}-{stem}"
