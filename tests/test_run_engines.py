"""Which engines a run starts for its local models: one per model, shared by its roles,
and a bigger pulled model as the escalation model with an engine of its own."""

from __future__ import annotations

from crewmux.agents.escalation import bigger_model
from crewmux.runtime.engines import engine_services, local_escalation, local_model_config, service_name
from crewmux.config import Config, ModelConfig

PULLED = [("qwen2.5-coder:0.5b", 494_000_000), ("qwen2.5-coder:1.5b", 1_540_000_000)]


def test_one_engine_per_local_model_shared_by_the_roles() -> None:
    config = Config(default=local_model_config("qwen2.5-coder:0.5b"), roles={"cto": {"temperature": 0.0}})
    placed, services = engine_services(config)
    assert len(services) == 1 and services[0].name == "engine-qwen2-5-coder-0-5b"
    assert services[0].url == placed.default.base_urls[0] and "qwen2.5-coder:0.5b" in services[0].argv
    assert placed.for_role("cto").base_urls == placed.default.base_urls
    assert placed.for_role("cto").temperature == 0.0


def test_an_engine_given_by_address_starts_nothing() -> None:
    given = local_model_config("qwen2.5-coder:1.5b").model_copy(update={"base_urls": ["http://127.0.0.1:9999/v1"]})
    placed, services = engine_services(Config(default=given))
    assert services == [] and placed.default.base_urls == ["http://127.0.0.1:9999/v1"]


def test_a_bigger_pulled_model_escalates_on_its_own_engine() -> None:
    config = local_escalation(Config(default=local_model_config("qwen2.5-coder:0.5b")), PULLED)
    assert config.escalation is not None and config.escalation.model == "qwen2.5-coder:1.5b"
    placed, services = engine_services(config)
    assert [s.name for s in services] == ["engine-qwen2-5-coder-0-5b", "engine1-qwen2-5-coder-1-5b"]
    assert placed.escalation is not None and placed.escalation.base_urls != placed.default.base_urls
    # In the running team the escalation model is the configured one, on its own address.
    assert bigger_model(placed, "coder", PULLED) == placed.escalation
    # Nothing bigger pulled: no escalation, and no rung that pretends there is one.
    assert local_escalation(Config(default=local_model_config("qwen2.5-coder:1.5b")), PULLED).escalation is None


def test_an_engine_already_running_is_never_asked_for_another_model() -> None:
    """llama-cpp-python answers any model name with the model it loaded: asking the 0.5B's
    engine for the 1.5B would be the same model called an escalation."""
    running = local_model_config("qwen2.5-coder:0.5b").model_copy(update={"base_urls": ["http://127.0.0.1:9999/v1"]})
    assert bigger_model(Config(default=running), "coder", PULLED) is None
    configured = Config(default=running, escalation=ModelConfig(provider="ollama", model="qwen2.5-coder:7b"))
    assert bigger_model(configured, "coder", PULLED).model == "qwen2.5-coder:7b"


def test_window_names_are_tmux_safe() -> None:
    assert service_name("qwen2.5-coder:1.5b", 0) == "engine-qwen2-5-coder-1-5b"
    assert service_name("/models/My Model.gguf", 2).startswith("engine2-")
