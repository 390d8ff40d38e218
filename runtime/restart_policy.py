"""When to restart an agent: pure decisions from what the supervisor observed.

No tmux, no files: the supervisor turns one ``list-panes`` line and the agent's newest
event into an :class:`Observation`, and acts on the :class:`RestartDecision`. Services (the model
servers a run starts) get the same decisions with the same backoff, except that they
write no events (only their exit counts) and any exit of theirs is a crash: a service is
never done while the run goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from crewmux.protocol.exit_codes import RESTART_EXIT_CODE

Action = Literal["ok", "wait", "restart", "create", "done", "give_up", "ignore"]


@dataclass(frozen=True)
class RestartPolicy:
    max_crashes: int = 5  # crash restarts allowed within `window` seconds
    window: float = 600.0
    backoff_base: float = 1.0  # seconds before the first crash restart; doubles each time
    backoff_max: float = 30.0
    silent_after: float = 30.0  # a live process with no event for this long is hung
    start_grace: float = 20.0  # a fresh process gets this long to write its first event
    status_grace: float = 2.0  # tmux marks a pane dead a moment before it knows the exit status

    def backoff(self, recent_crashes: int) -> float:
        return min(self.backoff_max, self.backoff_base * (2 ** recent_crashes))


@dataclass(frozen=True)
class Observation:
    has_pane: bool
    dead: bool = False
    exit_status: int | None = None
    exit_signal: int | None = None
    pid: int | None = None
    last_event_at: float | None = None  # newest event the agent itself wrote
    beats: bool = True  # False for a service: it writes no events, so silence means nothing


@dataclass(frozen=True)
class RestartDecision:
    action: Action
    reason: str = ""
    kill: bool = False  # the process is still running (hung): kill it to restart
    crash: bool = False  # counts against the crash budget


@dataclass
class RestartTracker:
    """One agent's restart history; ``observe`` decides and remembers."""

    policy: RestartPolicy
    spawned_at: float
    crashes: list[float] = field(default_factory=list)
    restart_at: float | None = None  # a crash restart waits until then (backoff)
    gave_up: bool = False
    pid: int | None = None
    status_unknown_since: float | None = None
    fresh: bool = False  # the process started at spawned_at (False: it ran before we looked)

    def observe(self, obs: Observation, now: float) -> RestartDecision:
        if obs.pid is not None and obs.pid != self.pid:
            if self.pid is not None and not obs.dead:
                # Someone else (a user, `crewmux resume`) started it again: a fresh start.
                self.gave_up = False
                self.restart_at = None
                self.spawned_at = now
                self.fresh = True
            self.pid = obs.pid
        if self.gave_up:
            return RestartDecision("ignore", "gave up restarting")
        if not obs.has_pane:
            return self._crash(now, "its pane is gone", create=True)
        if obs.dead and obs.exit_status is None and obs.exit_signal is None:
            if self.status_unknown_since is None:
                self.status_unknown_since = now
            if now - self.status_unknown_since < self.policy.status_grace:
                return RestartDecision("wait", "exited; exit status not known yet")
            return self._crash(now, "exited with no exit status")
        self.status_unknown_since = None
        if obs.dead and not obs.beats:
            how = f"killed by signal {obs.exit_signal}" if obs.exit_signal else f"exited {obs.exit_status}"
            return self._crash(now, how)
        if not obs.beats:
            self.restart_at = None
            return RestartDecision("ok")
        if obs.dead:
            if obs.exit_status == 0:
                return RestartDecision("done", "exited 0")
            if obs.exit_status == RESTART_EXIT_CODE:
                return RestartDecision("restart", f"asked to restart (exit {RESTART_EXIT_CODE})")
            how = f"killed by signal {obs.exit_signal}" if obs.exit_signal else f"exited {obs.exit_status}"
            return self._crash(now, how)
        since_start = now - self.spawned_at
        heard_since_start = obs.last_event_at is not None and (obs.last_event_at >= self.spawned_at or not self.fresh)
        if not heard_since_start:
            if since_start > self.policy.start_grace:
                return self._crash(now, f"wrote no event in {since_start:.0f} s since it started", kill=True)
            return RestartDecision("ok", "starting")
        silent = now - (obs.last_event_at or 0.0)
        if silent > self.policy.silent_after:
            return self._crash(now, f"silent for {silent:.0f} s", kill=True)
        self.restart_at = None  # it recovered before its restart came due
        return RestartDecision("ok")

    def _crash(self, now: float, reason: str, *, kill: bool = False, create: bool = False) -> RestartDecision:
        self.crashes = [t for t in self.crashes if now - t < self.policy.window]
        if len(self.crashes) >= self.policy.max_crashes:
            self.gave_up = True
            return RestartDecision("give_up", f"{reason}; {len(self.crashes)} restarts in {self.policy.window:.0f} s already")
        if self.restart_at is None:
            self.restart_at = now + self.policy.backoff(len(self.crashes))
        if now < self.restart_at:
            return RestartDecision("wait", f"{reason}; restarting in {self.restart_at - now:.1f} s")
        return RestartDecision("create" if create else "restart", reason, kill=kill, crash=True)

    def restarted(self, now: float, decision: RestartDecision) -> None:
        """Record that the supervisor acted on a restart/create decision."""
        if decision.crash:
            self.crashes.append(now)
        self.restart_at = None
        self.spawned_at = now
        self.pid = None
        self.status_unknown_since = None
        self.fresh = True
