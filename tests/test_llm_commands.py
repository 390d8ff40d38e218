"""The LLM subcommands as a user runs them: `crewmux fake-llm` as a subprocess, `probe`,
`models` and `init` against it over real HTTP."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from crewmux.agents.llm.fake_server import FakeLLMServer
from crewmux.agents.llm.init_config import choose_models
from crewmux.agents.llm.probe import ProbeResult, format_table
from crewmux.agents.llm.wire import ModelInfo
from crewmux.config import load_config

pytestmark = pytest.mark.timeout(60)


def crewmux(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crewmux", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


@pytest.fixture
def fake_process(tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen[str]]]:
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"rules": [{"role": "qa", "reply": "verdict: pass"}], "default": "hello from the script"}))
    log = tmp_path / "requests.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "crewmux", "fake-llm", "--script", str(script), "--port", "0", "--tps", "0", "--request-log", str(log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        first = proc.stdout.readline() if proc.stdout else ""
        match = re.fullmatch(r"fake-llm listening on (http://127\.0\.0\.1:\d+)\n", first)
        assert match, first + (proc.stderr.read() if proc.stderr else "")
        yield match.group(1), log, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def test_fake_llm_subprocess_serves_logs_and_stops_on_sigterm(fake_process) -> None:
    url, log, proc = fake_process
    reply = httpx.post(
        f"{url}/api/chat",
        json={"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": False},
        headers={"X-Crewmux-Role": "qa", "X-Crewmux-Task": "t3"},
    ).json()
    assert reply["message"]["content"] == "verdict: pass" and reply["done"] is True
    openai = httpx.post(f"{url}/v1/chat/completions", json={"model": "m", "messages": [{"role": "user", "content": "x"}]}).json()
    assert openai["choices"][0]["message"]["content"] == "hello from the script"
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert entries[0]["path"] == "/api/chat" and entries[0]["crewmux"]["task"] == "t3" and entries[0]["rule"] == 0
    assert entries[1]["rule"] == "default"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0


def test_fake_llm_bad_script_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"rules": [{"fault": "explode"}]}')
    result = crewmux("fake-llm", "--script", str(bad))
    assert result.returncode == 2
    assert "bad.json: rules.0.fault" in result.stderr and "Traceback" not in result.stderr


def test_probe_reports_the_servers_speed() -> None:
    script = {"default": "tok " * 200, "tps": 50, "ttft": 0.1}
    with FakeLLMServer(script) as fake:
        result = crewmux("probe", "--base-url", fake.url, "--model", "qwen2.5-coder:7b", "--runs", "2", "--max-tokens", "40")
    assert result.returncode == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if line.startswith("qwen2.5-coder:7b"))
    gen, prompt, ttft, _s, tokens, runs = row.split()[1:]
    assert 45 <= float(gen) <= 55, result.stdout
    assert float(prompt) > 0 and 0.1 <= float(ttft) < 0.5
    assert tokens == "40" and runs == "2"
    probes = [r for r in fake.requests if r["method"] == "POST"]
    assert len(probes) == 2 and probes[0]["crewmux"]["role"] == "probe"
    assert probes[0]["body"]["options"]["num_predict"] == 40


def test_probe_unreachable_server_says_what_to_check(tmp_path: Path) -> None:
    with FakeLLMServer({"default": "x"}) as fake:
        port = fake.port
    result = crewmux("probe", "--base-url", f"http://127.0.0.1:{port}", "--runs", "1", cwd=tmp_path)
    assert result.returncode == 1
    assert "cannot connect" in result.stdout and "ollama serve" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("provider", ["ollama", "openai", "anthropic"])
def test_models_lists_the_servers_models(provider: str, tmp_path: Path) -> None:
    with FakeLLMServer({"models": ["qwen2.5-coder:7b", "qwen3:14b"], "default": "x"}) as fake:
        result = crewmux("models", "--provider", provider, "--base-url", fake.url, cwd=tmp_path, env={"ANTHROPIC_API_KEY": "k"})
    assert result.returncode == 0, result.stderr
    assert "qwen2.5-coder:7b" in result.stdout and "qwen3:14b" in result.stdout
    if provider == "ollama":
        assert re.search(r"qwen2\.5-coder:7b\s+4\.2 GB\s+7B Q4_K_M\s+loaded", result.stdout)


def test_models_reads_crewmux_toml_and_ollama_host(tmp_path: Path) -> None:
    with FakeLLMServer({"models": ["from-env:1b"], "default": "x"}) as env_fake, FakeLLMServer({"models": ["from-toml:3b"], "default": "x"}) as toml_fake:
        assert "from-env:1b" in crewmux("models", cwd=tmp_path, env={"OLLAMA_HOST": env_fake.url}).stdout
        (tmp_path / "crewmux.toml").write_text(f'[default]\nbase_url = "{toml_fake.url}"\n')
        assert "from-toml:3b" in crewmux("models", cwd=tmp_path, env={"OLLAMA_HOST": env_fake.url}).stdout


def test_init_finds_ollama_and_writes_a_loadable_config(tmp_path: Path) -> None:
    models = ["nomic-embed-text:latest", "llama3.2:3b", "qwen2.5-coder:7b", "qwen3:14b"]
    with FakeLLMServer({"models": models, "default": "x"}) as fake:
        result = crewmux("init", "--dir", str(tmp_path), env={"OLLAMA_HOST": fake.url})
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "crewmux.toml").read_text()
    assert f"Ollama found at {fake.url}" in text and text.count("#") > 20  # commented
    config = load_config(tmp_path)
    assert config.default.model == "qwen2.5-coder:7b" and config.default.base_urls == [fake.url]
    assert config.for_role("cto").model == "qwen3:14b" and config.for_role("qa").model == "qwen3:14b"
    again = crewmux("init", "--dir", str(tmp_path))
    assert again.returncode == 2 and "--force" in again.stderr


def test_init_without_ollama_writes_defaults(tmp_path: Path) -> None:
    with FakeLLMServer({"default": "x"}) as fake:
        port = fake.port
    empty_store = tmp_path / "models"
    project = tmp_path / "p"
    project.mkdir()
    result = crewmux("init", "--dir", str(project), "--force",
                     env={"OLLAMA_HOST": f"127.0.0.1:{port}", "CREWMUX_MODELS_DIR": str(empty_store)})
    assert result.returncode == 0 and f"nothing answered at http://127.0.0.1:{port}" in result.stdout, result.stdout
    config = load_config(project)
    assert config.default.model == "qwen2.5-coder:7b" and config.default.base_urls == []
    assert "ollama pull qwen2.5-coder:7b" in (project / "crewmux.toml").read_text()


def test_init_finds_a_server_at_openai_base_url(tmp_path: Path) -> None:
    """The first run's complaint: with OPENAI_BASE_URL at a live server, init wrote Ollama defaults."""
    with FakeLLMServer({"models": ["qwen2.5-coder-1.5b-instruct"], "default": "x"}) as fake:
        result = crewmux("init", "--dir", str(tmp_path), env={"OPENAI_BASE_URL": f"{fake.url}/v1"})
    assert result.returncode == 0, result.stderr
    assert "OpenAI-compatible server" in result.stdout
    config = load_config(tmp_path)
    assert config.default.provider == "openai" and config.default.model == "qwen2.5-coder-1.5b-instruct"
    assert config.default.base_urls == [f"{fake.url}/v1"]


