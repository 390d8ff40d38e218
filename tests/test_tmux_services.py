"""A run's services (its model server) and its supervisor, kept alive in real tmux; the
run's keys in secrets.json, never on a command line.

Every test runs its own tmux server on a unique ``-L`` socket inside conftest's private
TMUX_TMPDIR and kills exactly that server at teardown.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

import crewmux
from crewmux.agents.llm.fake_server import FakeLLMServer, FaultStorm
from crewmux.agents.llm.model_source import free_loopback_port
from crewmux.agents.llm.retry import RetryPolicy, retry_delay
from crewmux.agents.llm.types import ChatMessage, ChatRequest
from crewmux.agents.prompting import Talker
from crewmux.config import ModelConfig
from crewmux.protocol.events import read_events
from crewmux.protocol.run_secrets import RunSecrets, SecretsError, endpoint_key
from crewmux.protocol.rundir import AgentSpec, RunDir
from crewmux.runtime.restart_policy import Observation, RestartPolicy, RestartTracker
from crewmux.runtime.team import TeamRuntime
from crewmux.runtime.team_launch import Service, secrets_path
from crewmux.runtime.tmux import Tmux

SUPPORT = Path(__file__).parent / "tmux_support"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from chaos import FREEZER, Freezer  # noqa: E402  (the bench's real freeze)
ROLES = {"coordinator": "tmux_test_agents:IdleAgent", "coder": "tmux_test_agents:SlowCoder"}
FAST = RestartPolicy(backoff_base=0.2, backoff_max=1.0)

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def socket_name(monkeypatch: pytest.MonkeyPatch):
    tree = str(Path(crewmux.__file__).resolve().parent.parent)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([tree, str(SUPPORT)]))
    name = f"crewmux-test-{uuid.uuid4().hex[:10]}"
    yield name
    Tmux(name).kill_server()
    assert not Tmux(name).is_alive(), f"tmux server {name} survived the test"


def wait_for(what: str, predicate: Callable[[], object], timeout: float = 30.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def scripted_service(port: int) -> Service:
    argv = [sys.executable, "-m", "crewmux", "fake-llm", "--port", str(port)]
    return Service(name="scripted-llm", argv=argv, url=f"http://127.0.0.1:{port}")


def start(project: Path, socket_name: str, services: list[Service], *, policy: RestartPolicy = FAST, env: dict | None = None) -> tuple[TeamRuntime, RunDir]:
    run = RunDir.create(project, "services", [AgentSpec(name="coordinator", role="coordinator"), AgentSpec(name="coder-1", role="coder")])
    rt = TeamRuntime(socket_name, role_targets=ROLES, check_interval=0.3, restart_policy=policy, services=services, env=env)
    rt.start(run)
    return rt, run


def live_pid(rt: TeamRuntime, run: RunDir, window: str) -> int | None:
    panes = rt.panes(run)
    pane = panes.supervisor if window == "supervisor" else panes.services.get(window)
    return pane.pid if pane is not None and not pane.dead else None


def answers(url: str, key: str | None) -> int:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        return httpx.get(f"{url}/api/tags", headers=headers, timeout=2).status_code
    except httpx.HTTPError:
        return 0


def test_the_model_server_has_a_random_key_only_the_run_knows(git_project: Path, socket_name: str) -> None:
    port = free_loopback_port()
    env = {**{k: os.environ[k] for k in ("PATH", "PYTHONPATH", "HOME", "TMUX_TMPDIR") if k in os.environ}, "OPENAI_API_KEY": "sk-user-secret"}
    rt, run = start(git_project, socket_name, [scripted_service(port)], env=env)
    url = f"http://127.0.0.1:{port}"
    secrets = RunSecrets.load(secrets_path(run))
    key = secrets.key_for([url])
    assert key and len(key) > 30
    assert secrets.env == {"OPENAI_API_KEY": "sk-user-secret"}
    assert stat.S_IMODE(secrets_path(run).stat().st_mode) == 0o600
    wait_for("the scripted server to answer", lambda: answers(url, key) == 200)
    assert answers(url, None) == 401 and answers(url, "crewmux-guess") == 401
    # Neither the key nor the user's key is on any pane's command line or environment.
    for pane in rt.tmux.list_panes(rt.session(run)):
        cmdline = Path(f"/proc/{pane.pid}/cmdline").read_bytes()
        environ = Path(f"/proc/{pane.pid}/environ").read_bytes()
        assert key.encode() not in cmdline + environ and b"sk-user-secret" not in cmdline + environ
    service_cmdline = Path(f"/proc/{live_pid(rt, run, 'scripted-llm')}/cmdline").read_bytes().split(b"\0")
    assert b"--api-key-file" in service_cmdline and str(secrets_path(run)).encode() in service_cmdline


def test_an_agent_sends_the_run_key_of_its_model_server(git_project: Path, tmp_path: Path) -> None:
    run = RunDir.create(git_project, "keys", [AgentSpec(name="cto", role="cto")])
    with FakeLLMServer({"default": "hello"}, tps=0, ttft=0) as fake:
        secrets = RunSecrets()
        fake.api_key = secrets.add_endpoint(fake.url)
        secrets.save(secrets_path(run))
        talker = Talker(SimpleNamespace(run=run, name="cto"), "cto")
        model = ModelConfig(provider="ollama", model="m", base_urls=[fake.url], timeout_first_token=5)
        client = talker._client(model)  # what every exchange of the agent goes through
        assert (client.retry.max_attempts, client.retry.max_connect_attempts) == (16, 16)  # the run's own server: outlast its restarts
        assert client.chat(ChatRequest(messages=[ChatMessage(role="user", content="hi")])).text == "hello"
        assert fake.requests[-1]["headers"]["Authorization"] == f"Bearer {fake.api_key}"
        client.close()
    # A key file that is only the key, and one without the server's key, for `--api-key-file`.
    plain = tmp_path / "key"
    plain.write_text("k-123\n")
    assert endpoint_key(plain, "http://127.0.0.1:1") == "k-123"
    with pytest.raises(SecretsError, match="has no key for"):
        endpoint_key(secrets_path(run), "http://127.0.0.1:1")


def test_a_killed_model_server_is_restarted_by_the_supervisor(git_project: Path, socket_name: str) -> None:
    port = free_loopback_port()
    rt, run = start(git_project, socket_name, [scripted_service(port)])
    url = f"http://127.0.0.1:{port}"
    key = RunSecrets.load(secrets_path(run)).key_for([url])
    wait_for("the scripted server", lambda: answers(url, key) == 200)
    for _ in range(2):  # twice: the second restart waits its backoff
        old = live_pid(rt, run, "scripted-llm")
        os.kill(old, signal.SIGKILL)
        wait_for("a new scripted server", lambda: (pid := live_pid(rt, run, "scripted-llm")) and pid != old)
        wait_for("the new server to answer with the same key", lambda: answers(url, key) == 200)
    restarts = [e for e in read_events(run.events("scripted-llm")) if e.kind == "restart"]
    assert len(restarts) == 2 and all(e.data["crash"] for e in restarts)
    # A closed window is made again.
    rt.tmux.run("kill-window", "-t", f"={rt.session(run)}:scripted-llm")
    wait_for("the window back", lambda: live_pid(rt, run, "scripted-llm"))
    wait_for("it to answer", lambda: answers(url, key) == 200)
    assert [e.text for e in read_events(run.events("scripted-llm")) if e.kind == "restart"][-1] == "its pane is gone"


def test_a_service_that_keeps_dying_ends_the_run_with_the_reason(git_project: Path, socket_name: str) -> None:
    dying = Service(name="engine", argv=[sys.executable, "-c", "raise SystemExit(3)"])
    rt, run = start(git_project, socket_name, [dying], policy=RestartPolicy(backoff_base=0.1, backoff_max=0.2, max_crashes=2))
    assert rt.wait(run, timeout=30) == "failed"
    reason = run.info().reason
    # How it died, as tmux told it: tmux 3.3 sometimes marks a dead pane without its exit
    # status (runtime/team.py), and then the reason says so instead of "exited 3".
    assert "service engine kept dying" in reason and re.search(r"\((exited 3|exited with no exit status);", reason), reason
    # The supervisor stopped the team and left (its window closed, not revived).
    wait_for("the supervisor to leave", lambda: rt.panes(run).supervisor is None)
    time.sleep(1.5)
    assert rt.panes(run).supervisor is None


def test_a_killed_supervisor_comes_back_and_supervises(git_project: Path, socket_name: str) -> None:
    rt, run = start(git_project, socket_name, [])
    hook = subprocess.run(["tmux", "-L", socket_name, "show-hooks", "-w", "-t", f"={rt.session(run)}:supervisor"], capture_output=True, text=True).stdout
    assert "pane-died" in hook  # (show-hooks does not list alert-silence; the kills below test it)
    def starts() -> int:
        return run.log("supervisor").read_text().count("supervising run") if run.log("supervisor").exists() else 0

    wait_for("the supervisor", lambda: starts() == 1)
    # Six times: tmux 3.3 misses the pane-died hook about one time in six; the silence
    # alert catches those.
    for n in range(2, 8):
        old = live_pid(rt, run, "supervisor")
        os.kill(old, signal.SIGKILL)
        wait_for("a new supervisor", lambda: starts() == n and live_pid(rt, run, "supervisor") not in (None, old), timeout=12)
    # A frozen supervisor is silent: it is replaced too (frozen for real: tmux undoes a SIGSTOP).
    if os.access(FREEZER, os.W_OK):
        frozen = live_pid(rt, run, "supervisor")
        freezer = Freezer()
        freezer.freeze(frozen, 30)
        try:
            wait_for("a supervisor in place of the frozen one", lambda: starts() == 8 and live_pid(rt, run, "supervisor") not in (None, frozen), timeout=15)
        finally:
            freezer.thaw_all()  # it was sent SIGHUP: it ends now
        wait_for("the frozen one to end", lambda: not Path(f"/proc/{frozen}").exists() or "zombie" in Path(f"/proc/{frozen}/status").read_text())
    # The new one does the job: a killed coder is restarted.
    wait_for("coder-1 to heartbeat", lambda: any(e.kind == "heartbeat" for e in read_events(run.events("coder-1"))))
    coder = rt.panes(run).agents["coder-1"].pid
    os.kill(coder, signal.SIGKILL)
    wait_for("coder-1 restarted", lambda: any(e.kind == "restart" for e in read_events(run.events("coder-1"))))
    assert starts() == (8 if os.access(FREEZER, os.W_OK) else 7)
    # It ends on purpose when the run is over, and then stays gone.
    run.update_info(status="succeeded", reason="done")
    wait_for("the supervisor to leave", lambda: rt.panes(run).supervisor is None)
    time.sleep(1.5)
    assert rt.panes(run).supervisor is None


def test_services_restart_on_any_exit_with_backoff_and_no_silence_check() -> None:
    tracker = RestartTracker(RestartPolicy(backoff_base=1.0, silent_after=5.0), spawned_at=0.0)
    assert tracker.observe(Observation(has_pane=True, pid=10, beats=False), 100.0).action == "ok"  # never "silent"
    assert tracker.observe(Observation(has_pane=True, dead=True, exit_status=0, pid=10, beats=False), 101.0).action == "wait"
    decision = tracker.observe(Observation(has_pane=True, dead=True, exit_status=0, pid=10, beats=False), 102.5)
    assert (decision.action, decision.crash, decision.reason) == ("restart", True, "exited 0")


def test_a_storm_is_seeded_and_spares_the_script_rules() -> None:
    script = {"rules": [{"reply": "once", "times": 1}], "default": "later"}
    with FakeLLMServer(script, tps=0, ttft=0, storm=FaultStorm(0.5, seed=7, kinds=("http_500",))) as fake:
        statuses = []
        for _ in range(12):
            r = httpx.post(f"{fake.url}/api/chat", json={"model": "m", "stream": False, "messages": [{"role": "user", "content": "x"}]}, timeout=5)
            statuses.append(r.status_code if r.status_code != 200 else r.json()["message"]["content"])
    again = FaultStorm(0.5, seed=7, kinds=("http_500",))
    expected = [500 if again.draw() else None for _ in range(12)]
    assert [s == 500 for s in statuses] == [e == 500 for e in expected]
    assert 2 <= statuses.count(500) <= 10
    answered = [s for s in statuses if s != 500]
    assert answered[0] == "once" and set(answered[1:]) <= {"later"}  # a stormed request used up no rule


def test_a_corrupt_secrets_file_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    path.write_text("{not json")
    with pytest.raises(SecretsError, match="restore it, or start a new run"):
        RunSecrets.load(path)
    assert RunSecrets.load(tmp_path / "none.json") == RunSecrets()
    RunSecrets(env={"OPENAI_API_KEY": "k"}).save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and json.loads(path.read_text())["env"] == {"OPENAI_API_KEY": "k"}


def test_a_run_s_own_server_gets_more_connect_tries_than_others() -> None:
    plain = RetryPolicy()
    assert retry_delay(plain, "connect", 3, random.Random(1)) is None
    patient = RetryPolicy(max_connect_attempts=8)
    waits = [retry_delay(patient, "connect", n, random.Random(n)) for n in range(1, 8)]
    assert all(w is not None for w in waits) and 12 <= sum(waits) <= 32
    assert retry_delay(patient, "connect", 8, random.Random(1)) is None
    assert retry_delay(patient, "http_5xx", 3, random.Random(1)) is None  # other faults: as before
