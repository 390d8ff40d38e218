"""What a new user trips over first (issue 15): the servers a run talks to are stored in
it, a server variable alone selects its provider, bad counts and read-only projects are
refused before anything starts, and so is a model server that does not answer."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crewmux.agents.llm.fake_server import FakeLLMServer
from crewmux.config import Config, load_config
from crewmux.protocol.rundir import list_runs

pytestmark = pytest.mark.timeout(120)

SERVER_VARIABLES = ("OLLAMA_HOST", "OPENAI_BASE_URL", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SERVER_VARIABLES}
    return {**env, **extra}


def crewmux(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crewmux", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env or clean_env())


# -- (1) the resolved servers are part of the run ------------------------------------------------

def test_every_model_endpoint_is_written_out_from_the_shell() -> None:
    from crewmux.config import resolve_endpoints

    config = Config.model_validate({"roles": {"cto": {"provider": "openai", "model": "big"}, "qa": {"model": "q"}},
                                    "escalation": {"model": "huge"}})
    env = {"OLLAMA_HOST": "127.0.0.1:18778", "OPENAI_BASE_URL": "http://gpu:8000"}
    resolved = resolve_endpoints(config, env)
    assert resolved.default.base_urls == ["http://127.0.0.1:18778"]
    assert resolved.roles["qa"]["base_urls"] == ["http://127.0.0.1:18778"]
    assert resolved.roles["cto"]["base_urls"] == ["http://gpu:8000/v1"]
    assert resolved.escalation is not None and resolved.escalation.base_urls == ["http://127.0.0.1:18778"]
    # What the agents of a resumed run compute from the stored config, in a bare shell:
    stored = Config.model_validate(json.loads(resolved.model_dump_json()))
    from crewmux.config import model_endpoints

    assert model_endpoints(stored.for_role("coder"), {}) == ["http://127.0.0.1:18778"]
    assert model_endpoints(stored.for_role("cto"), {}) == ["http://gpu:8000/v1"]
    # A local engine the run starts itself has no address yet and keeps none.
    local = Config.model_validate({"default": {"provider": "local", "model": "m"}})
    assert resolve_endpoints(local, env).default.base_urls == []


def test_a_run_started_with_ollama_host_stores_that_server(git_project: Path) -> None:
    with FakeLLMServer(tps=0) as fake:
        env = clean_env(OLLAMA_HOST=fake.url, TMUX_TMPDIR=os.environ["TMUX_TMPDIR"])
        proc = subprocess.Popen([sys.executable, "-m", "crewmux", "run", "--headless", "a landing page"],
                                cwd=git_project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 30
            while not list_runs(git_project) and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            proc.terminate()
            out, _ = proc.communicate(timeout=60)
    runs = list_runs(git_project)
    assert runs, out
    stored = runs[-1].info().config
    assert stored["default"]["base_urls"] == [fake.url], out


# -- (3) OPENAI_BASE_URL alone -------------------------------------------------------------------

def test_openai_base_url_alone_selects_an_openai_compatible_server(tmp_path: Path) -> None:
    assert load_config(tmp_path, environ={"OPENAI_BASE_URL": "http://h:8000/v1"}).default.provider == "openai"
    assert load_config(tmp_path, environ={}).default.provider == "ollama"
    # Both set: OLLAMA_HOST names an Ollama, the default provider.
    assert load_config(tmp_path, environ={"OPENAI_BASE_URL": "http://h", "OLLAMA_HOST": "h"}).default.provider == "ollama"
    # A file that names its provider keeps it; one that does not takes the variable's.
    (tmp_path / "crewmux.toml").write_text('[default]\nprovider = "ollama"\n')
    assert load_config(tmp_path, environ={"OPENAI_BASE_URL": "http://h"}).default.provider == "ollama"
    (tmp_path / "crewmux.toml").write_text('coders = 3\n[default]\nmodel = "m"\n')
    assert load_config(tmp_path, environ={"OPENAI_BASE_URL": "http://h"}).default.provider == "openai"


def test_models_asks_the_server_at_openai_base_url(tmp_path: Path) -> None:
    with FakeLLMServer(tps=0) as fake:
        proc = crewmux("models", cwd=tmp_path, env=clean_env(OPENAI_BASE_URL=fake.url + "/v1", CREWMUX_MODELS_DIR=str(tmp_path / "m")))
    assert f"openai at {fake.url}/v1" in proc.stdout, proc.stdout + proc.stderr


def test_unknown_keys_get_the_nearest_known_one(tmp_path: Path) -> None:
    (tmp_path / "crewmux.toml").write_text('[default]\nmodle = "x"\n[budgets]\nwall_second = 3\n')
    from crewmux.config import ConfigError

    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path, environ={})
    assert "did you mean 'model'" in str(caught.value) and "did you mean 'wall_seconds'" in str(caught.value)


def test_doctor_is_not_ready_with_a_config_run_refuses(tmp_path: Path) -> None:
    (tmp_path / "crewmux.toml").write_text("coders = 0\n")
    proc = crewmux("doctor", "--no-llm", "--project", str(tmp_path), cwd=tmp_path, timeout=120)
    assert proc.returncode != 0 and "Not ready" in proc.stdout and "Ready." not in proc.stdout, proc.stdout


# -- (4) counts ----------------------------------------------------------------------------------

@pytest.mark.parametrize("count", ["-1", "0", "17", "two"])
def test_a_bad_coder_count_is_refused_before_anything_starts(git_project: Path, count: str) -> None:
    proc = crewmux("run", "--headless", "--scripted", "--coders", count, "x", cwd=git_project)
    assert proc.returncode == 2 and "--coders" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert "1 to 16" in proc.stderr or "not a whole number" in proc.stderr
    assert not (git_project / ".crewmux").exists()


# -- (5) a read-only project ---------------------------------------------------------------------

@pytest.mark.skipif(not shutil.which("unshare"), reason="needs unshare for a read-only bind mount")
def test_a_read_only_project_is_refused_and_doctor_says_so(git_project: Path) -> None:
    script = (f'mount --bind -o ro "{git_project}" "{git_project}" && cd "{git_project}" && '
              f'"{sys.executable}" -m crewmux run --headless --scripted "x"; echo "run-exit=$?"; '
              f'"{sys.executable}" -m crewmux doctor --no-llm; echo "doctor-exit=$?"')
    proc = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, timeout=120, env=clean_env())
    if "mount" in proc.stderr and "run-exit" not in proc.stdout:
        pytest.skip(f"no read-only bind mount here: {proc.stderr}")
    assert "run-exit=2" in proc.stdout, proc.stdout + proc.stderr
    assert "Read-only file system" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert "SCRIPTED MODEL" not in proc.stdout  # refused before the banner
    assert "doctor-exit=1" in proc.stdout and "Read-only file system" in proc.stdout, proc.stdout


# -- (6) the model server answers before the team starts ------------------------------------------

def test_a_server_that_does_not_answer_stops_the_run_before_the_team(git_project: Path) -> None:
    from crewmux.agents.llm.model_source import free_loopback_port

    url = f"http://127.0.0.1:{free_loopback_port()}"
    (git_project / "crewmux.toml").write_text(f'[default]\nprovider = "ollama"\nbase_url = "{url}"\n')
    proc = crewmux("run", "--headless", "a thing", cwd=git_project)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"LLM ollama {url}: not reachable" in proc.stderr and "ollama serve" in proc.stderr
    assert "--scripted" in proc.stderr and "nothing was started" in proc.stderr
    assert not list_runs(git_project)


def test_preflight_skips_the_servers_the_run_starts_itself() -> None:
    from crewmux.workspace.doctor_probe import server_groups

    config = Config.model_validate({"default": {"provider": "ollama", "base_urls": ["http://127.0.0.1:5555"]},
                                    "roles": {"qa": {"provider": "local", "model": "m"}}})
    assert server_groups(config, own=["http://127.0.0.1:5555/"]) == {}
    assert list(server_groups(config)) == [("ollama", "http://127.0.0.1:5555")]


def test_a_team_that_ended_early_points_at_a_log_that_exists(git_project: Path, capsys) -> None:
    from crewmux.protocol.rundir import build_agents
    from crewmux.run_command import _verdict
    from crewmux.protocol.rundir import RunDir

    run = RunDir.create(git_project, "x", build_agents(1, 1))
    run.update_info(status="running")
    assert _verdict(run) == 2
    reason = run.info().reason
    assert "coordinator.log" not in reason and f"crewmux logs {run.run_id} supervisor" in reason
    run.log("coordinator").write_text("12:00 crashed\n")
    run.update_info(status="running")
    _verdict(run)
    assert str(run.log("coordinator")) in run.info().reason