def test_init_finds_the_embedded_engine_and_pulled_models(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp", reason="the embedded engine (pip install 'crewmux[local]') is not installed")
    store = tmp_path / "models"
    gguf = tmp_path / "tiny.gguf"
    gguf.write_bytes(b"GGUF" + b"\0" * 60)
    with FakeLLMServer({"default": "x"}) as fake:
        port = fake.port
    env = {"OLLAMA_HOST": f"127.0.0.1:{port}", "CREWMUX_MODELS_DIR": str(store)}
    assert crewmux("models", "pull", str(gguf), "--name", "tiny-coder:1b", env=env).returncode == 0
    project = tmp_path / "p"
    project.mkdir()
    result = crewmux("init", "--dir", str(project), env=env)
    assert result.returncode == 0, result.stderr
    assert "embedded engine" in result.stdout and "tiny-coder:1b" in result.stdout
    config = load_config(project)
    assert config.default.provider == "local" and config.default.model == "tiny-coder:1b"
    assert config.default.base_urls == [] and config.for_role("cto").model == "tiny-coder:1b"


def test_choose_models_prefers_code_models_and_the_largest_planner() -> None:
    models = [ModelInfo("llama3.2:3b", 2_000), ModelInfo("deepseek-coder-v2:16b", 9_000), ModelInfo("qwen3:32b", 20_000), ModelInfo("bge-embed", 99_999)]
    choice = choose_models(models)
    assert (choice.coder, choice.planner) == ("deepseek-coder-v2:16b", "qwen3:32b")
    assert choose_models([]).coder == "qwen2.5-coder:7b"


def test_probe_table_shows_medians_and_errors() -> None:
    ok = ProbeResult("a:7b", "u", gen_tps=[40.0, 50.0, 60.0], prompt_tps=[900.0, 1000.0, 1100.0], ttft=[0.5, 0.2, 0.3], tokens=[256, 256, 256])
    bad = ProbeResult("b:14b", "u", error="ollama server u cannot connect")
    table = format_table([ok, bad])
    assert re.search(r"a:7b\s+50\.0\s+1000\s+0\.30 s\s+256\s+3", table)
    assert re.search(r"b:14b\s+-\s+-\s+-\s+-\s+0", table) and "b:14b: ollama server u cannot connect" in table
