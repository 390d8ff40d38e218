"""A run whose very first message ends it: the CTO's request fails (the model server
answers HTTP 500 to everything), the CTO reports the error, and the coordinator ends the
run with that reason at once. Before the fix the coordinator crashed writing the report
(``KeyError: 'handle'``), run.json stayed ``planning`` and headless waited for its whole
wall budget."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crewmux.agents.llm.fake_server import FakeLLMServer
from crewmux.protocol.rundir import list_runs

pytestmark = pytest.mark.timeout(180)

SERVER_VARIABLES = ("OLLAMA_HOST", "OPENAI_BASE_URL", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL")


def test_a_cto_that_fails_its_first_request_ends_the_run_with_the_reason(git_project: Path, tmp_path: Path) -> None:
    script = {"rules": [{"role": "cto", "fault": "http_500", "error_message": "model exploded"}], "tps": 0, "ttft": 0}
    (git_project / ".git" / "info" / "exclude").write_text(".crewmux/\ncrewmux.toml\n")
    env = {k: v for k, v in os.environ.items() if k not in SERVER_VARIABLES}
    with FakeLLMServer(script, tps=0) as fake:
        (git_project / "crewmux.toml").write_text(
            f'coders = 1\n[default]\nprovider = "ollama"\nmodel = "fake-coder:7b"\nbase_url = "{fake.url}"\n'
            "[budgets]\nwall_seconds = 600\n"
        )
        started = time.monotonic()
        try:
            result = subprocess.run(
                [sys.executable, "-m", "crewmux", "run", "--headless", "a Python CLI that prints the n-th Fibonacci number"],
                cwd=git_project, env=env, capture_output=True, text=True, timeout=150,
            )
        finally:
            subprocess.run(["tmux", "-L", "crewmux", "kill-server"], capture_output=True, env=env, timeout=10)
        took = time.monotonic() - started
        cto_requests = [r for r in fake.requests if r.get("crewmux", {}).get("role") == "cto"]
    out = result.stdout + result.stderr
    assert result.returncode == 2, out
    # Seconds, not the 600 s wall budget: the retries of one request and the team's start.
    assert took < 90, f"took {took:.0f} s\n{out}"
    assert "Traceback" not in out
    run = list_runs(git_project)[-1]
    info = run.info()
    assert info.status == "failed"
    assert "model exploded" in info.reason or "HTTP 500" in info.reason or "500" in info.reason, info.reason
    report = run.report_md.read_text()
    assert "failed" in report and info.reason.split(";")[0][:40] in report
    timing = json.loads(run.report_json.read_text())["coordinator"]
    assert timing["handle"] > 0  # the message that ended the run is counted, without a KeyError
    assert "internal error" not in run.log("coordinator").read_text()
    assert len(cto_requests) >= 1
