"""End to end with the scripted model: a Flask REST API with three routes. The team plans
it, the coder writes app.py and requirements.txt, QA installs Flask from the package index
into the run's environment (outside the sandbox), starts the server inside the sandbox and
checks each route over HTTP; a wrong status goes back to the coder with the route named,
the second attempt passes and is merged. A package that does not exist fails with the
index's answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crewmux.agents.llm.fake_server import FakeLLMServer
from crewmux.protocol.events import read_events
from crewmux.protocol.rundir import list_runs

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
F = "```"
BRIEF = "Build a Flask REST API for notes with three routes; its dependencies go in a requirements file"
ROUTES = ["GET /notes -> 200 []", "POST /notes {text} -> 201 {id: int, text}", "GET /notes/{id} -> 200 {id, text}"]
PLAN = {"summary": "notes API", "tasks": [{
    "id": "api", "title": "Notes REST API in Flask", "files": ["app.py", "requirements.txt"], "language": "python",
    "description": "A Flask app in app.py keeping notes in memory; requirements.txt declares flask",
    "acceptance": ["GET /notes lists the notes", "POST /notes stores a note and answers 201 with it",
                   "GET /notes/ID answers the note"],
    "contract": {"routes": ROUTES}}]}
APP = '''from flask import Flask, jsonify, request

app = Flask(__name__)
NOTES = []


@app.get("/notes")
def list_notes():
    return jsonify(NOTES)


@app.post("/notes")
def add_note():
    data = request.get_json(silent=True) or {}
    note = {"id": len(NOTES) + 1, "text": str(data.get("text", ""))}
    NOTES.append(note)
    return jsonify(note), STATUS


@app.get("/notes/<int:note_id>")
def get_note(note_id):
    for note in NOTES:
        if note["id"] == note_id:
            return jsonify(note)
    return jsonify(error="not found"), 404
'''


def reply(status: int, requirement: str = "flask>=2.3") -> str:
    return (f"requirements.txt\n{F}\n{requirement}\n{F}\n\napp.py\n{F}python\n"
            f"{APP.replace('STATUS', str(status))}{F}\n")


def run_team(git_project: Path, tmp_path: Path, coder_rules: list[dict], plan: dict = PLAN, brief: str = BRIEF) -> tuple[dict, str, object]:
    script = {"tps": 0, "ttft": 0, "rules": [{"role": "cto", "reply": plan}, *coder_rules,
                                             {"role": "qa", "reply": "no tests"}]}
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path.parent / "shared-cache")}  # the pip/npm cache, kept across tests
    with FakeLLMServer(script) as fake:
        (git_project / "crewmux.toml").write_text(f'coders = 1\n[default]\nprovider = "ollama"\nmodel = "m:1.5b"\n'
                                                   f'base_urls = ["{fake.url}"]\n[budgets]\nwall_seconds = 240\n'
                                                   f'escalate_after = 3\n')
        proc = subprocess.run([sys.executable, "-m", "crewmux", "run", "--headless", "--project", str(git_project), brief],
                              capture_output=True, text=True, timeout=280, env=env)
    run = list_runs(git_project)[-1]
    logs = proc.stdout + proc.stderr + "".join(p.read_text(errors="replace")[-4000:] for p in sorted(run.logs_dir.glob("*")))
    return json.loads(run.report_json.read_text()), logs, run


def test_a_flask_api_is_installed_started_and_checked_over_http(git_project: Path, tmp_path: Path):
    report, logs, run = run_team(git_project, tmp_path, [
        {"role": "coder", "attempt": 1, "reply": reply(200)},  # POST answers 200, the contract says 201
        {"role": "coder", "reply": reply(201)},
    ])
    assert report["status"] == "succeeded", logs
    (task,) = report["tasks"]
    assert task["passed_on_try"] == 2, logs
    verdicts = [e for e in read_events(run.events_dir / "qa.jsonl") if e.kind == "verdict"]
    first, second = verdicts[0].data["checks"], verdicts[1].data["checks"]
    assert first["dependencies"] == "passed" and first["server"] == "passed", verdicts[0].data
    assert first["HTTP POST /notes"] == "failed" and first["HTTP GET /notes"] == "passed"
    assert all(second[name] == "passed" for name in ("HTTP GET /notes", "HTTP POST /notes", "HTTP GET /notes/{id}")), second
    # The coder's second prompt said which route failed and why.
    assert "POST /notes {text} -> 201 {id: int, text}: status 200, expected 201" in run.llm_log("coder-1").read_text(), logs
    # Flask was installed into the run's environment, not the project or the worktree.
    envs = list((run.path / "deps").glob("*/python/flask"))
    assert envs, list((run.path / "deps").glob("*"))
    files = subprocess.run(["git", "ls-tree", "-r", "--name-only", f"crewmux/{run.run_id}"], cwd=git_project,
                           capture_output=True, text=True, check=True).stdout.split()
    assert {"app.py", "requirements.txt"} <= set(files) and not any(f.startswith(("flask/", "deps/")) for f in files)


def test_a_package_that_does_not_exist_fails_with_the_index_answer(git_project: Path, tmp_path: Path):
    report, logs, run = run_team(git_project, tmp_path, [
        {"role": "coder", "reply": reply(201, "flask>=2.3\nflask-crewmux-imagined-helper-9c1\n")},
    ])
    assert report["status"] != "succeeded", logs
    verdicts = [e for e in read_events(run.events_dir / "qa.jsonl") if e.kind == "verdict"]
    assert verdicts and all(v.data["checks"].get("dependencies") == "failed" for v in verdicts), [v.data for v in verdicts]
    # The index's answer is in the report and in what the coder was told.
    for text in (run.report_json.read_text(), run.llm_log("coder-1").read_text()):
        assert "pip cannot install flask-crewmux-imagined-helper-9c1" in text and "from versions: none" in text


EXPRESS_PLAN = {"summary": "todo API", "tasks": [{
    "id": "api", "title": "Todo REST API in Express", "files": ["server.js", "package.json"], "language": "javascript",
    "description": "An Express app in server.js listening on process.env.PORT; package.json declares express",
    "acceptance": ["GET /todos lists the todos", "POST /todos adds a todo", "GET /todos/ID answers the todo"],
    "contract": {"routes": ["GET /todos -> 200 []", "POST /todos {title} -> 201 {id: int, title, done: false}",
                            "GET /todos/{id} -> 200 {id, title}", "GET /todos/999 -> 404 {error}"]}}]}
EXPRESS = """const express = require('express');

