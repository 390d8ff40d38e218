from __future__ import annotations

from pathlib import Path

import pytest

from crewmux.protocol.rundir import AgentSpec, RunDir, find_run, list_runs

AGENTS = [AgentSpec(name="coordinator", role="coordinator"), AgentSpec(name="coder-1", role="coder")]


def test_create_lays_out_the_run_and_finds_it_again(tmp_path: Path) -> None:
    run = RunDir.create(tmp_path, "a csv to json cli", AGENTS)
    for sub in ("events", "llm", "logs", "worktrees", "mail/coder-1/new", "mail/dashboard/new", "mail/coordinator/failed"):
        assert (run.path / sub).is_dir(), sub
    info = run.info()
    assert info.brief == "a csv to json cli"
    assert info.branch == f"crewmux/{run.run_id}"
    assert run.project_dir == tmp_path.resolve()
    assert find_run(tmp_path, None).path == run.path
    assert find_run(tmp_path, run.run_id[:20]).path == run.path
    assert list_runs(tmp_path)[0].path == run.path


def test_only_the_user_can_open_a_run_which_holds_keys_and_prompts(tmp_path: Path) -> None:
    run = RunDir.create(tmp_path, "keys", AGENTS, config={"default": {"api_key": "sk-secret"}})
    assert run.path.stat().st_mode & 0o777 == 0o700
    assert run.info().config["default"]["api_key"] == "sk-secret"  # the agents still read it


def test_add_agent_makes_its_mailbox_and_records_it(tmp_path: Path) -> None:
    run = RunDir.create(tmp_path, "x", AGENTS)
    run.add_agent(AgentSpec(name="coder-2", role="coder"))
    run.add_agent(AgentSpec(name="coder-2", role="coder"))
    assert [a.name for a in run.info().agents] == ["coordinator", "coder-1", "coder-2"]
    assert (run.mailbox("coder-2") / "new").is_dir()


def test_find_run_errors_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(LookupError, match="crewmux run"):
        find_run(tmp_path, None)
    RunDir.create(tmp_path, "x", AGENTS)
    with pytest.raises(LookupError, match="crewmux ls"):
        find_run(tmp_path, "nope")
