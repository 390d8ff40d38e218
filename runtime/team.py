"""A run's team as tmux processes: start, resume, stop, steer and attach.

One tmux session per run on crewmux's own server, named from the run id. Window ``team``
holds one pane per agent (tiled, titled "NAME (role)", ``remain-on-exit on`` so a dead
pane's exit status can be read); window ``supervisor`` runs the supervisor, which keeps
the agents and the services (one window each: the scripted model server, the engine)
alive and lives as long as the run, independent of the dashboard. The supervisor's own
window has ``remain-on-exit on`` and a ``pane-died`` hook that respawns it a second
later: tmux brings back a supervisor that died (it turns the option off before it ends
on purpose).

Control of a running agent goes through its mailbox (``control`` messages), never
through keystrokes into its pane.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from crewmux.protocol.ids import utcnow
from crewmux.protocol.mailbox import deliver, ensure_mailbox
from crewmux.protocol.messages import Control, ControlAction
from crewmux.protocol.rundir import COORDINATOR, DASHBOARD, DEFAULT_SOCKET, FINAL_STATUSES, RUNTIME, AgentSpec, RunDir
from crewmux.protocol.wakeup import Wakeup
from crewmux.runtime.restart_policy import RestartPolicy
from crewmux.runtime.team_launch import (
    KEY_ENV,
    SUPERVISOR_WINDOW,
    TEAM_WINDOW,
    LaunchInfo,
    Service,
    agent_argv,
    load_launch,
    make_secrets,
    pane_title,
    save_launch,
    service_argv,
    supervisor_argv,
    team_env,
)
from crewmux.runtime.tmux import PaneState, Tmux, TmuxError, session_name, socket_path

SUPERVISOR_RESPAWN_DELAY = 1  # seconds tmux waits before it brings back a dead supervisor
SUPERVISOR_SILENCE = 5  # seconds without a sign of life (it writes one every second) before tmux restarts it
SUPERVISOR = "supervisor"  # sender name of the supervisor's control messages
# RUNTIME (protocol.rundir) sends the coordinator notices of team changes the runtime has
# MADE (a coder added, removed, an agent paused); a dashboard request comes from "dashboard".


class TeamError(Exception):
    """Something the user asked of a run's team cannot be done; says what to do instead."""


@dataclass(frozen=True)
class TeamPanes:
    """One ``list-panes`` of a run's session, by agent."""

    agents: dict[str, PaneState]
    supervisor: PaneState | None
    services: dict[str, PaneState] = field(default_factory=dict)

    def alive(self, name: str) -> bool:
        pane = self.agents.get(name)
        return pane is not None and not pane.dead


def active_agents(run: RunDir) -> list[AgentSpec]:
    return [spec for spec in run.info().agents if not spec.removed]


