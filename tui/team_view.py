"""What the dashboard shows, as plain data: folded from events, state.json, run.json and
plan.json. No Textual here, so every rule (status, counts, filters) is tested directly.

The watcher thread reads files and hands the parsed pieces to :meth:`TeamView.apply`;
widgets read the dataclasses and the ``Changes`` it returns to redraw only what moved.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crewmux.config import SCRIPTED_MODEL, Config
from crewmux.protocol.events import Event
from crewmux.protocol.plan import Plan
from crewmux.protocol.rundir import FINAL_STATUSES, RunInfo
from crewmux.protocol.state import FINISHED, AttemptRecord, RunState

# Agents emit a heartbeat every ~2 s from their own thread; this much silence from a
# process that did not say it stopped means it is gone.
DEAD_AFTER_SECONDS = 15.0
FEED_LIMIT = 2000
TERMINAL_STATUSES = frozenset({"stopped", "dead"})


@dataclass
class AgentView:
    name: str
    role: str = ""
    status: str = "starting"
    task_id: str | None = None
    attempt: int | None = None
    model: str = ""
    tps: float | None = None
    tokens: int = 0
    restarts: int = 0
    starts: int = 0
    last_seen: float | None = None
    last_text: str = ""
    removed: bool = False  # taken out of the team (run.json), kept for the record
    live: dict[str, Any] | None = None  # the model request in flight, from the last heartbeat

    def shown_status(self, now: float, run_finished: bool = False) -> str:
        """The status to display: the agent's own, or ``dead`` once it fell silent."""
        if self.removed and self.status in TERMINAL_STATUSES | {"starting"}:
            return "removed"
        if self.status in TERMINAL_STATUSES or self.last_seen is None or run_finished:
            return self.status
        if now - self.last_seen > DEAD_AFTER_SECONDS:
            return "dead"
        return self.status

    @property
    def task_label(self) -> str:
        if not self.task_id:
            return ""
        return f"{self.task_id} #{self.attempt}" if self.attempt else self.task_id


@dataclass
class TaskView:
    id: str
    title: str
    state: str = "pending"
    depends_on: list[str] = field(default_factory=list)
    assignee: str | None = None
    attempts: list[AttemptRecord] = field(default_factory=list)
    reason: str = ""
    merged_commit: str | None = None
    description: str = ""
    files: list[str] = field(default_factory=list)
    acceptance: list[str] = field(default_factory=list)

    @property
    def diff_commit(self) -> str | None:
        """The commit whose diff shows this task's work: merged, else the newest attempt's."""
        if self.merged_commit:
            return self.merged_commit
        for attempt in reversed(self.attempts):
            if attempt.commit:
                return attempt.commit
        return None


@dataclass(frozen=True)
class FeedEntry:
    ts: float
    sender: str
    recipient: str
    type: str
    summary: str
    task_id: str | None

    def matches(self, words: list[str]) -> bool:
        """Every word must name the sender, the recipient or the type (prefixes count)."""
        fields = (self.sender, self.recipient, self.type)
        return all(any(value.startswith(word) for value in fields) for word in words)


def filter_feed(entries: list[FeedEntry] | deque[FeedEntry], query: str) -> list[FeedEntry]:
    words = query.lower().split()
    if not words:
        return list(entries)
    return [entry for entry in entries if entry.matches(words)]


@dataclass
class Changes:
    """What one :meth:`TeamView.apply` changed, so widgets redraw only that."""

    agents: set[str] = field(default_factory=set)
    new_agents: list[str] = field(default_factory=list)
    tasks: bool = False
    header: bool = False
    feed: list[FeedEntry] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.agents or self.new_agents or self.tasks or self.header or self.feed)


@dataclass
class Counts:
    passed: int = 0
    failed: int = 0
    left: int = 0


