"""Declared dependencies installed outside the sandbox into a per-run environment (real
pip and npm installs from the registries), seen read-only by the sandbox; refused specs,
policies, unknown packages with the registry's answer, install scripts never run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from crewmux.config import load_config
from crewmux.workspace import deps
from crewmux.workspace.deps import DepsPolicy, declared
from crewmux.workspace.sandbox import Sandbox
from crewmux.workspace.validators import Context, review_checks
from crewmux.workspace.validators.base import DepsSetup, python_env, run_tool

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return Sandbox()


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("deps-cache")


def tree(root: Path, files: dict[str, str]) -> list[str]:
    root.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return list(files)


def _need(tool: str) -> None:
    if not shutil.which(tool):
        pytest.skip(f"{tool} is not installed")


# -- pure ---------------------------------------------------------------------------------
def test_manifests_give_names_and_ranges_only(tmp_path):
    tree(tmp_path, {
        "requirements.txt": "flask>=3.0  # the web framework\nsix==1.16.0\n-e .\n--index-url https://evil.example/simple\n"
                            "git+https://github.com/x/y.git\nrequests[socks]>=2 ; python_version > '3.8'\n",
        "package.json": json.dumps({"dependencies": {"is-number": "^7.0.0", "left-pad": "git+https://x/y.git",
                                                     "evil": "file:../../etc"}, "devDependencies": {"@types/node": "20"}}),
    })
    reqs, problems = declared(tmp_path)
    assert [r.spec for r in reqs] == ["flask>=3.0", "six==1.16.0", "requests[socks]>=2", "is-number@^7.0.0", "@types/node@20"]
    refused = [p.message.split(" ")[0] for p in problems]
    assert refused == ["'-e", "'--index-url", "'git+https://github.com/x/y.git'", "left-pad:", "evil:"]
    assert [p.line for p in problems[:3]] == [3, 4, 5]


def test_policy_none_and_allow_list_refuse_before_anything_is_installed(tmp_path):
    tree(tmp_path / "w", {"requirements.txt": "six\nflask\n"})
    none = deps.install(tmp_path / "w", tmp_path / "run", DepsPolicy("none"))
    assert none.environment is None and len(none.problems) == 2 and "policy is \"none\"" in none.problems[0].message
    allow = deps.install(tmp_path / "w", tmp_path / "run", DepsPolicy("allow", ("Six",)))
    assert [p.line for p in allow.problems] == [2] and "not on crewmux.toml's [deps] allow list (Six)" in allow.problems[0].message
    assert not (tmp_path / "run" / "deps").exists()


def test_deps_section_of_crewmux_toml(tmp_path):
    (tmp_path / "crewmux.toml").write_text('[deps]\npolicy = "allow"\nallow = ["flask", "six"]\n')
    config = load_config(tmp_path, environ={})
    assert (config.deps.policy, config.deps.allow) == ("allow", ["flask", "six"])
    assert load_config(tmp_path / "nowhere", environ={}).deps.policy == "all"


# -- real installs ------------------------------------------------------------------------
def test_pip_installs_into_the_run_environment_which_the_sandbox_reads_but_cannot_write(tmp_path, sandbox, cache):
    files = tree(tmp_path / "w", {"requirements.txt": "six==1.16.0\n",
                                  "app.py": "import six\nprint(six.__version__, six.__file__)\n"})
    installed = deps.install(tmp_path / "w", tmp_path / "run-a", DepsPolicy(), cache)
    assert installed.problems == [] and installed.environment is not None, installed.log
    env = installed.environment
    assert (env.python / "six.py").is_file() and env.root.is_relative_to(tmp_path / "run-a")
    ctx = Context(tmp_path / "w", files, sandbox, timeout=60, environment=env)
    ok, output, _ = run_tool(ctx, "python", ["python3", "app.py"], env=python_env())
    assert ok and output.startswith("1.16.0 " + str(env.python)), output
    if sandbox.bwrap_ok:
        ok, output, _ = run_tool(ctx, "python", ["python3", "-c", f"open({str(env.python / 'six.py')!r}, 'a').write('x')"],
                                 env=python_env())
        assert not ok and "Read-only file system" in output
    again = deps.install(tmp_path / "w", tmp_path / "run-a", DepsPolicy(), cache)
    assert again.environment == env  # the next attempt reuses it
    other_run = deps.install(tmp_path / "w", tmp_path / "run-b", DepsPolicy(), cache)
    assert "File was already downloaded" in other_run.log, other_run.log  # the download cache is shared


def test_a_package_that_does_not_exist_is_the_coders_error_with_the_index_answer(tmp_path, sandbox, cache):
    files = tree(tmp_path / "w", {"requirements.txt": "six\ncrewmux-no-such-package-4f2a\n", "app.py": "import six\n"})
    ctx = Context(tmp_path / "w", files, sandbox, timeout=60, deps=DepsSetup(tmp_path / "run", DepsPolicy(), cache))
    results = review_checks(ctx, files)
    assert [r.name for r in results] == ["dependencies"] and results[0].status == "failed"
    finding = results[0].findings[0]
    assert (finding.path, finding.line) == ("requirements.txt", 2)
    assert "crewmux-no-such-package-4f2a" in finding.message and "from versions: none" in finding.message


def test_npm_installs_without_scripts_and_node_finds_the_package(tmp_path, sandbox, cache):
    _need("npm")
    files = tree(tmp_path / "w", {"package.json": json.dumps({"name": "x", "dependencies": {"is-number": "^7.0.0"}}),
                                  "main.js": "const isNumber = require('is-number');\nconsole.log(isNumber(5), isNumber('x'));\n"})
    ctx = Context(tmp_path / "w", files, sandbox, timeout=60, deps=DepsSetup(tmp_path / "run", DepsPolicy(), cache))
    results = {r.name: r for r in review_checks(ctx, files)}
    assert results["dependencies"].status == "passed", results["dependencies"].findings
    assert results["imports"].status == "passed"
    ok, output, _ = run_tool(ctx, "node", ["node", "main.js"])
    assert ok and output == "true false", output
    assert not (tmp_path / "w" / "node_modules").exists(), "installs go to the run's environment, not the worktree"


def test_an_npm_package_that_does_not_exist_gets_the_registry_answer(tmp_path, cache):
    _need("npm")
    tree(tmp_path / "w", {"package.json": json.dumps({"dependencies": {"crewmux-no-such-package-4f2a": "^1.0.0"}})})
    installed = deps.install(tmp_path / "w", tmp_path / "run", DepsPolicy(), cache)
    assert installed.environment is None and installed.problems, installed.log
    assert "crewmux-no-such-package-4f2a" in installed.problems[0].message and "404" in installed.problems[0].message


def test_an_install_script_never_runs(tmp_path, cache):
    """A package whose postinstall would write a file: npm installs it, the file never appears.
    (A local package, so the test knows what its script would do.)"""
    _need("npm")
    marker = tmp_path / "postinstall-ran"
    package = tmp_path / "evil"
    tree(package, {"package.json": json.dumps({"name": "evil", "version": "1.0.0", "scripts": {
        "preinstall": f"node -e \"require('fs').writeFileSync('{marker}', 'pre')\"",
        "postinstall": f"node -e \"require('fs').writeFileSync('{marker}', 'post')\""}}), "index.js": "module.exports = 1;\n"})
    building = tmp_path / "env"
    building.mkdir()
    outcome = deps._npm_install([deps.Requirement("npm", "evil", f"evil@file:{package}", "package.json")], building, cache, 120)
    assert outcome.problems == [] and not outcome.infrastructure, outcome.log
    assert (building / "node" / "node_modules" / "evil" / "index.js").exists()
    assert not marker.exists(), "an install script ran"


def test_a_flask_api_installed_from_the_index_passes_its_routes(tmp_path, sandbox, cache):
    app = '''from flask import Flask, jsonify, request

app = Flask(__name__)
NOTES = []


@app.get("/notes")
def list_notes():
    return jsonify(NOTES)


@app.post("/notes")
def add_note():
    data = request.get_json(silent=True) or {}
    if not data.get("text"):
        return jsonify(error="text is required"), 400
    note = {"id": len(NOTES) + 1, "text": data["text"]}
    NOTES.append(note)
    return jsonify(note), 201


@app.get("/notes/<int:note_id>")
def get_note(note_id):
    for note in NOTES:
        if note["id"] == note_id:
            return jsonify(note)
    return jsonify(error="not found"), 404
'''
    files = tree(tmp_path / "w", {"requirements.txt": "flask>=2.3\n", "app.py": app})
    routes = ("GET /notes -> 200 []", "POST /notes {text} -> 201 {id: int, text}", "GET /notes/{id} -> 200 {id, text}",
              "POST /notes {} -> 400 {error}")
    ctx = Context(tmp_path / "w", files, sandbox, timeout=90, routes=routes, deps=DepsSetup(tmp_path / "run", DepsPolicy(), cache))
    results = {r.name: r for r in review_checks(ctx, files)}
    assert results["dependencies"].status == "passed", results["dependencies"].findings
    assert "flask" in results["server"].detail and results["server"].status == "passed", results["server"].detail
    for name in ("HTTP GET /notes", "HTTP POST /notes", "HTTP GET /notes/{id}"):
        assert results[name].status == "passed", results[name].detail
    assert ctx.environment is not None and (ctx.environment.python / "flask").is_dir()