class TeamRuntime:
    def __init__(
        self,
        socket_name: str = DEFAULT_SOCKET,
        *,
        role_targets: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
        supervise: bool = True,
        check_interval: float | None = None,
        restart_policy: RestartPolicy | None = None,
        services: Sequence[Service] = (),
    ) -> None:
        """``role_targets`` maps a role to another agent class (``package.module:Class``);
        it, ``check_interval`` and ``restart_policy`` are recorded in the run's launch.json
        at ``start`` so resumes and restarts use them too."""
        self.tmux = Tmux(socket_name)
        self.socket_name = socket_name
        self.role_targets = dict(role_targets or {})
        source = dict(env) if env is not None else {**team_env(), **{k: v for k, v in os.environ.items() if k in KEY_ENV}}
        # Keys go to the run's secrets.json, never into a pane's `-e` arguments (ps shows them).
        self.keys = {k: v for k, v in source.items() if k in KEY_ENV and v}
        self.env = {k: v for k, v in source.items() if k not in KEY_ENV}
        self.supervise = supervise
        self.check_interval = check_interval
        self.restart_policy = restart_policy
        self.services = list(services)

    # -- naming -----------------------------------------------------------------------
    def session(self, run: RunDir) -> str:
        return session_name(run.run_id)

    def session_exists(self, run: RunDir) -> bool:
        return self.tmux.has_session(self.session(run))

    # -- starting -----------------------------------------------------------------------
    def start(self, run: RunDir) -> None:
        """Create the run's session, one pane per agent and the supervisor."""
        if self.session_exists(run):
            raise TeamError(f"run {run.run_id} already has a tmux session: `crewmux attach {run.run_id}` shows it")
        self._record_launch(run)
        make_secrets(run, self.services, self.keys)
        self._create_session(run)

    def resume(self, run: RunDir) -> None:
        """Bring a run's team back: after a killed tmux server or a reboot, recreate the
        session; otherwise start what is missing or dead. Agents pick up their mailboxes."""
        info = run.info()
        if info.status in FINAL_STATUSES - {"stopped"}:
            raise TeamError(f"run {run.run_id} already finished ({info.status}); start a new run with `crewmux run`")
        if info.status == "stopped":
            run.update_info(status="running", reason="resumed", finished_at=None)
        launch = load_launch(run)
        make_secrets(run, launch.services, self.keys)  # keeps the run's keys; adds this shell's provider keys
        if not self.session_exists(run):
            self._create_session(run)
            return
        session = self.session(run)
        panes = self.panes(run)
        batch: list[list[str]] = []
        new_specs: list[AgentSpec] = []
        for spec in active_agents(run):
            pane = panes.agents.get(spec.name)
            argv = agent_argv(run, spec, launch)
            if pane is None:
                new_specs.append(spec)
                batch.append(self.split_cmd(run, session, argv))
                batch.append(self.tile_cmd(session))
            elif pane.dead:
                batch.append(Tmux.respawn_cmd(pane.pane_id, argv, cwd=run.project_dir, env=self.env))
        new_ids = self.tmux.run_batch(batch) if batch else []
        tags = self.tag_cmds(zip(new_ids, new_specs))
        tags += self._service_cmds(run, session, launch, panes.services)
        if self.supervise:
            tags += self._supervisor_cmds(run, session, panes.supervisor)
        if tags:
            self.tmux.run_batch(tags)

    def _record_launch(self, run: RunDir) -> None:
        launch = LaunchInfo(roles=self.role_targets, services=self.services)
        if self.check_interval is not None:
            launch.check_interval = self.check_interval
        if self.restart_policy is not None:
            defaults = RestartPolicy()
            launch.restart_policy = {
                key: float(value)
                for key, value in vars(self.restart_policy).items()
                if value != getattr(defaults, key)
            }
        save_launch(run, launch)

    def _create_session(self, run: RunDir) -> None:
        specs = active_agents(run)
        if not specs:
            raise TeamError(f"run {run.run_id} has no agents to start (run.json lists none)")
        launch = load_launch(run)
        session = self.session(run)
        run.update_info(tmux_socket=self.socket_name, tmux_session=session)
        window = f"={session}:{TEAM_WINDOW}"
        cwd = run.project_dir
        batch = [
            Tmux.new_session_cmd(session, TEAM_WINDOW, agent_argv(run, specs[0], launch), cwd=cwd, env=self.env),
            # Before anything can exit: keep dead panes so their exit status can be read.
            ["set-option", "-w", "-t", window, "remain-on-exit", "on"],
            ["set-option", "-w", "-t", window, "pane-border-status", "top"],
            ["set-option", "-w", "-t", window, "pane-border-format", " #{pane_title} "],
        ]
        for spec in specs[1:]:
            batch.append(self.split_cmd(run, session, agent_argv(run, spec, launch)))
            batch.append(self.tile_cmd(session))  # keeps room for the next split
        try:
            pane_ids = self.tmux.run_batch(batch)
            if len(pane_ids) != len(specs):
                raise TmuxError(f"tmux created {len(pane_ids)} panes for {len(specs)} agents")
            # Tagging needs the pane ids, hence a second call; the supervisor starts after
            # it, so it never sees an untagged agent pane.
            tags = self.tag_cmds(zip(pane_ids, specs))
            tags += self._service_cmds(run, session, launch, {})
            if self.supervise:
                tags += self._supervisor_cmds(run, session, None)
            self.tmux.run_batch(tags)
        except (TmuxError, ValueError):
            self.tmux.kill_session(session)  # no half-built team left behind
            raise

    def split_cmd(self, run: RunDir, session: str, argv: list[str]) -> list[str]:
        return Tmux.split_cmd(f"={session}:{TEAM_WINDOW}", argv, cwd=run.project_dir, env=self.env)

    @staticmethod
    def tile_cmd(session: str) -> list[str]:
        return ["select-layout", "-t", f"={session}:{TEAM_WINDOW}", "tiled"]

    @staticmethod
    def tag_cmds(pairs: Iterable[tuple[str, AgentSpec]]) -> list[list[str]]:
        cmds: list[list[str]] = []
        for pane_id, spec in pairs:
            cmds += Tmux.tag_pane_cmds(pane_id, spec.name, pane_title(spec))
        return cmds

    def _supervisor_cmds(self, run: RunDir, session: str, pane: PaneState | None) -> list[list[str]]:
        argv = supervisor_argv(run, self.socket_name)
        if pane is None:
            window = f"={session}:{SUPERVISOR_WINDOW}"
            # tmux itself brings back a supervisor that died (a SIGKILL, a crash): nobody
            # else is watching it. respawn-pane without a command reruns the window's own.
            # pane-died is quick, but tmux 3.3 misses about one death in six (the pane is
            # dead, with no exit status, and no hook runs); so the supervisor also writes an
            # invisible byte every second, and a window silent for SUPERVISOR_SILENCE s is
            # respawned (-k: a frozen one too). An alert fires once until it is cleared,
            # hence kill-session -C. The delays keep a supervisor that cannot start from spinning.
            revive = f"run-shell -d {SUPERVISOR_RESPAWN_DELAY} -C \"respawn-pane -t {window}\""
            silent = f"kill-session -C -t ={session} ; respawn-pane -k -t {window}"
            return [
                Tmux.new_window_cmd(session, SUPERVISOR_WINDOW, argv, cwd=run.project_dir, env=self.env),
                ["set-option", "-w", "-t", window, "remain-on-exit", "on"],
                ["set-option", "-w", "-t", window, "monitor-silence", str(SUPERVISOR_SILENCE)],
                ["set-hook", "-w", "-t", window, "pane-died", revive],
                ["set-hook", "-w", "-t", window, "alert-silence", silent],
            ]
        if pane.dead:
            return [Tmux.respawn_cmd(pane.pane_id, argv, cwd=run.project_dir, env=self.env)]
        return []

    def _service_cmds(
        self, run: RunDir, session: str, launch: LaunchInfo, running: Mapping[str, PaneState]
    ) -> list[list[str]]:
        """Start the services that have no window, and respawn the dead ones."""
        cmds: list[list[str]] = []
        for service in launch.services:
            cmds += self.service_cmds(run, session, service, running.get(service.name))
        return cmds

    def service_cmds(self, run: RunDir, session: str, service: Service, pane: PaneState | None) -> list[list[str]]:
        """Start one service in its window (kept when it dies, so its exit status can be
        read), or respawn its dead pane; nothing for a live one."""
        argv = service_argv(run, service)
        if pane is None:
            window = f"={session}:{service.name}"
            return [
                Tmux.new_window_cmd(session, service.name, argv, cwd=run.project_dir, env=self.env),
                ["set-option", "-w", "-t", window, "remain-on-exit", "on"],
            ]
        if pane.dead:
            return [Tmux.respawn_cmd(pane.pane_id, argv, cwd=run.project_dir, env=self.env)]
        return []

    def release_supervisor_window(self, run: RunDir) -> None:
        """The supervisor ends on purpose: its window closes with it, and is not revived."""
        window = f"={self.session(run)}:{SUPERVISOR_WINDOW}"
        self.tmux.run_batch([["set-option", "-w", "-t", window, "monitor-silence", "0"], ["set-option", "-w", "-t", window, "remain-on-exit", "off"]])

    def stop_services(self, run: RunDir) -> None:
        """Close the services' windows (the run is over; nothing will ask them again)."""
        windows = self.panes(run).services
        cmds = [["kill-window", "-t", f"={self.session(run)}:{name}"] for name in windows]
        if cmds:
            self.tmux.run_batch(cmds)

    # -- looking --------------------------------------------------------------------------
    def panes(self, run: RunDir) -> TeamPanes:
        """The run's panes: ONE tmux call."""
        agents: dict[str, PaneState] = {}
        supervisor = None
        services: dict[str, PaneState] = {}
        for pane in self.tmux.list_panes(self.session(run)):
            if pane.window == SUPERVISOR_WINDOW:
                supervisor = pane
            elif pane.window == TEAM_WINDOW and pane.agent:
                agents[pane.agent] = pane
            elif pane.window not in (TEAM_WINDOW, SUPERVISOR_WINDOW):
                services[pane.window] = pane
        return TeamPanes(agents, supervisor, services)

    def agents_alive(self, run: RunDir) -> dict[str, bool]:
        panes = self.panes(run)
        return {spec.name: panes.alive(spec.name) for spec in active_agents(run)}

    # -- steering ---------------------------------------------------------------------------
    def control(self, run: RunDir, name: str, action: ControlAction, *, reason: str = "", target: str | None = None) -> None:
        """Deliver a control message to an agent's mailbox (takes effect at its next step)."""
        self._spec(run, name)
        deliver(run.mail_root, Control(run_id=run.run_id, sender=DASHBOARD, recipient=name, action=action, reason=reason, target=target))

    def pause_agent(self, run: RunDir, name: str) -> None:
        """The agent finishes the step it is in, then waits; the coordinator hears of it
        (so it gives a paused coder no new work)."""
        self.control(run, name, "pause", reason="paused by the user")
        self._tell_coordinator(run, "pause", name)

    def resume_agent(self, run: RunDir, name: str) -> None:
        self.control(run, name, "resume", reason="resumed by the user")
        self._tell_coordinator(run, "resume", name)

    def restart_agent(self, run: RunDir, name: str) -> None:
        """A running agent restarts itself at its next step (exit 75, the supervisor starts
        it again); a dead or missing one is started at once."""
        spec = self._spec(run, name)
        panes = self.panes(run)
        pane = panes.agents.get(name)
        if pane is not None and not pane.dead:
            self.control(run, name, "restart", reason="restarted by the user")
            return
        self._require_session(run)
        argv = agent_argv(run, spec, load_launch(run))
        if pane is None:
            session = self.session(run)
            (pane_id,) = self.tmux.run_batch([self.split_cmd(run, session, argv), self.tile_cmd(session)])
            self.tmux.run_batch(self.tag_cmds([(pane_id, spec)]))
        else:
            self.tmux.run(*Tmux.respawn_cmd(pane.pane_id, argv, cwd=run.project_dir, env=self.env))

    def add_coder(self, run: RunDir) -> str:
        """Start one more coder while the run goes on; its name."""
        self._require_session(run)
        info = run.info()
        numbers = [int(m.group(1)) for a in info.agents if (m := re.fullmatch(r"coder-(\d+)", a.name))]
        spec = AgentSpec(name=f"coder-{max(numbers, default=0) + 1}", role="coder")
        ensure_mailbox(run.mailbox(spec.name))
        session = self.session(run)
        # The pane exists (tagged) before run.json names the agent, so the supervisor
        # never sees the agent without its pane and starts a second one.
        (pane_id,) = self.tmux.run_batch(
            [self.split_cmd(run, session, agent_argv(run, spec, load_launch(run))), self.tile_cmd(session)]
        )
        self.tmux.run_batch(self.tag_cmds([(pane_id, spec)]))
        run.add_agent(spec)
        self._tell_coordinator(run, "add_coder", spec.name)
        return spec.name

    def remove_agent(self, run: RunDir, name: str) -> None:
        """Stop an agent for good; it stays in run.json marked ``removed``."""
        self._spec(run, name)
        run.edit_info(
            lambda info: info.model_copy(
                update={"agents": [a.model_copy(update={"removed": True}) if a.name == name else a for a in info.agents]}
            )
        )
        deliver(run.mail_root, Control(run_id=run.run_id, sender=DASHBOARD, recipient=name, action="stop", reason="removed by the user"))
        self._tell_coordinator(run, "remove_coder", name)

    def _tell_coordinator(self, run: RunDir, action: ControlAction, name: str) -> None:
        """A notice (sender ``runtime``, ``target`` = the agent): done, not a request."""
        for spec in active_agents(run):
            if spec.role == COORDINATOR and spec.name != name:
                deliver(
                    run.mail_root,
                    Control(run_id=run.run_id, sender=RUNTIME, recipient=spec.name, action=action, target=name, reason="done by the runtime"),
                )

    def wait(self, run: RunDir, timeout: float | None = None, on_wake: Callable[[], None] | None = None) -> str | None:
        """Block until run.json's status is final; that status (None on timeout).

        Woken by changes in the run directory (run.json and state.json are replaced
        atomically there), with a timer as the fallback; the team runs in tmux, not in this
        process. ``on_wake`` is called at every wake-up (headless progress lines).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with Wakeup([run.path], interval=1.0) as wakeup:
            while True:
                if on_wake is not None:
                    on_wake()
                try:
                    status = run.info().status
                except (OSError, ValueError):
                    status = None  # mid-replace or hand-edited: look again on the next wake-up
                if status in FINAL_STATUSES:
                    return status
                if deadline is not None and time.monotonic() >= deadline:
                    return None
                wakeup.wait(None if deadline is None else min(1.0, max(0.0, deadline - time.monotonic())))

    # -- stopping -------------------------------------------------------------------------
    def stop(self, run: RunDir, kill_session: bool = True, timeout: float = 10.0) -> None:
        """Mark the run stopped, tell every agent to stop, wait for them, kill the session."""
        info = run.info()
        if info.status not in FINAL_STATUSES:
            run.update_info(status="stopped", reason="stopped by the user", finished_at=utcnow())
        stop_team(self, run, timeout=timeout, sender=DASHBOARD)
        if kill_session:
            self.tmux.kill_session(self.session(run))

    # -- attaching --------------------------------------------------------------------------
    def attach_argv(self, run: RunDir, agent: str | None = None, environ: Mapping[str, str] | None = None) -> list[str]:
        """The tmux command line that selects (and zooms) an agent's pane and shows the
        session: ``attach-session``, or ``switch-client`` when already inside crewmux's
        tmux server (no nested tmux)."""
        environ = os.environ if environ is None else environ
        session = self.session(run)
        self._require_session(run)
        steps: list[list[str]] = [["select-window", "-t", f"={session}:{TEAM_WINDOW}"]]
        if agent is not None:
            self._spec(run, agent)
            pane = self.panes(run).agents.get(agent)
            if pane is None:
                raise TeamError(f"agent {agent} of run {run.run_id} has no pane; `crewmux resume {run.run_id}` starts it")
            steps += [
                ["select-pane", "-t", pane.pane_id],
                # resize-pane -Z toggles: zoom only when the window is not zoomed yet.
                ["if-shell", "-F", "-t", pane.pane_id, "#{?window_zoomed_flag,0,1}", f"resize-pane -Z -t {pane.pane_id}"],
            ]
        inside = environ.get("TMUX", "")
        same_server = bool(inside) and _same_path(inside.split(",")[0], socket_path(self.socket_name, environ))
        steps.append(["switch-client", "-t", f"={session}"] if same_server else ["attach-session", "-t", f"={session}"])
        argv = [shutil.which("tmux") or "tmux", "-L", self.socket_name]
        for i, step in enumerate(steps):
            argv += ([";"] if i else []) + step
        if inside and not same_server:
            # Inside the user's own tmux: tmux refuses to attach while $TMUX is set.
            argv = ["env", "-u", "TMUX", "-u", "TMUX_PANE", *argv]
        return argv

    # -- helpers ------------------------------------------------------------------------------
    def _spec(self, run: RunDir, name: str) -> AgentSpec:
        for spec in run.info().agents:
            if spec.name == name:
                if spec.removed:
                    raise TeamError(f"agent {name} was removed from run {run.run_id}")
                return spec
        names = ", ".join(a.name for a in active_agents(run))
        raise TeamError(f"run {run.run_id} has no agent {name!r}; its agents: {names}")

    def _require_session(self, run: RunDir) -> None:
        if self.session_exists(run):
            return
        status = run.info().status
        if status in FINAL_STATUSES - {"stopped"}:
            # Resume refuses a finished run: advice to resume it would be stale.
            raise TeamError(f"run {run.run_id} has finished ({status}); its panes are gone. "
                            f"`crewmux logs {run.run_id}` shows what the agents did, `crewmux diff {run.run_id}` what they built")
        raise TeamError(f"run {run.run_id} has no tmux session on socket {self.socket_name!r}: `crewmux resume {run.run_id}` brings it back")


def stop_team(runtime: TeamRuntime, run: RunDir, *, timeout: float, sender: str) -> list[str]:
    """Tell every live agent to stop and wait (one tmux call per 0.2 s) until their panes
    are dead; SIGTERM the ones that outlive ``timeout``. The names it had to terminate."""
    panes = runtime.panes(run)
    live = [name for name, pane in panes.agents.items() if not pane.dead]
    for name in live:
        if run.mailbox(name).is_dir():
            deliver(run.mail_root, Control(run_id=run.run_id, sender=sender, recipient=name, action="stop", reason="the run is over"))
    deadline = time.monotonic() + timeout
    while live and time.monotonic() < deadline:
        time.sleep(0.2)
        panes = runtime.panes(run)
        live = [name for name, pane in panes.agents.items() if not pane.dead]
    for name in live:
        pid = panes.agents[name].pid
        if pid:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    return live


def runtime_for(run: RunDir, socket: str | None = None) -> TeamRuntime:
    """The runtime on ``socket`` if given, else on the socket the run was started on
    (run.json), else on its config's."""
    info = run.info()
    socket = socket or info.tmux_socket or str(info.config.get("tmux_socket") or DEFAULT_SOCKET)
    return TeamRuntime(socket)


def _same_path(a: str, b) -> bool:
    try:
        return os.path.realpath(a) == os.path.realpath(str(b))
    except OSError:
        return False
