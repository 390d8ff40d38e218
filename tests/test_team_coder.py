"""The coder in-process against the scripted model: steer notes, self-fixes, stuck, refused paths."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from crewmux.agents.coder import Coder
from crewmux.protocol.rundir import build_agents
from crewmux.agents.llm.fake_server import FakeLLMServer
from crewmux.config import Config, ModelConfig
from crewmux.protocol.mailbox import deliver
from crewmux.protocol.messages import Steer, TaskAssignment
from crewmux.protocol.plan import PlanTask
from crewmux.protocol.rundir import RunDir
from crewmux.workspace import git

pytestmark = pytest.mark.timeout(60)
F = "```"
GOOD = f"app.py\n{F}python\ndef hello() -> str:\n    return 'hi'\n{F}\n"
BAD = f"app.py\n{F}python\ndef hello() -> str\n    return 'hi'\n{F}\n"
TASK = PlanTask(id="t1", title="hello", files=["app.py"], language="python", acceptance=["hello() == 'hi'"])


def run_coder(hears, project: Path, rules: list[dict], *, steer: str | None = None, edit_format: str = "whole",
              brief: str = "hello", task: PlanTask = TASK) -> tuple[RunDir, list, list[dict]]:
    with FakeLLMServer({"tps": 0, "ttft": 0, "rules": rules}) as fake:
        config = Config(default=ModelConfig(provider="ollama", model="fake-coder:7b", base_urls=[fake.url]), edit_format=edit_format)
        run = RunDir.create(project, brief, build_agents(1, 1), config=config.model_dump(mode="json"))
        base = git.start_branch(project, f"crewmux/{run.run_id}")
        if steer:
            deliver(run.mail_root, Steer(run_id=run.run_id, sender="dashboard", recipient="coder-1", text=steer))
        deliver(run.mail_root, TaskAssignment(run_id=run.run_id, sender="coordinator", recipient="coder-1", task_id="t1",
                                              task=task, attempt=1, branch=f"crewmux/{run.run_id}-t1", base_ref=base))
        replies = hears(Coder(run, "coder-1", heartbeat_interval=60), timeout=30)
        requests = fake.requests
    return run, replies, requests


def prompts(requests: list[dict]) -> list[str]:
    return [json.dumps(r["body"]["messages"]) for r in requests if r.get("crewmux", {}).get("role") == "coder"]


def test_steer_note_goes_into_the_next_prompt_and_good_work_is_committed(git_project: Path, until_coordinator_hears):
    run, replies, requests = run_coder(until_coordinator_hears, git_project, [{"role": "coder", "reply": GOOD}], steer="use single quotes everywhere")
    assert [m.type for m in replies] == ["completion"]
    assert "use single quotes everywhere" in prompts(requests)[0]
    headers = requests[-1]["crewmux"]
    assert (headers["role"], headers["agent"], headers["task"], headers["attempt"]) == ("coder", "coder-1", "t1", "1")
    assert git.show_file(git_project, replies[0].commit, "app.py").startswith("def hello() -> str:")
    assert replies[0].files == ["app.py"]


def test_a_task_that_is_the_whole_brief_gets_the_brief_once(git_project: Path, until_coordinator_hears):
    brief = "Write `app.py` with `hello() -> str` that returns 'hi'. The answer goes in: app.py."
    one = TASK.model_copy(update={"description": brief[:40]})  # a one-file plan's description: the brief, cut
    _, replies, requests = run_coder(until_coordinator_hears, git_project, [{"role": "coder", "reply": GOOD}], brief=brief, task=one)
    assert [m.type for m in replies] == ["completion"]
    (asked,) = prompts(requests)
    assert asked.count("hello() -> str") == 1  # not twice: a small model reads less, and its context is small


def test_coder_fixes_its_own_syntax_error_within_the_attempt(git_project: Path, until_coordinator_hears):
    rules = [{"role": "coder", "contains": "was not accepted as it is", "reply": GOOD}, {"role": "coder", "reply": BAD}]
    run, replies, requests = run_coder(until_coordinator_hears, git_project, rules)
    assert [m.type for m in replies] == ["completion"]
    sent = prompts(requests)
    assert len(sent) == 2 and "app.py:1: SyntaxError" in sent[1] and "def hello() -> str" in sent[1]


def test_three_identical_errors_means_stuck(git_project: Path, until_coordinator_hears):
    run, replies, requests = run_coder(until_coordinator_hears, git_project, [{"role": "coder", "reply": BAD}])
    assert len(prompts(requests)) == 3
    # The same error back: the next fix is asked warmer, so the reply can change.
    temperatures = [r["body"].get("options", r["body"]).get("temperature") for r in requests if r.get("crewmux", {}).get("role") == "coder"]
    assert temperatures == [0.2, 0.2, 0.7]
    assert [(m.type, m.kind) for m in replies] == [("error_report", "stuck")]
    assert "the same error 3 times in a row" in replies[0].error
    statuses = [json.loads(line).get("status") for line in run.events("coder-1").read_text().splitlines()]
    assert "stuck" in statuses


def test_path_outside_the_worktree_is_refused_and_reported(git_project: Path, until_coordinator_hears):
    escape = f"../evil.py\n{F}python\nx = 1\n{F}\n"
    run, replies, _ = run_coder(until_coordinator_hears, git_project, [{"role": "coder", "reply": escape}])
    assert replies[0].type == "error_report"
    assert "../evil.py" in replies[0].error and "not written" in replies[0].error
    assert not (git_project.parent / "evil.py").exists()


def test_search_replace_edits_an_existing_file(git_project: Path, until_coordinator_hears):
    (git_project / "app.py").write_text("def hello() -> str:\n    return 'hello'\n")
    subprocess.run(["git", "add", "app.py"], cwd=git_project, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "app"], cwd=git_project, check=True)
    edit = f"app.py\n{F}python\n<<<<<<< SEARCH\n    return 'hello'\n=======\n    return 'hi'\n>>>>>>> REPLACE\n{F}\n"
    run, replies, requests = run_coder(until_coordinator_hears, git_project, [{"role": "coder", "reply": edit}], edit_format="search_replace")
    assert [m.type for m in replies] == ["completion"]
    assert "<<<<<<< SEARCH" in prompts(requests)[0]  # the edit-block instructions were given
    assert "return 'hello'" in prompts(requests)[0]  # with the file as it is now
    assert git.show_file(git_project, replies[0].commit, "app.py") == "def hello() -> str:\n    return 'hi'\n"


def test_a_fix_that_resends_one_file_keeps_the_others(git_project: Path, until_coordinator_hears):
    first = f"app.py\n{F}python\ndef hello() -> str\n    return 'hi'\n{F}\n\nutil.py\n{F}python\nX = 1\n{F}\n"
    rules = [{"role": "coder", "contains": "was not accepted as it is", "reply": GOOD}, {"role": "coder", "reply": first}]
    _, replies, _ = run_coder(until_coordinator_hears, git_project, rules)
    assert replies[0].type == "completion" and replies[0].files == ["app.py", "util.py"]
    assert git.show_file(git_project, replies[0].commit, "util.py") == "X = 1\n"


def test_every_check_of_an_attempt_is_answered_by_the_resident_checker(git_project: Path, until_coordinator_hears, processes_with):
    """The coder's own checks go to its resident sandboxed helper, which ends with the coder."""
    rules = [{"role": "coder", "contains": "was not accepted as it is", "reply": GOOD}, {"role": "coder", "reply": BAD}]
    with FakeLLMServer({"tps": 0, "ttft": 0, "rules": rules}) as fake:
        config = Config(default=ModelConfig(provider="ollama", model="fake-coder:7b", base_urls=[fake.url]))
        run = RunDir.create(git_project, "hello", build_agents(1, 1), config=config.model_dump(mode="json"))
        base = git.start_branch(git_project, f"crewmux/{run.run_id}")
        deliver(run.mail_root, TaskAssignment(run_id=run.run_id, sender="coordinator", recipient="coder-1", task_id="t1",
                                              task=TASK, attempt=1, branch=f"crewmux/{run.run_id}-t1", base_ref=base))
        coder = Coder(run, "coder-1", heartbeat_interval=60)
        replies = until_coordinator_hears(coder, timeout=30)
    assert [m.type for m in replies] == ["completion"]
    assert coder.pycheck.served == 2  # the failing reply and its fix
    assert coder.pycheck.pid is None  # closed when the coder stopped
    assert processes_with(str(run.worktree("coder-1"))) == []


