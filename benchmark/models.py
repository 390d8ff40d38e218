"""Model entries of a bench: ``--model NAME`` (with ``--provider`` / ``--base-url``) or a
``--config FILE`` (a whole crewmux.toml, so an escalation setup is one entry).

An entry gives the coder's model for single mode and the config for team mode. For
``--provider local`` the embedded engine is started once per entry and reused for every
task and both modes (`engine_for`).
"""

from __future__ import annotations

import contextlib
import os
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crewmux.runtime.engines import LOCAL_CTX, LOCAL_MAX_TOKENS, LOCAL_TIMEOUTS
from crewmux.config import Config, ModelConfig, load_config



@dataclass
class ModelEntry:
    label: str
    provider: str = "ollama"
    model: str = ""
    base_url: str | None = None
    config_path: Path | None = None
    # Filled in once the entry is live (an engine started, a config read).
    live: dict[str, Any] = field(default_factory=dict)


def entries_from_args(models: list[str], provider: str, base_url: str | None, configs: list[str]) -> list[ModelEntry]:
    found = [ModelEntry(label=m if provider in ("ollama", "local") else f"{provider}:{m}", provider=provider, model=m,
                        base_url=base_url) for m in models]
    for path in configs:
        cfg = load_config(Path(path).parent, Path(path))  # errors name the file and the key
        coder = cfg.for_role("coder")
        found.append(ModelEntry(label=f"{Path(path).stem}:{coder.model}", provider=coder.provider, model=coder.model,
                                config_path=Path(path)))
    labels = [e.label for e in found]
    if len(set(labels)) != len(labels):
        raise ValueError(f"two model entries have the same label ({labels}); give each --config file its own name")
    return found


@contextlib.contextmanager
def engine_for(entry: ModelEntry, log_dir: Path) -> Iterator[ModelEntry]:
    """The entry, live: for ``local`` an engine serving it for as long as the block runs."""
    if entry.provider != "local" or entry.base_url:
        entry.live["coder"] = coder_model(entry)
        yield entry
        return
    try:
        from crewmux.engine.process import EngineProcess
    except ImportError as exc:
        raise RuntimeError(f"--provider local needs the embedded engine (crewmux.engine.process): {exc}; "
                           "install it with pip install 'crewmux[local]'") from None
    safe = entry.label.replace("/", "_").replace(":", "-")
    with EngineProcess.start(entry.model, n_ctx=LOCAL_CTX, log_path=log_dir / f"engine-{safe}.log") as engine:
        entry.live["coder"] = engine.model_config(num_ctx=LOCAL_CTX, max_tokens=LOCAL_MAX_TOKENS, **LOCAL_TIMEOUTS)
        entry.live["engine_url"] = engine.url
        try:
            yield entry
        finally:
            entry.live.clear()


def coder_model(entry: ModelEntry) -> ModelConfig:
    """The model single mode asks (the coder's, for a config entry)."""
    if "coder" in entry.live:
        return entry.live["coder"]
    if entry.config_path is not None:
        return load_config(entry.config_path.parent, entry.config_path).for_role("coder")
    data: dict[str, Any] = {"provider": entry.provider, "model": entry.model}
    if entry.base_url:
        data["base_urls"] = [entry.base_url]
    if entry.provider == "local":
        data.update(num_ctx=LOCAL_CTX, max_tokens=LOCAL_MAX_TOKENS, **LOCAL_TIMEOUTS)
    return ModelConfig.model_validate(data)


def team_config(entry: ModelEntry, *, coders: int, wall_seconds: float) -> dict[str, Any]:
    """The crewmux.toml of a team run, as a dict: the entry's config file, else the one
    model in every role. The bench's wall budget and coder count win."""
    if entry.config_path is not None:
        data = tomllib.loads(entry.config_path.read_text())
    else:
        data = {"default": coder_model(entry).model_dump(exclude_none=True)}
    data["coders"] = coders
    data.setdefault("budgets", {})["wall_seconds"] = wall_seconds
    Config.model_validate(data)  # a bad entry fails here, not inside the team
    return data


def write_toml(path: Path, data: dict[str, Any]) -> None:
    """A crewmux.toml from a dict (the config's shapes only: tables of scalars and lists)."""
    lines: list[str] = []
    tables: list[tuple[str, dict[str, Any]]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append((key, value))
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    while tables:
        name, table = tables.pop(0)
        lines.append(f"\n[{name}]")
        for key, value in table.items():
            if isinstance(value, dict):
                tables.append((f"{name}.{key}", value))
            elif value is not None:
                lines.append(f"{key} = {_toml_value(value)}")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it may hold an api_key
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(lines) + "\n")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")
