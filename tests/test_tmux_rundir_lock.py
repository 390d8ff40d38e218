"""run.json is changed by several processes at once (coordinator, runtime, dashboard):
no change may be lost."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from crewmux.protocol.rundir import AgentSpec, RunDir

pytestmark = pytest.mark.timeout(60)


def _add_coders(path: str, start: int) -> None:
    run = RunDir(Path(path))
    for i in range(start, start + 25):
        run.add_agent(AgentSpec(name=f"coder-{i}", role="coder"))


def _set_reasons(path: str) -> None:
    run = RunDir(Path(path))
    for i in range(25):
        run.update_info(reason=f"step {i}")


def test_concurrent_changes_from_several_processes_all_land(git_project: Path) -> None:
    run = RunDir.create(git_project, "x", [AgentSpec(name="coordinator", role="coordinator")])
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=_add_coders, args=(str(run.path), 100)),
        ctx.Process(target=_add_coders, args=(str(run.path), 200)),
        ctx.Process(target=_set_reasons, args=(str(run.path),)),
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(30)
        assert proc.exitcode == 0
    names = {a.name for a in run.info().agents}
    assert {f"coder-{i}" for i in [*range(100, 125), *range(200, 225)]} <= names
    assert run.info().reason == "step 24"
