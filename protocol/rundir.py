"""The run directory: where everything one run knows lives on disk.

    .crewmux/runs/<run-id>/
      run.json  plan.json  state.json  report.md  report.json
      mail/<agent>/{tmp,new,cur,done,failed}/
      events/<agent>.jsonl   llm/<agent>.jsonl   logs/<agent>.log
      worktrees/<agent>/     artifacts/ (screenshots, QA output)
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from crewmux.protocol.fsutil import atomic_write_json
from crewmux.protocol.ids import new_run_id, utcnow
from crewmux.protocol.mailbox import ensure_mailbox

RUNS_DIR = Path(".crewmux") / "runs"
# Names every side of a run uses (agents, runtime, dashboard, CLI), written once here.
COORDINATOR = "coordinator"  # the coordinator's agent name (and role)
CTO = "cto"
DASHBOARD = "dashboard"  # the dashboard's own mailbox name
RUNTIME = "runtime"  # sender of the tmux runtime's notices (a coder was added, removed...)
DEFAULT_SOCKET = "crewmux"  # crewmux's own tmux server (``tmux -L crewmux``), apart from the user's

FinalStatus = Literal["succeeded", "partial", "failed", "stopped"]
RunStatus = Literal["starting", "planning", "running", FinalStatus]
FINAL_STATUSES: frozenset[str] = frozenset(get_args(FinalStatus))


class AgentSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    role: Literal["coordinator", "cto", "coder", "qa"]
    removed: bool = False  # taken out of the team while the run goes on (kept for the record)


def build_agents(coders: int, qa: int) -> list[AgentSpec]:
    """A team's roster: the coordinator, the CTO, ``coders`` coders and ``qa`` QA agents."""
    agents = [AgentSpec(name=COORDINATOR, role="coordinator"), AgentSpec(name=CTO, role="cto")]
    agents += [AgentSpec(name=f"coder-{i}", role="coder") for i in range(1, coders + 1)]
    agents += [AgentSpec(name="qa" if qa == 1 else f"qa-{i}", role="qa") for i in range(1, qa + 1)]
    return agents


class RunInfo(BaseModel):
    """``run.json``: what the run is, as decided when it started."""

    model_config = ConfigDict(extra="forbid")

    run_id: str
    brief: str
    project_dir: str
    branch: str
    created_at: datetime = Field(default_factory=utcnow)
    status: RunStatus = "starting"
    reason: str = ""
    agents: list[AgentSpec] = Field(default_factory=list)
    config: dict[str, Any] = Field(default_factory=dict)
    tmux_socket: str | None = None
    tmux_session: str | None = None
    finished_at: datetime | None = None


