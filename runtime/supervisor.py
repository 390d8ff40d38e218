"""``python -m crewmux.runtime.supervisor --run RUN_DIR``: keeps a run's agents alive.

Runs in the run's tmux session (window ``supervisor``), so the team outlives the
dashboard. Every check is ONE ``list-panes`` call for the whole session (dead flag and
exit status of every pane) plus the newest event of each agent's own event log; pane text
is never read. A dead or silent agent is restarted with ``respawn-pane`` (bounded, with
backoff; decisions in ``restart_policy``) and a ``restart`` event goes into its log.
Services (the run's model servers, one window each) are kept alive the same way: a dead
or missing one is started again with the same backoff, with a ``restart`` event in
``events/<service>.jsonl``; one that keeps dying fails the run with its reason (without
its model, nothing moves). The supervisor ends once run.json's status is final, after
stopping the agents and closing the services, and tells tmux not to bring it back.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from crewmux.agents.console import Console
from crewmux.protocol.events import AGENT_EVENT_KINDS, EventLog, last_event
from crewmux.protocol.ids import utcnow
from crewmux.protocol.rundir import COORDINATOR, FINAL_STATUSES, AgentSpec, RunDir
from crewmux.runtime.restart_policy import RestartDecision, Observation, RestartPolicy, RestartTracker
from crewmux.runtime.team import SUPERVISOR, TeamPanes, TeamRuntime, stop_team
from crewmux.runtime.team_launch import LaunchInfo, Service, agent_argv, load_launch
from crewmux.runtime.tmux import PaneState, Tmux, TmuxError

LOG_NAME = "supervisor"


@dataclass
class _Action:
    """What the supervisor does about one agent in one check."""

    spec: AgentSpec | Service
    decision: RestartDecision | None  # None: housekeeping (closing a removed agent's pane)
    seen: Observation | None
    cmds: list[list[str]]
    creates: bool = False  # makes a new pane (prints its id, to be tagged)


class Supervisor:
    def __init__(self, run: RunDir, socket_name: str, *, interval: float, policy: RestartPolicy, stop_timeout: float = 15.0) -> None:
        self.run = run
        self.runtime = TeamRuntime(socket_name)
        self.tmux = self.runtime.tmux
        self.session = self.runtime.session(run)
        self.interval = interval
        self.policy = policy
        self.stop_timeout = stop_timeout
        self.console = Console(run.log(LOG_NAME))
        self.trackers: dict[str, RestartTracker] = {}
        self.events: dict[str, EventLog] = {}

    def run_forever(self) -> int:
        self.console.line(f"supervising run {self.run.run_id} (session {self.session}, every {self.interval:g} s, pid {os.getpid()})")
        while True:
            started = time.monotonic()
            try:
                status = self.run.info().status
            except (OSError, ValueError) as exc:
                self.console.line(f"!! cannot read run.json: {exc}")
                status = None
            if status in FINAL_STATUSES:
                return self._finish(status)
            try:
                panes = self.runtime.panes(self.run)
            except TmuxError as exc:
                self.console.line(f"!! {exc}")
                panes = None
            if panes is not None:
                if not panes.agents and not self.tmux.has_session(self.session):
                    self.console.line("the run's tmux session is gone; nothing left to supervise")
                    return 0
                self.check(panes, time.time())
            time.sleep(max(0.0, self.interval - (time.monotonic() - started)))

    def check(self, panes: TeamPanes, now: float) -> None:
        """One round: decide for every agent from what one list-panes call showed, then act."""
        info = self.run.info()
        launch = load_launch(self.run)
        actions: list[_Action] = []
        for spec in info.agents:
            pane = panes.agents.get(spec.name)
            if spec.removed:
                if pane is not None and pane.dead:  # it has left: close its pane
                    actions.append(_Action(spec, None, None, [["kill-pane", "-t", pane.pane_id], TeamRuntime.tile_cmd(self.session)]))
                continue
            tracker = self.trackers.setdefault(spec.name, RestartTracker(self.policy, spawned_at=now))
            observation = self._observe(spec, pane)
            decision = tracker.observe(observation, now)
            argv = agent_argv(self.run, spec, launch)
            if decision.action == "restart" and pane is not None:
                if decision.kill and pane.pid:
                    _kill_hung(pane.pid)
                respawn = Tmux.respawn_cmd(pane.pane_id, argv, cwd=self.run.project_dir, env=self.runtime.env, kill=decision.kill)
                actions.append(_Action(spec, decision, observation, [respawn]))
            elif decision.action == "create":
                split = self.runtime.split_cmd(self.run, self.session, argv)
                actions.append(_Action(spec, decision, observation, [split, TeamRuntime.tile_cmd(self.session)], creates=True))
            elif decision.action == "give_up":
                self._log(spec.name).emit("error", status="dead", text=f"gave up restarting: {decision.reason}")
                self.console.line(f"!! {spec.name}: gave up restarting: {decision.reason}")
                if spec.role == COORDINATOR:
                    # Nothing moves without it: end the run rather than leave it hanging.
                    self.run.update_info(
                        status="failed",
                        reason=f"the coordinator kept failing ({decision.reason}); see {self.run.log(spec.name)}",
                        finished_at=utcnow(),
                    )
        actions += self._check_services(launch, panes, now)
        if actions:
            self._apply(actions, now)

    def _check_services(self, launch: LaunchInfo, panes: TeamPanes, now: float) -> list[_Action]:
        actions: list[_Action] = []
        for service in launch.services:
            pane = panes.services.get(service.name)
            tracker = self.trackers.setdefault(f"service:{service.name}", RestartTracker(self.policy, spawned_at=now))
            if pane is None:
                observation = Observation(has_pane=False, beats=False)
            else:
                observation = Observation(
                    has_pane=True, dead=pane.dead, exit_status=pane.exit_status, exit_signal=pane.exit_signal, pid=pane.pid, beats=False
                )
            decision = tracker.observe(observation, now)
            if decision.action in ("restart", "create"):
                cmds = self.runtime.service_cmds(self.run, self.session, service, pane)
                if cmds:
                    actions.append(_Action(service, decision, observation, cmds))
            elif decision.action == "give_up":
                self._log(service.name).emit("error", status="dead", text=f"gave up restarting: {decision.reason}")
                self.console.line(f"!! service {service.name}: gave up restarting: {decision.reason}")
                self.run.update_info(
                    status="failed",
                    reason=f"the run's service {service.name} kept dying ({decision.reason}); see the window {service.name} of `crewmux attach`",
                    finished_at=utcnow(),
                )
        return actions

    def _apply(self, actions: list[_Action], now: float) -> None:
        """One tmux call per agent acted on (rare: only restarts). Not one batch for all:
        tmux stops a batch at its first failing command, having run the ones before it,
        so a retry could not tell what was done."""
        done: list[tuple[_Action, str | None]] = []
        for action in actions:
            try:
                out = [line for line in self.tmux.run_batch(action.cmds) if line.startswith("%")]
            except TmuxError as exc:
                self.console.line(f"!! {action.spec.name}: {exc}")
                continue
            done.append((action, out[0] if out and action.creates else None))
        tags = TeamRuntime.tag_cmds((pane_id, a.spec) for a, pane_id in done if pane_id)
        if tags:
            self.tmux.run_batch(tags)
        for action, _ in done:
            if action.decision is None:
                continue
            key = f"service:{action.spec.name}" if isinstance(action.spec, Service) else action.spec.name
            self.trackers[key].restarted(now, action.decision)
            data = {"reason": action.decision.reason, "crash": action.decision.crash}
            if action.seen is not None and action.seen.has_pane:
                data.update(exit_status=action.seen.exit_status, signal=action.seen.exit_signal)
            self._log(action.spec.name).emit("restart", status="starting", text=action.decision.reason, data=data)
            self.console.line(f"restarted {action.spec.name}: {action.decision.reason}")

    def _observe(self, spec: AgentSpec, pane: PaneState | None) -> Observation:
        if pane is None:
            return Observation(has_pane=False)
        path = self.run.events(spec.name)
        exit_status = pane.exit_status
        if pane.dead and exit_status is None and pane.exit_signal is None:
            # tmux 3.3 sometimes never learns a dead pane's exit status; the agent's own
            # "stopped" event says it, if that is the newest event of its log (after a
            # respawn our "restart" event comes first, so an older life never answers).
            event = last_event(path, tail_bytes=8192)
            if event is not None and event.kind == "stopped" and isinstance(event.data.get("exit_code"), int):
                exit_status = event.data["exit_code"]
        event = None if pane.dead else last_event(path, kinds=AGENT_EVENT_KINDS, tail_bytes=8192)
        return Observation(
            has_pane=True,
            dead=pane.dead,
            exit_status=exit_status,
            exit_signal=pane.exit_signal,
            pid=pane.pid,
            last_event_at=event.ts if event else None,
        )

    def _finish(self, status: str) -> int:
        self.console.line(f"run {self.run.run_id} is {status}: stopping the agents")
        try:
            left = stop_team(self.runtime, self.run, timeout=self.stop_timeout, sender=SUPERVISOR)
        except TmuxError as exc:
            self.console.line(f"!! {exc}")
            return 1
        if left:
            self.console.line(f"terminated {', '.join(left)} (still running {self.stop_timeout:g} s after stop)")
        try:
            self.runtime.stop_services(self.run)
        except TmuxError as exc:
            self.console.line(f"!! could not close the services' windows: {exc}")
        try:
            self.runtime.release_supervisor_window(self.run)
        except TmuxError as exc:
            self.console.line(f"!! {exc}")
        self.console.line("supervisor done")
        return 0

    def _log(self, name: str) -> EventLog:
        if name not in self.events:
            self.events[name] = EventLog(self.run.events(name), name)
        return self.events[name]


def _signs_of_life(stop: threading.Event) -> None:
    """An invisible byte (an SGR reset) on the pane every second: tmux restarts the
    supervisor's window when it has been silent for SUPERVISOR_SILENCE seconds."""
    while not stop.is_set():
        try:
            sys.stdout.write("\x1b[0m")
            sys.stdout.flush()
        except (OSError, ValueError):
            return
        stop.wait(1.0)