def test_a_model_server_that_is_down_is_waited_for_and_costs_no_attempt(git_project: Path, until_coordinator_hears):
    """Issue 15: a connection error burned attempts 2-4 in 3 s. The coder asks again until
    the server answers; the attempt it reports is the one it was given."""
    import threading
    import time

    from crewmux.agents.llm.model_source import free_loopback_port

    port = free_loopback_port()
    fake = FakeLLMServer({"tps": 0, "ttft": 0, "rules": [{"role": "coder", "reply": GOOD}]}, port=port)
    config = Config(default=ModelConfig(provider="ollama", model="fake-coder:7b", base_urls=[f"http://127.0.0.1:{port}"],
                                        timeout_connect=1.0))
    run = RunDir.create(git_project, "hello", build_agents(1, 1), config=config.model_dump(mode="json"))
    base = git.start_branch(git_project, f"crewmux/{run.run_id}")
    deliver(run.mail_root, TaskAssignment(run_id=run.run_id, sender="coordinator", recipient="coder-1", task_id="t1",
                                          task=TASK, attempt=1, branch=f"crewmux/{run.run_id}-t1", base_ref=base))
    starter = threading.Timer(6.0, fake.start)  # the server comes up after the coder's first tries
    starter.start()
    try:
        started = time.monotonic()
        replies = until_coordinator_hears(Coder(run, "coder-1", heartbeat_interval=60), timeout=45)
    finally:
        starter.cancel()
        starter.join()
        fake.stop()
    assert [m.type for m in replies] == ["completion"], replies
    assert replies[0].attempt == 1 and time.monotonic() - started >= 5
    log = run.log("coder-1").read_text()
    assert "the model server does not answer" in log and "not a failed attempt" in log
    statuses = [json.loads(line).get("status") for line in run.events("coder-1").read_text().splitlines()]
    assert "waiting" in statuses