class RunDir:
    def __init__(self, path: Path) -> None:
        self.path = Path(path).resolve()

    # -- paths ------------------------------------------------------------------
    @property
    def run_id(self) -> str:
        return self.path.name

    @property
    def run_json(self) -> Path:
        return self.path / "run.json"

    @property
    def plan_json(self) -> Path:
        return self.path / "plan.json"

    @property
    def state_json(self) -> Path:
        return self.path / "state.json"

    @property
    def report_md(self) -> Path:
        return self.path / "report.md"

    @property
    def report_json(self) -> Path:
        return self.path / "report.json"

    @property
    def mail_root(self) -> Path:
        return self.path / "mail"

    @property
    def events_dir(self) -> Path:
        return self.path / "events"

    @property
    def logs_dir(self) -> Path:
        return self.path / "logs"

    @property
    def artifacts_dir(self) -> Path:
        return self.path / "artifacts"

    def mailbox(self, agent: str) -> Path:
        return self.mail_root / agent

    def events(self, agent: str) -> Path:
        return self.events_dir / f"{agent}.jsonl"

    def llm_log(self, agent: str) -> Path:
        return self.path / "llm" / f"{agent}.jsonl"

    def log(self, agent: str) -> Path:
        return self.logs_dir / f"{agent}.log"

    def worktree(self, agent: str) -> Path:
        return self.path / "worktrees" / agent

    @property
    def project_dir(self) -> Path:
        # .crewmux/runs/<id> -> the project
        return self.path.parent.parent.parent

    # -- run.json -----------------------------------------------------------------
    def info(self) -> RunInfo:
        return RunInfo.model_validate_json(self.run_json.read_bytes())

    def save_info(self, info: RunInfo) -> None:
        atomic_write_json(self.run_json, info.model_dump(mode="json"))

    @contextmanager
    def _info_lock(self) -> Iterator[None]:
        # Several processes change run.json (the coordinator its status, the runtime its
        # agents and tmux fields): read-modify-write under one lock, or one loses the other's.
        with open(self.path / ".run.json.lock", "ab") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def update_info(self, **changes: Any) -> RunInfo:
        return self.edit_info(lambda info: info.model_copy(update=changes))

    def edit_info(self, change: Callable[[RunInfo], RunInfo]) -> RunInfo:
        """Apply ``change`` to run.json as one step between processes."""
        with self._info_lock():
            info = change(self.info())
            self.save_info(info)
        return info

    def add_agent(self, agent: AgentSpec) -> None:
        ensure_mailbox(self.mailbox(agent.name))

        def add(info: RunInfo) -> RunInfo:
            if any(a.name == agent.name for a in info.agents):
                return info
            return info.model_copy(update={"agents": [*info.agents, agent]})

        self.edit_info(add)

    def retire_stops(self) -> list[str]:
        """Move every stop or restart still waiting in a mailbox (new, or claimed by an
        agent that ended before it filed it) to ``done/``; the files moved.

        Called when a stopped run is resumed: the stop that ended it was for the old team,
        and an agent that read it again on start would leave at once."""
        moved: list[str] = []
        if not self.mail_root.is_dir():
            return moved
        for box in sorted(self.mail_root.iterdir()):
            waiting = [box / "new", *sorted((box / "cur").glob("*"))]
            for folder in waiting:
                for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
                    try:
                        data = json.loads(path.read_bytes())
                    except (OSError, ValueError):
                        continue  # not ours to judge: the reader sends it to failed/
                    if isinstance(data, dict) and data.get("type") == "control" and data.get("action") in ("stop", "restart"):
                        (box / "done").mkdir(exist_ok=True)
                        try:
                            os.rename(path, box / "done" / path.name)
                        except FileNotFoundError:
                            continue  # its reader took it meanwhile
                        moved.append(f"{box.name}/{path.relative_to(box)}")
        return moved

    # -- creating and finding -------------------------------------------------------
    @classmethod
    def create(
        cls,
        project_dir: Path,
        brief: str,
        agents: list[AgentSpec],
        config: dict[str, Any] | None = None,
        run_id: str | None = None,
    ) -> "RunDir":
        project_dir = Path(project_dir).resolve()
        run_id = run_id or new_run_id(brief)
        run = cls(project_dir / RUNS_DIR / run_id)
        run.path.parent.mkdir(parents=True, exist_ok=True)
        # Only the user: run.json holds the config (an api_key from crewmux.toml with it),
        # and the LLM logs hold every prompt and reply.
        run.path.mkdir(mode=0o700)
        for sub in ("events", "llm", "logs", "worktrees", "artifacts", "mail"):
            (run.path / sub).mkdir()
        for agent in [*agents, AgentSpec(name=DASHBOARD, role="coordinator")]:
            ensure_mailbox(run.mailbox(agent.name))
        run.save_info(
            RunInfo(
                run_id=run_id,
                brief=brief,
                project_dir=str(project_dir),
                branch=f"crewmux/{run_id}",
                agents=agents,
                config=config or {},
            )
        )
        return run


def list_runs(project_dir: Path) -> list[RunDir]:
    """Every run of a project, oldest first (run ids sort by start time)."""
    root = Path(project_dir) / RUNS_DIR
    if not root.is_dir():
        return []
    return [RunDir(p) for p in sorted(root.iterdir()) if (p / "run.json").is_file()]


def find_run(project_dir: Path, run: str | None) -> RunDir:
    """A run by id, unique id prefix, or path; the newest run when ``run`` is None."""
    if run and Path(run).is_dir() and (Path(run) / "run.json").is_file():
        return RunDir(Path(run))
    runs = list_runs(project_dir)
    if not runs:
        raise LookupError(f"no crewmux runs in {Path(project_dir).resolve()}: start one with `crewmux run \"a brief\"`")
    if run is None:
        return runs[-1]
    matches = [r for r in runs if r.run_id == run] or [r for r in runs if r.run_id.startswith(run)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise LookupError(f"no run {run!r}; `crewmux ls` lists the runs")
    raise LookupError(f"{run!r} matches {len(matches)} runs; give more of the id")


UNFINISHED: frozenset[str] = frozenset({"starting", "planning", "running"})


def newest_unfinished_or_newest(project_dir: Path) -> RunDir:
    """The newest run still going, else the newest run: what ``crewmux dashboard`` without
    RUN opens (a finished run started later should not hide the one that is running)."""
    newest = find_run(project_dir, None)
    for run in reversed(list_runs(project_dir)):
        try:
            if run.info().status in UNFINISHED:
                return run
        except (OSError, ValueError):
            continue
    return newest
