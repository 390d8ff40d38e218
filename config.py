"""crewmux.toml: which model each role uses, how many coders, the budgets.

Precedence, lowest first: built-in defaults, the user's config
(``$XDG_CONFIG_HOME/crewmux/config.toml``, else ``~/.config/crewmux/config.toml``: a
server, a key, prices, used by every project), the project's ``crewmux.toml``, the
ecosystem's variables (``OLLAMA_HOST``, ``OPENAI_BASE_URL``, ``OPENAI_API_KEY``,
``ANTHROPIC_API_KEY``), flags.
The resolved config is stored in ``run.json`` so every agent of a run sees the same one.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from pathlib import Path
from typing import Any, Literal, Mapping
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from crewmux.protocol.rundir import DEFAULT_SOCKET
from crewmux.protocol.validation import error_lines

CONFIG_FILE = "crewmux.toml"
USER_CONFIG = Path("crewmux") / "config.toml"  # under $XDG_CONFIG_HOME, else ~/.config
SCRIPTED_MODEL = "crewmux-scripted-demo"  # the built-in scripted model server's one model (a demo team)
# "local": crewmux's embedded llama.cpp engine (engine/), OpenAI-compatible on loopback. With
# no base_urls, a run starts the engine itself as a service; with base_urls, it uses that engine.
Provider = Literal["local", "ollama", "openai", "anthropic"]
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

    @model_validator(mode="before")
    @classmethod
    def _single_base_url(cls, data: Any) -> Any:
        # `base_url = "..."` in crewmux.toml is the common case of one endpoint.
        if isinstance(data, dict) and "base_url" in data:
            data = dict(data)
            url = data.pop("base_url")
            if url:
                data.setdefault("base_urls", [])
                data["base_urls"] = [url, *data["base_urls"]]
        return data


class Budgets(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attempts_per_task: int = Field(default=3, ge=1)
    escalate_after: int = Field(default=2, ge=1, description="Failed attempts before the escalation model takes over")
    tokens: int = Field(default=2_000_000, ge=1)
    wall_seconds: float = Field(default=3600.0, gt=0)
    split_failing: bool = Field(default=False, description="Ask the CTO to split a task that used up its attempts (once per task)")


class SandboxConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    require: bool = Field(default=False, description="Refuse to run generated code without bubblewrap")
    timeout: float = 120.0
    memory_mb: int = 2048


class DepsConfig(BaseModel):
    """What a project's manifests may have installed for its checks (workspace/deps.py)."""

    model_config = ConfigDict(extra="forbid")

    policy: Literal["all", "allow", "none"] = Field(default="all", description="all: any declared package; allow: only `allow`; none: nothing")
    allow: list[str] = Field(default_factory=list, description="Package names installed under policy = \"allow\"")
    timeout: float = Field(default=300.0, gt=0, description="Seconds one install may take")


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default: ModelConfig = Field(default_factory=ModelConfig)
    roles: dict[str, dict[str, Any]] = Field(default_factory=dict, description="Per-role overrides of `default`")
    escalation: ModelConfig | None = None
    coders: int = Field(default=2, ge=1, le=16)
    edit_format: Literal["whole", "search_replace"] = "whole"
    budgets: Budgets = Field(default_factory=Budgets)
    sandbox: SandboxConfig = Field(default_factory=SandboxConfig)
    deps: DepsConfig = Field(default_factory=DepsConfig)
    tmux_socket: str = DEFAULT_SOCKET

    def for_role(self, role: str) -> ModelConfig:
        """The default model with the role's overrides applied.

        A role that switches provider does not inherit the default's endpoints or key
        (an Ollama URL means nothing to Anthropic).
        """
        overrides = self.roles.get(role, {})
        base = self.default.model_dump()
        if overrides.get("provider", base["provider"]) != base["provider"]:
            base["base_urls"], base["api_key"] = [], None
        return ModelConfig.model_validate({**base, **overrides})

    def escalation_model(self, role: str = "coder") -> ModelConfig:
        return self.escalation or self.for_role(role)


class ConfigError(Exception):
    pass


def user_config_path(environ: Mapping[str, str]) -> Path | None:
    """Where the user's own config lives (XDG base directories); None without a home."""
    if base := environ.get("XDG_CONFIG_HOME"):
        return Path(base) / USER_CONFIG
    if home := environ.get("HOME"):
        return Path(home) / ".config" / USER_CONFIG
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from None


MODEL_TABLES = ("default", "escalation")
ENDPOINT_KEYS = ("base_url", "base_urls", "api_key")