def _kill_hung(pid: int) -> None:
    """SIGKILL a hung agent (a pane process of our own session) before its pane is
    respawned: tmux's SIGHUP would never reach a stopped process, which would linger."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crewmux.runtime.supervisor", description=__doc__.splitlines()[0])
    parser.add_argument("--run", required=True, type=Path, help="the run directory")
    parser.add_argument("--socket", default="crewmux", help="crewmux's tmux socket name (tmux -L)")
    args = parser.parse_args(argv)
    run = RunDir(args.run)
    if not run.run_json.is_file():
        print(f"{args.run} is not a crewmux run directory (no run.json)", file=sys.stderr)
        try:  # a run directory deleted under a live session: do not come back every second
            TeamRuntime(args.socket).release_supervisor_window(run)
        except (TmuxError, ValueError):
            pass
        return 2
    stop = threading.Event()
    threading.Thread(target=_signs_of_life, args=(stop,), name="signs-of-life", daemon=True).start()
    launch = load_launch(run)
    policy = RestartPolicy(**launch.restart_policy)
    try:
        return Supervisor(run, args.socket, interval=launch.check_interval, policy=policy).run_forever()
    except KeyboardInterrupt:
        return 130
    finally:
        stop.set()


if __name__ == "__main__":
    raise SystemExit(main())