def test_a_bare_code_block_is_the_one_file_of_a_one_file_task(git_project: Path, until_coordinator_hears):
    # The 0.5B's usual reply in the python suite: the file's code, fenced, with no path above it.
    bare = f"Here is the function:\n{F}python\ndef hello() -> str:\n    return 'hi'\n{F}\nRun it with:\n{F}bash\npython3 app.py\n{F}\n"
    _, replies, requests = run_coder(until_coordinator_hears, git_project, [{"role": "coder", "reply": bare}])
    assert [m.type for m in replies] == ["completion"] and len(prompts(requests)) == 1  # no "your reply held no files" round
    assert git.show_file(git_project, replies[0].commit, "app.py") == "def hello() -> str:\n    return 'hi'\n"
    # Two files in the task: a bare block could be either, so it is not taken.
    two = TASK.model_copy(update={"files": ["app.py", "util.py"]})
    _, again, _ = run_coder(until_coordinator_hears, git_project, [{"role": "coder", "reply": bare}], task=two)
    assert again[0].type == "error_report"


def test_a_standard_module_used_without_its_import_is_imported_before_the_check(git_project: Path, until_coordinator_hears):
    # The 1.5B sent `sys.argv` without `import sys` back unchanged on every rung (py-cli-dir-size).
    forgot = f"app.py\n{F}python\nimport os\n\ndef hello() -> str:\n    return os.sep + sys.argv[0]\n{F}\n"
    _, replies, requests = run_coder(until_coordinator_hears, git_project, [{"role": "coder", "reply": forgot}])
    assert [m.type for m in replies] == ["completion"] and len(prompts(requests)) == 1  # no round spent on the import
    assert git.show_file(git_project, replies[0].commit, "app.py").startswith("import sys\nimport os\n")
