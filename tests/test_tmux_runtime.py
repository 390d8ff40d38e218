"""The team as real tmux processes: start, restart after SIGKILL, resume after a killed
server, pause/resume, adding and removing coders, attach, ls and stop.

Every test runs its own tmux server on a unique ``-L`` socket inside the temporary
TMUX_TMPDIR of conftest, and kills exactly that server at teardown.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

import crewmux
from crewmux.protocol.events import read_events
from crewmux.protocol.mailbox import deliver
from crewmux.protocol.messages import TaskAssignment
from crewmux.protocol.plan import PlanTask
from crewmux.protocol.rundir import DASHBOARD, AgentSpec, RunDir
from crewmux.runtime.restart_policy import RestartPolicy
from crewmux.runtime.team import TeamError, TeamRuntime
from crewmux.runtime.tmux import Tmux

SUPPORT = Path(__file__).parent / "tmux_support"
ROLES = {
    "coordinator": "tmux_test_agents:TaskCoordinator",
    "coder": "tmux_test_agents:SlowCoder",
    "cto": "tmux_test_agents:IdleAgent",
    "qa": "tmux_test_agents:IdleAgent",
}
FAST = RestartPolicy(backoff_base=0.2, backoff_max=2.0)

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def socket_name(monkeypatch: pytest.MonkeyPatch):
    # The spawned agents import crewmux from this tree and the test agents from SUPPORT.
    tree = str(Path(crewmux.__file__).resolve().parent.parent)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([tree, str(SUPPORT)]))
    name = f"crewmux-test-{uuid.uuid4().hex[:10]}"
    tmux = Tmux(name)
    yield name
    tmux.kill_server()
    assert not tmux.is_alive(), f"tmux server {name} survived the test"


def team(coders: int = 2) -> list[AgentSpec]:
    return [
        AgentSpec(name="coordinator", role="coordinator"),
        AgentSpec(name="cto", role="cto"),
        *[AgentSpec(name=f"coder-{i}", role="coder") for i in range(1, coders + 1)],
        AgentSpec(name="qa", role="qa"),
    ]


def make_run(project: Path, tasks: list[tuple[str, float]] | None, coders: int = 2, brief: str = "test team") -> RunDir:
    run = RunDir.create(project, brief, team(coders))
    (run.path / "test_tasks.json").write_text(json.dumps([{"id": i, "seconds": s} for i, s in tasks or []]))
    return run


def runtime(socket_name: str, roles: dict[str, str] | None = None) -> TeamRuntime:
    return TeamRuntime(socket_name, role_targets=roles or ROLES, check_interval=0.3, restart_policy=FAST)


def wait_for(what: str, predicate: Callable[[], object], timeout: float = 30.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def kinds(run: RunDir, agent: str) -> list[str]:
    return [e.kind for e in read_events(run.events(agent))]


def heartbeating(run: RunDir, agents: list[str]) -> bool:
    return all("heartbeat" in kinds(run, a) for a in agents)


def tmux_out(socket_name: str, *args: str) -> str:
    return subprocess.run(["tmux", "-L", socket_name, *args], capture_output=True, text=True, check=True).stdout.strip()


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crewmux", *args], capture_output=True, text=True, timeout=60, env=env)


def assign(run: RunDir, coder: str, task_id: str, seconds: float) -> None:
    deliver(
        run.mail_root,
        TaskAssignment(
            run_id=run.run_id, sender=DASHBOARD, recipient=coder, task_id=task_id, attempt=1,
            task=PlanTask(id=task_id, title=f"task {task_id}", description=str(seconds)), branch="b", base_ref="HEAD",
        ),
    )


def test_a_team_starts_with_one_titled_pane_per_agent_and_stops(git_project: Path, socket_name: str) -> None:
    run = make_run(git_project, None, coders=4)
    rt = runtime(socket_name, {**ROLES, "coordinator": "tmux_test_agents:IdleAgent"})
    rt.start(run)
    session = rt.session(run)
    names = [a.name for a in team(4)]

    lines = tmux_out(socket_name, "list-panes", "-t", f"={session}:team", "-F", "#{pane_title}|#{@crewmux_agent}").splitlines()
    assert sorted(lines) == sorted(f"{a.name} ({a.role})|{a.name}" for a in team(4))
    assert tmux_out(socket_name, "show-options", "-w", "-v", "-t", f"={session}:team", "remain-on-exit") == "on"
    assert tmux_out(socket_name, "list-windows", "-t", f"={session}", "-F", "#{window_name}").splitlines() == ["team", "supervisor"]
    info = run.info()
    assert (info.tmux_socket, info.tmux_session) == (socket_name, session)
    with pytest.raises(TeamError, match="already has a tmux session"):
        rt.start(run)

    wait_for("every agent to heartbeat", lambda: heartbeating(run, names))
    assert rt.agents_alive(run) == {name: True for name in names}
    assert all(run.log(name).read_text().strip() for name in names)  # each pane's log is kept
    listing = cli("ls", "-C", str(git_project))
    assert listing.returncode == 0, listing.stderr
    assert run.run_id in listing.stdout and "7/7 alive" in listing.stdout

    # A pane closed by hand: the supervisor makes a new one, tagged and titled.
    old_pane = rt.panes(run).agents["cto"].pane_id
    tmux_out(socket_name, "kill-pane", "-t", old_pane)
    wait_for("a new cto pane", lambda: rt.panes(run).alive("cto") and rt.panes(run).agents["cto"].pane_id != old_pane)
    assert rt.panes(run).agents["cto"].title == "cto (cto)"
    assert [e.text for e in read_events(run.events("cto")) if e.kind == "restart"] == ["its pane is gone"]
    wait_for("the new cto to heartbeat", lambda: kinds(run, "cto")[-1] == "heartbeat")

    # A killed supervisor is brought back by tmux (its window's pane-died hook); a closed
    # supervisor window comes back with `crewmux resume`; the live agents are left alone.
    pids = {name: pane.pid for name, pane in rt.panes(run).agents.items()}
    old = rt.panes(run).supervisor.pid
    os.kill(old, signal.SIGKILL)
    wait_for("a new supervisor", lambda: (p := rt.panes(run).supervisor) is not None and not p.dead and p.pid != old)
    tmux_out(socket_name, "kill-window", "-t", f"={session}:supervisor")
    wait_for("the supervisor window to close", lambda: rt.panes(run).supervisor is None)
    assert "no supervisor: `crewmux resume" in cli("ls", "-C", str(git_project)).stdout
    resumed = cli("resume", run.run_id, "-C", str(git_project))
    assert resumed.returncode == 0, resumed.stderr
    assert rt.panes(run).supervisor is not None
    assert {name: pane.pid for name, pane in rt.panes(run).agents.items()} == pids

    stopped = cli("stop", run.run_id, "-C", str(git_project))
    assert stopped.returncode == 0, stopped.stderr
    assert not rt.session_exists(run)
    assert run.info().status == "stopped"
    for name in names:
        last = read_events(run.events(name))[-1]
        assert (last.kind, last.data.get("exit_code")) == ("stopped", 0)
    assert "0/7 alive" in cli("ls", "-C", str(git_project)).stdout


def test_a_coder_killed_mid_task_is_restarted_and_its_task_completes(git_project: Path, socket_name: str) -> None:
    run = make_run(git_project, [("t1", 3.0), ("t2", 0.5)])  # round robin: t1 -> coder-1
    rt = runtime(socket_name)
    rt.start(run)
    wait_for("coder-1 to start t1", lambda: "received" in kinds(run, "coder-1"))
    pid = rt.panes(run).agents["coder-1"].pid
    os.kill(pid, signal.SIGKILL)

    assert rt.wait(run, timeout=30) == "succeeded"
    restarts = [e for e in read_events(run.events("coder-1")) if e.kind == "restart"]
    assert len(restarts) == 1 and restarts[0].data["crash"]
    # tmux 3.3a sometimes loses a dead pane's status; when it has one, it is the signal.
    assert restarts[0].data["signal"] in (signal.SIGKILL, None) and restarts[0].data["exit_status"] is None
    assert kinds(run, "coder-1").count("received") == 2  # the claimed task came back after the restart
    assert rt.panes(run).agents["coder-1"].pid != pid
    assert (run.artifacts_dir / "t1.txt").read_text() == "t1: task t1\n"
    assert not [e for e in read_events(run.events("coder-2")) if e.kind == "restart"]
    # The supervisor stops the team once the run is final, then ends.
    wait_for("the team to stop", lambda: not any(rt.agents_alive(run).values()))
    wait_for("the supervisor to end", lambda: rt.panes(run).supervisor is None)


def test_the_server_killed_mid_run_then_resume_gives_the_undisturbed_result(git_project: Path, socket_name: str) -> None:
    tasks = [("t1", 0.6), ("t2", 0.6), ("t3", 1.5), ("t4", 1.5), ("t5", 0.5)]
    rt = runtime(socket_name)
    calm = make_run(git_project, tasks, brief="calm")
    rt.start(calm)
    assert rt.wait(calm, timeout=0.2) is None  # still running
    wait_for("the undisturbed run", lambda: calm.info().status == "succeeded")
    expected = json.loads((calm.path / "result.json").read_text())
    assert sorted(expected) == [f"t{i}.txt" for i in range(1, 6)]

    hit = make_run(git_project, tasks, brief="disturbed")
    rt.start(hit)
    state = hit.path / "test_state.json"
    wait_for("some tasks done", lambda: state.is_file() and '"done"' in state.read_text())
    assert hit.info().status != "succeeded"
    Tmux(socket_name).kill_server()  # every pane, the supervisor and the server go away
    assert not rt.session_exists(hit)

    resumed = cli("resume", hit.run_id, "-C", str(git_project))
    assert resumed.returncode == 0, resumed.stderr
    assert rt.session_exists(hit)
    wait_for("the resumed run", lambda: hit.info().status == "succeeded")
    assert json.loads((hit.path / "result.json").read_text()) == expected
    assert "reloaded state" in hit.log("coordinator").read_text()
    finished = cli("resume", hit.run_id, "-C", str(git_project))
    assert finished.returncode == 1 and "already finished (succeeded)" in finished.stderr


def test_pause_and_resume_an_agent_and_add_and_remove_a_coder(git_project: Path, socket_name: str) -> None:
    run = make_run(git_project, None)
    rt = runtime(socket_name, {**ROLES, "coordinator": "tmux_test_agents:IdleAgent"})
    rt.start(run)
    wait_for("coder-1 to heartbeat", lambda: heartbeating(run, ["coder-1"]))

    rt.pause_agent(run, "coder-1")
    wait_for("coder-1 paused", lambda: "paused" in [e.status for e in read_events(run.events("coder-1"))])
    assign(run, "coder-1", "p1", 0.2)
    time.sleep(2.0)
    assert not (run.artifacts_dir / "p1.txt").exists(), "a paused coder took new work"
    rt.resume_agent(run, "coder-1")
    wait_for("the task after resume", lambda: (run.artifacts_dir / "p1.txt").exists())
    wait_for(
        "the coordinator told of the pause and the resume",
        lambda: all(f"control from runtime: {a}" in run.log("coordinator").read_text() for a in ("pause", "resume")),
    )

    name = rt.add_coder(run)
    assert name == "coder-3"
    assert [a.name for a in run.info().agents if a.role == "coder"] == ["coder-1", "coder-2", "coder-3"]
    titles = tmux_out(socket_name, "list-panes", "-t", f"={rt.session(run)}:team", "-F", "#{pane_title}").splitlines()
    assert "coder-3 (coder)" in titles
    wait_for("coder-3 to heartbeat", lambda: heartbeating(run, ["coder-3"]))
    assign(run, "coder-3", "n1", 0.2)
    wait_for("coder-3's task", lambda: (run.artifacts_dir / "n1.txt").exists())
    assert rt.agents_alive(run)["coder-3"]
    wait_for("the coordinator told of coder-3", lambda: "control from runtime: add_coder" in run.log("coordinator").read_text())

    pid = rt.panes(run).agents["coder-2"].pid
    rt.restart_agent(run, "coder-2")  # asks it to exit 75; the supervisor starts it again
    wait_for("coder-2 restarted", lambda: "restart" in kinds(run, "coder-2"))
    restart = [e for e in read_events(run.events("coder-2")) if e.kind == "restart"][0]
    assert (restart.data["exit_status"], restart.data["crash"]) == (75, False)
    wait_for("coder-2 back", lambda: rt.panes(run).alive("coder-2") and rt.panes(run).agents["coder-2"].pid != pid)

    rt.remove_agent(run, "coder-3")
    assert [a.removed for a in run.info().agents if a.name == "coder-3"] == [True]
    assert "coder-3" not in rt.agents_alive(run)
    wait_for("coder-3's pane closed", lambda: "coder-3" not in rt.panes(run).agents)
    assert read_events(run.events("coder-3"))[-1].kind == "stopped"
    assert not [e for e in read_events(run.events("coder-3")) if e.kind == "restart"]
    wait_for("the coordinator told of the removal", lambda: "control from runtime: remove_coder" in run.log("coordinator").read_text())


def test_attach_selects_and_zooms_the_agent_pane_with_or_without_outer_tmux(git_project: Path, socket_name: str) -> None:
    run = make_run(git_project, None, coders=2)
    rt = runtime(socket_name, {**ROLES, "coordinator": "tmux_test_agents:IdleAgent"})
    rt.start(run)
    session = rt.session(run)

    # From a plain terminal: attach-session. Run it as a client inside a detached session.
    argv = rt.attach_argv(run, "coder-2", environ={})
    assert argv[-3:] == ["attach-session", "-t", f"={session}"]
    viewer_cmd = "exec env -u TMUX -u TMUX_PANE " + " ".join(f"'{a}'" for a in argv)
    tmux_out(socket_name, "new-session", "-d", "-s", "viewer", "-x", "200", "-y", "50", viewer_cmd)
    wait_for("a client on the run's session", lambda: session in tmux_out(socket_name, "list-clients", "-F", "#{client_session}"))
    active = tmux_out(socket_name, "display-message", "-p", "-t", f"={session}:team", "#{pane_title}|#{window_zoomed_flag}")
    assert active == "coder-2 (coder)|1"

    # From inside crewmux's own tmux: `crewmux attach` switches that client, no nesting.
    tmux_out(socket_name, "switch-client", "-t", "=viewer")
    assert tmux_out(socket_name, "list-clients", "-F", "#{client_session}") == "viewer"
    server_pid = tmux_out(socket_name, "display-message", "-p", "#{pid}")
    inside = {**os.environ, "TMUX": f"{Tmux(socket_name).server.cmd('display-message', '-p', '#{socket_path}').stdout[0]},{server_pid},0"}
    switched = cli("attach", run.run_id, "qa", "-C", str(git_project), env=inside)
    assert switched.returncode == 0, switched.stderr
    assert tmux_out(socket_name, "list-clients", "-F", "#{client_session}") == session
    active = tmux_out(socket_name, "display-message", "-p", "-t", f"={session}:team", "#{pane_title}|#{window_zoomed_flag}")
    assert active == "qa (qa)|1"

    # Inside some other tmux server: attach with $TMUX cleared rather than fail.
    foreign = rt.attach_argv(run, "cto", environ={"TMUX": "/tmp/elsewhere/default,1,0"})
    assert foreign[:5] == ["env", "-u", "TMUX", "-u", "TMUX_PANE"] and foreign[-3] == "attach-session"
    missing = cli("attach", run.run_id, "coder-9", "-C", str(git_project))
    assert missing.returncode == 1 and "no agent 'coder-9'" in missing.stderr
    # `stop` takes a run, never an agent's name for "the newest run".
    mistaken = cli("stop", "qa", "-C", str(git_project))
    assert mistaken.returncode == 1 and "no run 'qa'" in mistaken.stderr
    assert rt.session_exists(run)


def test_attach_on_a_finished_run_gives_no_advice_to_resume_it(git_project: Path, socket_name: str) -> None:
    run = make_run(git_project, None, coders=1)
    run.update_info(status="succeeded", reason="all 1 tasks passed")
    finished = cli("attach", run.run_id, "-C", str(git_project))
    assert finished.returncode == 1 and "has finished (succeeded)" in finished.stderr
    assert "resume" not in finished.stderr and f"crewmux logs {run.run_id}" in finished.stderr


def test_a_hung_agent_is_killed_and_restarted_and_finishes_its_task(git_project: Path, socket_name: str) -> None:
    run = make_run(git_project, None, coders=1)
    rt = TeamRuntime(
        socket_name,
        role_targets={**ROLES, "coordinator": "tmux_test_agents:IdleAgent", "coder": "tmux_test_agents:HangOnceCoder"},
        check_interval=0.3,
        restart_policy=RestartPolicy(backoff_base=0.2, silent_after=3.0, start_grace=5.0),
    )
    rt.start(run)
    wait_for("coder-1 to heartbeat", lambda: heartbeating(run, ["coder-1"]))
    pid = rt.panes(run).agents["coder-1"].pid
    assign(run, "coder-1", "h1", 0.2)
    wait_for("coder-1 restarted", lambda: "restart" in kinds(run, "coder-1"), timeout=20)
    restart = [e for e in read_events(run.events("coder-1")) if e.kind == "restart"][0]
    assert "silent for" in restart.text and restart.data["crash"]
    assert (run.path / "hung-coder-1").exists()
    wait_for("the re-delivered task done", lambda: (run.artifacts_dir / "h1.txt").exists())
    assert not Path(f"/proc/{pid}").exists() or _state(pid) == "Z", "the hung process outlived its restart"
    assert rt.panes(run).agents["coder-1"].pid != pid
    assert kinds(run, "cto").count("restart") == 0


def _state(pid: int) -> str:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2]


def test_a_coordinator_that_keeps_crashing_fails_the_run_instead_of_hanging(git_project: Path, socket_name: str) -> None:
    run = make_run(git_project, None, coders=1)
    rt = TeamRuntime(
        socket_name,
        role_targets={**ROLES, "coordinator": "tmux_test_agents:CrashingAgent"},
        check_interval=0.3,
        restart_policy=RestartPolicy(backoff_base=0.1, max_crashes=2),
    )
    rt.start(run)
    assert rt.wait(run, timeout=30) == "failed"
    info = run.info()
    assert "the coordinator kept failing" in info.reason and "restarts in 600 s already" in info.reason
    events = read_events(run.events("coordinator"))
    assert [e.kind for e in events].count("restart") == 2
    assert events[-1].kind == "error" and events[-1].status == "dead"
    stops = [e.data["exit_code"] for e in events if e.kind == "stopped"]
    assert stops == [1, 1, 1]  # the agent's own record of each failed start says so
    assert run.log("coordinator").read_text().count("RuntimeError: broken on purpose") == 3
    # The other agents are stopped and the supervisor ends.
    wait_for("the team to stop", lambda: not any(rt.agents_alive(run).values()))
    wait_for("the supervisor to end", lambda: rt.panes(run).supervisor is None)