const app = express();
app.use(express.json());
const todos = [];

app.get('/todos', (req, res) => res.json(todos));
app.post('/todos', (req, res) => {
  const todo = { id: todos.length + 1, title: String(req.body.title || ''), done: false };
  todos.push(todo);
  res.status(201).json(todo);
});
app.get('/todos/:id', (req, res) => {
  const todo = todos.find((t) => t.id === Number(req.params.id));
  if (!todo) return res.status(404).json({ error: 'not found' });
  res.json(todo);
});

app.listen(Number(process.env.PORT || 3000), '127.0.0.1');
"""


def test_an_express_api_is_installed_from_npm_and_checked_over_http(git_project: Path, tmp_path: Path):
    package = json.dumps({"name": "todos", "version": "1.0.0", "main": "server.js", "dependencies": {"express": "^4.19.0"}})
    coder = f"package.json\n{F}json\n{package}\n{F}\n\nserver.js\n{F}javascript\n{EXPRESS}{F}\n"
    report, logs, run = run_team(git_project, tmp_path, [{"role": "coder", "reply": coder}], EXPRESS_PLAN,
                                 "Build a todo REST API in Express with three routes; declare express in package.json")
    assert report["status"] == "succeeded", logs
    verdicts = [e for e in read_events(run.events_dir / "qa.jsonl") if e.kind == "verdict"]
    checks = verdicts[-1].data["checks"]
    assert checks["dependencies"] == "passed" and checks["node --check"] == "passed" and checks["imports"] == "passed", checks
    assert all(checks[f"HTTP {r}"] == "passed" for r in ("GET /todos", "POST /todos", "GET /todos/{id}", "GET /todos/999")), checks
    assert list((run.path / "deps").glob("*/node/node_modules/express/package.json"))