def merge_config(under: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` (the project's file) on top of ``under`` (the user's), table by table. A
    model table that names its own endpoints replaces the other's (``base_url`` and
    ``base_urls`` are one setting), and one that switches provider keeps none of the
    other's endpoints or key (an Ollama URL means nothing to Anthropic)."""
    merged = dict(under)
    for key, value in over.items():
        below = merged.get(key)
        if isinstance(value, dict) and isinstance(below, dict):
            if key in MODEL_TABLES or key in ROLES:
                below = dict(below)
                if any(k in value for k in ENDPOINT_KEYS[:2]):
                    below.pop("base_url", None)
                    below.pop("base_urls", None)
                if "provider" in value and value["provider"] != below.get("provider", value["provider"]):
                    for k in ENDPOINT_KEYS:
                        below.pop(k, None)
            merged[key] = merge_config(below, value)
        else:
            merged[key] = value
    return merged


def load_config(project_dir: Path, path: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read the user's config and the project's ``crewmux.toml`` (either may be missing),
    the project's on top, with the provider the environment names when neither names one.
    Errors name the file and the key."""
    environ = os.environ if environ is None else environ
    path = path or Path(project_dir) / CONFIG_FILE
    user_path = user_config_path(environ)
    user = _read_toml(user_path) if user_path is not None else {}
    if user and user_path is not None:
        try:
            Config.model_validate(user)  # its own mistakes named in its own file
        except ValidationError as exc:
            raise ConfigError(f"{user_path}: {'; '.join(_config_errors(exc))}") from None
    data = with_environment_provider(merge_config(user, _read_toml(path)), environ)
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        where = f"{path} (over {user_path})" if user else str(path)
        raise ConfigError(f"{where}: {'; '.join(_config_errors(exc))}") from None


def environment_provider(environ: Mapping[str, str]) -> str | None:
    """The provider a server variable alone selects: ``OPENAI_BASE_URL`` (vLLM, llama.cpp,
    LM Studio) means an OpenAI-compatible server unless ``OLLAMA_HOST`` names an Ollama."""
    if environ.get(URL_VARIABLES["ollama"]):
        return None
    if environ.get(URL_VARIABLES["openai"]):
        return "openai"
    if environ.get(URL_VARIABLES["anthropic"]):
        return "anthropic"
    return None


def with_environment_provider(data: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """``data`` (crewmux.toml) with ``default.provider`` from the environment when the file
    does not name one: the README says a server variable alone will do."""
    provider = environment_provider(environ)
    default = data.get("default", {})
    if provider is None or not isinstance(default, dict) or "provider" in default:
        return data
    return {**data, "default": {**default, "provider": provider}}


def _config_errors(exc: ValidationError, limit: int = 5) -> list[str]:
    """``where: what`` per error; an unknown key gets the nearest known one."""
    known = {name for model in (Config, ModelConfig, Budgets, SandboxConfig, DepsConfig) for name in model.model_fields} | {"base_url"}
    lines = error_lines(exc, limit)
    for i, error in enumerate(exc.errors()[:limit]):
        if error["type"] == "extra_forbidden" and error["loc"]:
            close = difflib.get_close_matches(str(error["loc"][-1]), sorted(known), n=1)
            if close:
                lines[i] += f" (did you mean {close[0]!r}?)"
    return lines


# --- endpoints and keys from the ecosystem's variables ------------------------------------

DEFAULT_URLS = {
    "ollama": "http://127.0.0.1:11434",
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com",
}
URL_VARIABLES = {"ollama": "OLLAMA_HOST", "openai": "OPENAI_BASE_URL", "anthropic": "ANTHROPIC_BASE_URL"}
KEY_VARIABLES = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}


def normalize_base_url(provider: str, url: str) -> str:
    """The URL the client puts its paths after, from the forms users write.

    Ollama: OLLAMA_HOST style (`0.0.0.0`, `host:port`, no scheme) with port 11434 by
    default. OpenAI-compatible: `/v1` is added when the URL has no path. Anthropic: a
    trailing `/v1` is dropped (the client adds `/v1/messages`).
    """
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    if host == "0.0.0.0":
        host = "127.0.0.1"  # a bind-everything address; connect to this machine
    port = parts.port
    if provider == "ollama" and port is None and parts.scheme == "http":
        port = 11434
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    path = parts.path.rstrip("/")
    if provider == "openai" and not path:
        path = "/v1"
    if provider == "anthropic" and path.endswith("/v1"):
        path = path[: -len("/v1")]
    return urlunsplit((parts.scheme, netloc, path, "", ""))


def model_endpoints(model: ModelConfig, environ: Mapping[str, str] | None = None) -> list[str]:
    """The model's base URLs: from the config, else the provider's variable, else the default."""
    environ = os.environ if environ is None else environ
    urls = list(model.base_urls)
    if not urls and model.provider == "local":
        raise ValueError(
            f"the local engine for {model.model} has no address: a run starts it (crewmux run), "
            "or start it yourself with `crewmux serve MODEL --port N` and set base_url"
        )
    if not urls:
        urls = [environ.get(URL_VARIABLES[model.provider]) or DEFAULT_URLS[model.provider]]
    wire = "openai" if model.provider == "local" else model.provider
    return [normalize_base_url(wire, url) for url in urls]


def model_api_key(model: ModelConfig, environ: Mapping[str, str] | None = None) -> str | None:
    """The API key: from the config, else the provider's variable (keys stay out of run.json)."""
    environ = os.environ if environ is None else environ
    if model.api_key:
        return model.api_key
    variable = KEY_VARIABLES.get(model.provider)  # none for "local": a run's engine key is in its config
    return environ.get(variable) or None if variable else None


def resolve_model(model: ModelConfig, environ: Mapping[str, str] | None = None) -> ModelConfig:
    """A copy with its endpoints filled in, as a run records it; the key is not filled in."""
    return model.model_copy(update={"base_urls": model_endpoints(model, environ)})


def resolve_endpoints(config: Config, environ: Mapping[str, str] | None = None) -> Config:
    """The config with every model's endpoints written out (default, each role's override,
    escalation), as a run stores it: a resumed run then talks to the servers it started
    with, whatever the shell it is resumed from has in OLLAMA_HOST or OPENAI_BASE_URL.
    A local model without an address is left alone (the run starts its engine)."""
    environ = os.environ if environ is None else environ

    def resolved(model: ModelConfig) -> list[str]:
        if model.provider == "local" and not model.base_urls:
            return []
        return model_endpoints(model, environ)

    roles = {}
    for role, overrides in config.roles.items():
        urls = resolved(config.for_role(role))
        roles[role] = {**overrides, "base_urls": urls} if urls else dict(overrides)
    escalation = config.escalation
    if escalation is not None:
        escalation = escalation.model_copy(update={"base_urls": resolved(escalation)})
    default = config.default.model_copy(update={"base_urls": resolved(config.default)})
    return config.model_copy(update={"default": default, "roles": roles, "escalation": escalation})
