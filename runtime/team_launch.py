"""What a run's processes are started with: their command lines and environment.

Shared by the runtime (which starts the team) and the supervisor (which restarts it), so a
restarted or resumed agent runs exactly the command it was first started with.

``launch.json`` in the run directory records which class each role runs when it is not
the built-in one (``package.module:Class``, as ``python -m crewmux.agents`` accepts), so
``crewmux resume`` and the supervisor bring back the same team.

API keys never reach a pane's command line or its ``-e`` environment (both show in
``ps``): the user's provider keys and a random key per model server the run starts are
kept in the run's ``secrets.json`` (0600, ``protocol.run_secrets``), made here at the
run's start; agents and servers read them from there.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crewmux.config import KEY_VARIABLES, URL_VARIABLES
from crewmux.protocol.fsutil import atomic_write_json
from crewmux.protocol.run_secrets import SECRETS_FILE, RunSecrets
from crewmux.protocol.rundir import AgentSpec, RunDir

LAUNCH_FILE = "launch.json"
TEAM_WINDOW = "team"
SUPERVISOR_WINDOW = "supervisor"

# Variables a pane needs from the environment that starts it. tmux gives a pane the
# environment of the server (whoever started it first), not of the caller, so these are
# passed explicitly on every spawn, with the model servers' URL variables. Key variables
# are not: they go into the run's secrets.json (see run_secrets).
PASSED_ENV = (
    "PYTHONPATH", "PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR",
    "VIRTUAL_ENV", "PYTHONPYCACHEPREFIX",
    "TMUX_TMPDIR",  # the supervisor finds crewmux's server (tmux -L) through it
    # Where the caller keeps models, data and config, and which engine it chose: an agent
    # that starts or finds an engine, or writes episodes, must see the caller's choices.
    "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME",
    "CREWMUX_ENGINE", "CREWMUX_MODELS_DIR", "CREWMUX_DATA_DIR", "CREWMUX_HF_ENDPOINT", "CREWMUX_NOTIFY",
    *URL_VARIABLES.values(),
)  # fmt: skip
KEY_ENV = tuple(KEY_VARIABLES.values())
API_KEY_FLAG = "--api-key-file"


class Service(BaseModel):
    """A process the team needs besides its agents (the scripted model server), run in
    its own window of the run's session and brought back by ``crewmux resume``."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9-]{0,31}$", description="Its window's name")
    argv: list[str] = Field(min_length=1)
    url: str | None = Field(
        default=None,
        description="The model server's base URL, when it is one: the run makes it a random key "
        "(secrets.json) and starts it with `--api-key-file <run>/secrets.json`",
    )


class LaunchInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    services: list[Service] = Field(default_factory=list)
    roles: dict[str, str] = Field(default_factory=dict, description="role -> ROLE argument, when not the built-in role")
    check_interval: float = Field(default=2.0, gt=0, description="Seconds between the supervisor's checks")
    restart_policy: dict[str, float] = Field(default_factory=dict, description="RestartPolicy fields that differ from the defaults")


class LaunchError(Exception):
    pass


def launch_path(run: RunDir) -> Path:
    return run.path / LAUNCH_FILE


def save_launch(run: RunDir, info: LaunchInfo) -> None:
    atomic_write_json(launch_path(run), info.model_dump(mode="json"))


def load_launch(run: RunDir) -> LaunchInfo:
    path = launch_path(run)
    if not path.is_file():
        return LaunchInfo()
    try:
        return LaunchInfo.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        raise LaunchError(f"{path} is not a valid launch record ({exc.error_count()} errors); delete it to use the built-in roles") from None


def secrets_path(run: RunDir) -> Path:
    return run.path / SECRETS_FILE


def make_secrets(run: RunDir, services: list[Service], environ: Mapping[str, str]) -> RunSecrets:
    """The run's secrets.json, written at its start: the provider keys of ``environ`` and a
    key for each model server. Kept keys stay (a resumed run's servers keep theirs)."""
    path = secrets_path(run)
    secrets = RunSecrets.load(path)
    secrets.env.update({key: environ[key] for key in KEY_ENV if environ.get(key)})
    for service in services:
        if service.url:
            secrets.add_endpoint(service.url)
    secrets.save(path)
    return secrets


def service_argv(run: RunDir, service: Service) -> list[str]:
    """What a service is started with: its argv, and the key file for a model server."""
    if service.url and API_KEY_FLAG not in service.argv:
        return [*service.argv, API_KEY_FLAG, str(secrets_path(run))]
    return list(service.argv)


def team_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    environ = os.environ if environ is None else environ
    env = {key: environ[key] for key in PASSED_ENV if key in environ}
    env["PYTHONUNBUFFERED"] = "1"  # the pane shows the log as it happens
    return env


def agent_argv(run: RunDir, spec: AgentSpec, launch: LaunchInfo) -> list[str]:
    role = launch.roles.get(spec.role, spec.role)
    return [sys.executable, "-m", "crewmux.agents", role, "--run", str(run.path), "--name", spec.name]


def supervisor_argv(run: RunDir, socket_name: str) -> list[str]:
    # Its settings come from launch.json, so a resumed supervisor behaves the same.
    return [sys.executable, "-m", "crewmux.runtime.supervisor", "--run", str(run.path), "--socket", socket_name]


def pane_title(spec: AgentSpec) -> str:
    return f"{spec.name} ({spec.role})"
