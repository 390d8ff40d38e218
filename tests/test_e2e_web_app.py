"""End to end with the scripted model: the mini web app (a form, a backend, SQLite, a page
listing what was stored). QA starts the app in the sandbox, Chromium fills and submits the
form, the page and guestbook.db are read back; an app that forgets to store the entry goes
back to the coder with that finding, the second attempt passes, and the screenshot of the
final page is in the run's artifacts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crewmux.agents.llm.fake_server import FakeLLMServer
from crewmux.protocol.events import read_events
from crewmux.protocol.rundir import list_runs
from crewmux.workspace.validators import web

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
F = "```"
APP = (Path(__file__).parent.parent / "benchmark" / "suites" / "graduation" / "grad-guestbook-app" / "solution" / "app.py").read_text()
FORGETFUL = APP.replace('db.execute("INSERT INTO entries (name, message) VALUES (?, ?)", (name, message))',
                        'db.execute("SELECT ?, ?", (name, message))')
PLAN = {"summary": "guestbook", "tasks": [{
    "id": "app", "title": "Guestbook web app", "files": ["app.py"], "language": "python",
    "description": "python3 app.py PORT serves a page with a form; entries are stored in guestbook.db (SQLite) and listed",
    "acceptance": ["the form stores an entry in guestbook.db", "the page lists the stored entries"],
    "contract": {"routes": ["GET / -> 200", "POST /entries form {name, message} -> 303",
                            "POST /entries form {message} -> 400"], "element_ids": ["entry-form", "entries"]}}]}


def test_the_mini_web_app_is_used_like_a_person_would(git_project: Path, tmp_path: Path):
    if not (Path(web.CHROMIUM).exists() or shutil.which("chromium")):
        pytest.skip("chromium is not installed")
    script = {"tps": 0, "ttft": 0, "rules": [
        {"role": "cto", "reply": PLAN},
        {"role": "coder", "attempt": 1, "reply": f"app.py\n{F}python\n{FORGETFUL}{F}\n"},
        {"role": "coder", "reply": f"app.py\n{F}python\n{APP}{F}\n"},
        {"role": "qa", "reply": "no tests"}]}
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    with FakeLLMServer(script) as fake:
        (git_project / "crewmux.toml").write_text(f'coders = 1\n[default]\nprovider = "ollama"\nmodel = "m:1.5b"\n'
                                                   f'base_urls = ["{fake.url}"]\n[budgets]\nwall_seconds = 240\n')
        proc = subprocess.run([sys.executable, "-m", "crewmux", "run", "--headless", "--project", str(git_project),
                               "Build a guestbook web app: a form, a backend storing entries in SQLite, a page listing them"],
                              capture_output=True, text=True, timeout=280, env=env)
    run = list_runs(git_project)[-1]
    logs = proc.stdout + proc.stderr + "".join(p.read_text(errors="replace")[-4000:] for p in sorted(run.logs_dir.glob("*")))
    report = json.loads(run.report_json.read_text())
    assert report["status"] == "succeeded", logs
    assert report["tasks"][0]["passed_on_try"] == 2, logs
    verdicts = [e.data["checks"] for e in read_events(run.events_dir / "qa.jsonl") if e.kind == "verdict"]
    assert verdicts[0]["database"] == "failed" and verdicts[0]["HTTP POST /entries"] == "passed", verdicts[0]
    assert verdicts[1]["page: fill and submit the form"] == "passed" and verdicts[1]["database"] == "passed", verdicts[1]
    assert "is in none of guestbook.db" in run.llm_log("coder-1").read_text()
    shots = sorted(run.artifacts_dir.glob("app-a*-server-page.png"))
    assert [s.name for s in shots] == ["app-a1-server-page.png", "app-a2-server-page.png"], shots
    assert shots[-1].stat().st_size > 1000
    files = subprocess.run(["git", "ls-tree", "-r", "--name-only", f"crewmux/{run.run_id}"], cwd=git_project,
                           capture_output=True, text=True, check=True).stdout.split()
    assert "app.py" in files and "guestbook.db" not in files  # what the check stored is not the code