@dataclass
class TeamView:
    run_id: str
    brief: str = ""
    run_status: str = "starting"
    created_at: float | None = None
    finished_at: float | None = None
    sandbox: str = ""  # what the team says (QA's event or run.json): authoritative
    sandbox_probe: str = ""  # what the dashboard's own probe found on this machine
    config: Config | None = None
    phase: str = ""
    state_tokens: int = 0
    cost: float = 0.0  # dollars, from the llm events of priced models
    agents: dict[str, AgentView] = field(default_factory=dict)
    tasks: dict[str, TaskView] = field(default_factory=dict)
    feed: deque[FeedEntry] = field(default_factory=lambda: deque(maxlen=FEED_LIMIT))
    plan: Plan | None = None
    state: RunState | None = None
    loaded: bool = False

    # -- folding inputs -------------------------------------------------------------
    def apply(
        self,
        *,
        info: RunInfo | None = None,
        plan: Plan | None = None,
        state: RunState | None = None,
        events: list[Event] = (),  # type: ignore[assignment]
    ) -> Changes:
        changes = Changes()
        if info is not None:
            self._apply_info(info, changes)
        if plan is not None:
            self.plan = plan
            self._rebuild_tasks()
            changes.tasks = changes.header = True
        if state is not None:
            self.state = state
            self.phase = state.phase
            self.state_tokens = state.tokens
            self._rebuild_tasks()
            changes.tasks = changes.header = True
        for event in events:
            self._apply_event(event, changes)
        return changes

    def _agent(self, name: str, changes: Changes) -> AgentView:
        agent = self.agents.get(name)
        if agent is None:
            agent = self.agents[name] = AgentView(name=name)
            changes.new_agents.append(name)
            if self.config is not None:
                self._default_model(agent)
        changes.agents.add(name)
        return agent

    def _default_model(self, agent: AgentView) -> None:
        if not agent.model and agent.role and self.config is not None:
            agent.model = self.config.for_role(agent.role).model

    def _apply_info(self, info: RunInfo, changes: Changes) -> None:
        self.brief = info.brief
        self.run_status = info.status
        self.created_at = _timestamp(info.created_at)
        self.finished_at = _timestamp(info.finished_at) if info.finished_at else None
        if info.config:
            try:
                self.config = Config.model_validate(info.config)
            except ValueError:
                self.config = None  # a config from a newer crewmux: show the rest anyway
            described = info.config.get("sandbox_description")
            if isinstance(described, str) and described and not self.sandbox:
                self.sandbox = described
        for spec in info.agents:
            agent = self._agent(spec.name, changes)
            agent.role = spec.role
            # ``removed`` arrives with the tmux runtime's AgentSpec; older run.json lack it.
            agent.removed = bool(getattr(spec, "removed", False))
            self._default_model(agent)
        changes.header = True

    def _apply_event(self, event: Event, changes: Changes) -> None:
        agent = self._agent(event.agent, changes)
        agent.last_seen = event.ts if agent.last_seen is None else max(agent.last_seen, event.ts)
        data = event.data
        if event.kind == "started":
            agent.starts += 1
            agent.restarts = max(agent.restarts, agent.starts - 1)
            role = data.get("role")
            if isinstance(role, str) and role and not agent.role:
                agent.role = role
        elif event.kind == "restart":
            agent.restarts += 1
        elif event.kind == "llm":
            if event.tokens:
                agent.tokens += event.tokens
            cost = data.get("cost")
            if isinstance(cost, (int, float)) and cost > 0:
                self.cost += float(cost)
            agent.live = None
            changes.header = True
        elif event.kind == "message":
            entry = FeedEntry(
                ts=event.ts,
                sender=event.agent,
                recipient=str(data.get("recipient", "")),
                type=str(data.get("type", "")),
                summary=str(data.get("summary", "")),
                task_id=event.task_id,
            )
            self.feed.append(entry)
            changes.feed.append(entry)
        if event.tps is not None:
            agent.tps = event.tps
        model = data.get("model")
        if isinstance(model, str) and model:
            agent.model = model
        sandbox = data.get("sandbox")
        if isinstance(sandbox, str) and sandbox:
            self.sandbox = sandbox
            changes.header = True
        if event.status is not None:
            agent.status = event.status
        if event.kind in ("status", "started", "heartbeat"):
            agent.task_id = event.task_id
            agent.attempt = event.attempt
        if event.kind == "heartbeat":
            live = data.get("llm")
            agent.live = live if isinstance(live, dict) else None
        if event.text and event.kind != "heartbeat":
            agent.last_text = event.text

    def _rebuild_tasks(self) -> None:
        plan_tasks = {task.id: task for task in self.plan.tasks} if self.plan else {}
        tasks: dict[str, TaskView] = {}
        records = self.state.tasks if self.state else {}
        for task_id, planned in plan_tasks.items():
            tasks[task_id] = TaskView(id=task_id, title=planned.title, depends_on=list(planned.depends_on))
        for task_id, record in records.items():
            tasks[task_id] = TaskView(
                id=task_id,
                title=record.title,
                state=record.status,
                depends_on=list(record.depends_on),
                assignee=record.assignee,
                attempts=list(record.attempts),
                reason=record.reason,
                merged_commit=record.merged_commit,
            )
        for task_id, view in tasks.items():
            planned = plan_tasks.get(task_id)
            if planned is not None:
                view.description = planned.description
                view.files = list(planned.files)
                view.acceptance = list(planned.acceptance)
        self.tasks = tasks

    # -- what the header shows --------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.run_status in FINAL_STATUSES

    def counts(self) -> Counts:
        counts = Counts()
        for task in self.tasks.values():
            if task.state == "passed":
                counts.passed += 1
            elif task.state in FINISHED:
                counts.failed += 1
            else:
                counts.left += 1
        return counts

    @property
    def tokens(self) -> int:
        return max(self.state_tokens, sum(agent.tokens for agent in self.agents.values()))

    def elapsed(self, now: float) -> float:
        if self.created_at is None:
            return 0.0
        end = self.finished_at if self.finished_at is not None else now
        return max(0.0, end - self.created_at)

    @property
    def scripted(self) -> bool:
        """The run talks to crewmux's scripted demo model, not a real one."""
        return self.config is not None and self.config.default.model == SCRIPTED_MODEL

    def activity(self, agent: AgentView) -> str:
        """What the agent's model request is doing: waiting (and behind whom, when another
        agent on the same model is writing: one engine serves one request at a time on a
        CPU) or writing, with its tokens so far."""
        live = agent.live
        if not live or agent.status in TERMINAL_STATUSES:
            return ""
        if live.get("phase") == "writing":
            return f"writing {live.get('tokens', 0)} tok"
        waited = f"waiting {format_elapsed(float(live.get('seconds') or 0))}"
        writers = [other.name for other in self.agents.values()
                   if other is not agent and other.live and other.live.get("phase") == "writing" and other.model == agent.model]
        return f"{waited}, queued behind {writers[0]}" if writers else f"{waited} for the model"

    def live_tps(self, agent: AgentView) -> float | None:
        """Tokens/s of the reply being written, else of the last one."""
        if agent.live and agent.live.get("phase") == "writing" and agent.live.get("tps") is not None:
            return float(agent.live["tps"])
        return agent.tps

    @property
    def model_label(self) -> str:
        """Which model the run's roles talk to, and where (the embedded engine named as such)."""
        if self.config is None or self.scripted:
            return ""
        model = self.config.default
        if model.provider == "local":
            return f"{model.model} on the embedded engine"
        return f"{model.model} ({model.provider})"

    @property
    def sandbox_label(self) -> str:
        if self.sandbox:
            return self.sandbox
        if self.sandbox_probe:
            return f"{self.sandbox_probe} (probed by the dashboard)"
        return "sandbox unknown"


def _timestamp(moment: datetime) -> float:
    return moment.timestamp()


def format_elapsed(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def format_tokens(tokens: int) -> str:
    if tokens >= 1_000_000:
        return f"{tokens / 1_000_000:.1f}M"
    if tokens >= 10_000:
        return f"{tokens / 1000:.0f}k"
    if tokens >= 1000:
        return f"{tokens / 1000:.1f}k"
    return str(tokens)
