"""The graduation suite's server checks (kind = "server" in task.toml), through the bench's
own scorer: the REST API's routes asked over HTTP, the guestbook driven in Chromium and its
SQLite file read back; each passes the reference answer and fails a wrong one, naming why."""

from __future__ import annotations

from pathlib import Path

import pytest

from crewmux.benchmark.checks import Checker
from crewmux.benchmark.suite import CheckSpec, Task, load_suite
from crewmux.workspace.sandbox import Sandbox

pytestmark = pytest.mark.timeout(300)
SUITE = Path(__file__).resolve().parents[1] / "benchmark" / "suites" / "graduation"


@pytest.fixture(scope="module")
def checker(tmp_path_factory: pytest.TempPathFactory) -> Checker:
    return Checker(Sandbox(), artifacts=tmp_path_factory.mktemp("artifacts"))


def server_only(task_id: str) -> Task:
    task = next(t for t in load_suite(SUITE).tasks if t.id == task_id)
    checks: list[CheckSpec] = [c for c in task.checks if c.kind == "server"]
    assert checks, f"{task_id} has no server check"
    return Task(task.id, task.category, task.language, task.brief, task.files, checks, task.timeout,
                task.stub, task.support, {}, task.solution, task.source)


def test_the_rest_api_is_asked_over_http(checker: Checker):
    task = server_only("grad-rest-api")
    good = checker.score_files(task, task.solution)
    assert good.passed, good.output
    assert good.output.count("passed: HTTP ") == 8
    wrong = {"server.py": task.solution["server.py"].replace("201", "200")}
    assert wrong["server.py"] != task.solution["server.py"]
    bad = checker.score_files(task, wrong)
    assert not bad.passed
    outputs = " ".join(o.output for o in bad.outcomes)
    assert "status 200, expected 201" in outputs
    assert not checker.score_files(task, {}).passed  # no server at all


def test_the_guestbook_is_used_like_a_person_would(checker: Checker):
    task = server_only("grad-guestbook-app")
    good = checker.score_files(task, task.solution)
    assert good.passed, good.output
    outputs = " ".join(o.output for o in good.outcomes)
    assert "page: fill and submit the form" in outputs and "guestbook.db (table entries)" in outputs
    assert list(checker.artifacts.glob("bench-grad-guestbook-app-server-page.png"))
    source = task.solution["app.py"]
    forgetful = source.replace('db.execute("INSERT INTO entries (name, message) VALUES (?, ?)", (name, message))',
                               'db.execute("SELECT ?, ?", (name, message))')
    assert forgetful != source
    bad = checker.score_files(task, {"app.py": forgetful})
    assert not bad.passed
    assert "is in none of guestbook.db" in " ".join(o.output for o in bad.outcomes)


def test_the_flask_and_express_apis_install_their_package_and_pass(checker: Checker):
    for task_id in ("grad-flask-api", "grad-express-api"):
        task = server_only(task_id)
        good = checker.score_files(task, task.solution)
        assert good.passed, good.output
    express = server_only("grad-express-api")
    wrong = {**express.solution, "server.js": express.solution["server.js"].replace("res.status(204).end()", "res.json({})")}
    bad = checker.score_files(express, wrong)
    assert not bad.passed and "status 200, expected 204" in bad.output


def test_an_imagined_package_is_the_answers_fault_not_the_benchs(checker: Checker):
    flask = server_only("grad-flask-api")
    answer = {**flask.solution, "requirements.txt": "flask>=2.3\nflask-crewmux-imagined-helper-9c1\n"}
    score = checker.score_files(flask, answer)
    assert not score.passed and not score.infrastructure
    assert "pip cannot install flask-crewmux-imagined-helper-9c1" in score.output and "from versions: none" in score.output
