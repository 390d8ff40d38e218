"""crewmux.toml: which model each role uses, how many coders, the budgets.

Precedence, lowest first: built-in defaults, ``crewmux.toml``, the ecosystem's variables
(``OLLAMA_HOST``, ``OPENAI_BASE_URL``, ``OPENAI_API_KEY``, ``ANTHROPIC_API_KEY``), flags.
The resolved config is stored in ``run.json`` so every agent of a run sees the same one.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

CONFIG_FILE = "crewmux.toml"
Provider = Literal["ollama", "openai", "anthropic"]
ROLES = ("cto", "coder", "qa", "coordinator")


class ModelConfig(BaseModel):
    """One model on one or more endpoints."""

    model_config = ConfigDict(extra="forbid")

    provider: Provider = "ollama"
    model: str = "qwen2.5-coder:7b"
    base_urls: list[str] = Field(default_factory=list, description="Empty: the provider's default or its variable")
    api_key: str | None = Field(default=None, repr=False)
    think: bool | None = None
    temperature: float | None = 0.2
    num_ctx: int = 16384
    max_tokens: int = 8192
    keep_alive: str | None = "30m"
    timeout_connect: float = 5.0
    timeout_first_token: float = 300.0
    timeout_total: float = 1800.0
    price_in_per_mtok: float = 0.0
    price_out_per_mtok: float = 0.0


class Budgets(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attempts_per_task: int = Field(default=4, ge=1)
    escalate_after: int = Field(default=2, ge=1, description="Failed attempts before the escalation model takes over")
    tokens: int = Field(default=2_000_000, ge=1)
    wall_seconds: float = Field(default=3600.0, gt=0)


class SandboxConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    require: bool = Field(default=False, description="Refuse to run generated code without bubblewrap")
    timeout: float = 120.0
    memory_mb: int = 2048


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default: ModelConfig = Field(default_factory=ModelConfig)
    roles: dict[str, dict[str, Any]] = Field(default_factory=dict, description="Per-role overrides of `default`")
    escalation: ModelConfig | None = None
    coders: int = Field(default=2, ge=1, le=16)
    edit_format: Literal["whole", "search_replace"] = "whole"
    budgets: Budgets = Field(default_factory=Budgets)
    sandbox: SandboxConfig = Field(default_factory=SandboxConfig)
    tmux_socket: str = "crewmux"

    def for_role(self, role: str) -> ModelConfig:
        """The default model with the role's overrides applied."""
        overrides = self.roles.get(role, {})
        return ModelConfig.model_validate({**self.default.model_dump(), **overrides})

    def escalation_model(self, role: str = "coder") -> ModelConfig:
        return self.escalation or self.for_role(role)


class ConfigError(Exception):
    pass


def load_config(project_dir: Path, path: Path | None = None) -> Config:
    """Read ``crewmux.toml`` (if any) from the project. Errors name the file and the key."""
    path = path or Path(project_dir) / CONFIG_FILE
    if not path.is_file():
        return Config()
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise ConfigError(f"{path}: {problems}") from None
