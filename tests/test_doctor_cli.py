"""`crewmux doctor` end to end: real tools, the real sandbox probe, and LLM servers
played by `crewmux fake-llm` over real HTTP on loopback."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def fake_llm(tmp_path: Path):
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"models": ["fake-coder:7b", "fake-planner:14b"], "default": "hi"}))
    proc = subprocess.Popen([sys.executable, "-m", "crewmux", "fake-llm", "--script", str(script)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        assert line.startswith("fake-llm listening on "), line
        yield line.split()[-1]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_doctor_reports_tools_and_llm_servers(tmp_path: Path, fake_llm: str) -> None:
    project = tmp_path / "project"
    project.mkdir()
    dead = f"http://127.0.0.1:{_closed_port()}"
    (project / "crewmux.toml").write_text(f"""
[default]
provider = "ollama"
model = "fake-coder:7b"
base_urls = ["{fake_llm}"]

[roles.cto]
model = "not-pulled:14b"

[roles.qa]
provider = "openai"
model = "fake-planner:14b"
base_urls = ["{fake_llm}"]

[escalation]
provider = "ollama"
model = "fake-coder:7b"
base_urls = ["{dead}"]
""")
    home = tmp_path / "xdg"
    (home / "crewmux").mkdir(parents=True)
    (home / "crewmux" / "config.toml").write_text("coders = 1\n")
    done = subprocess.run([sys.executable, "-m", "crewmux", "doctor", "--project", str(project)],
                          capture_output=True, text=True, timeout=110, env={**os.environ, "XDG_CONFIG_HOME": str(home)})
    out = done.stdout
    assert done.returncode == 0, out + done.stderr  # tmux, git, python3 are installed here
    # Which files a run reads, so a user sees where a setting comes from.
    assert f"project: {project / 'crewmux.toml'} (read); user: {home / 'crewmux' / 'config.toml'} (read)" in out
    rows = {line.split("  ")[0].strip(): line for line in out.splitlines() if line and not line.startswith(" ")}
    for name in ("tmux", "git", "bubblewrap", "python3", "node", "php", "go", "tsc", "chromium (headless)"):
        assert name in rows, out
        if shutil.which(name.split()[0]):
            assert " ready " in rows[name], rows[name]
    ollama = rows[f"LLM ollama {fake_llm}"]
    assert "MISSING" in ollama and "not-pulled:14b" in ollama
    assert "fix: ollama pull not-pulled:14b" in out
    openai = rows[f"LLM openai {fake_llm}/v1"]
    assert " ready " in openai and "fake-planner:14b (qa)" in openai
    assert "MISSING" in rows[f"LLM ollama {dead}"] and "not reachable" in rows[f"LLM ollama {dead}"]


def test_doctor_exits_1_when_an_essential_is_missing(tmp_path: Path) -> None:
    """A PATH with git but without tmux: tmux is MISSING with its install command."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(shutil.which("git"))  # type: ignore[arg-type]
    env = {**os.environ, "PATH": str(bin_dir)}
    done = subprocess.run([sys.executable, "-m", "crewmux", "doctor", "--no-llm", "--project", str(tmp_path)],
                          capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "tmux" in done.stdout and "MISSING" in done.stdout
    assert "fix: sudo apt-get install -y tmux" in done.stdout
    assert "needs tmux" in done.stdout
    assert "Traceback" not in done.stderr


def test_doctor_reports_a_broken_config_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "crewmux.toml").write_text("coders = 'many'\n")
    done = subprocess.run([sys.executable, "-m", "crewmux", "doctor", "--no-llm", "--project", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert "config" in done.stdout and "coders" in done.stdout
    assert "Traceback" not in done.stderr
