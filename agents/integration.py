"""Putting accepted work onto the run branch: merge, run the tests gathered so far, undo.

A conflict is aborted and described; a merge after which the suite fails is undone
(snapshot protection: the branch only ever moves to states whose tests pass).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from crewmux.agents.prompting import prompt
from crewmux.workspace import git
from crewmux.workspace.validators import Context, format_findings, suite_checks


@dataclass
class Integration:
    outcome: Literal["merged", "conflict", "reverted"]
    head: str  # the run branch afterwards
    findings: str = ""
    conflicts: list[str] = field(default_factory=list)
    merge_commit: str = ""
    git_seconds: float = 0.0
    suite_seconds: float = 0.0


def integrate(worktree: Path, head: str, commit: str, message: str, context: Callable[[list[str]], Context]) -> Integration:
    """Merge ``commit`` onto the branch checked out in ``worktree`` (now at ``head``)."""
    started = time.perf_counter()
    result = git.merge(worktree, commit, message)
    git_seconds = time.perf_counter() - started
    if not result.ok:
        return Integration(
            "conflict", head, conflicts=result.conflicts, git_seconds=git_seconds,
            findings=prompt("merge_conflict", where=", ".join(result.conflicts) or "the tree", detail=result.detail[:3000]),
        )
    started = time.perf_counter()
    tracked = git.tracked_files(worktree)
    broken = [c for c in suite_checks(context(tracked), tracked) if c.status == "failed"]
    suite_seconds = time.perf_counter() - started
    if not broken:
        return Integration("merged", result.commit, merge_commit=result.commit, git_seconds=git_seconds, suite_seconds=suite_seconds)
    started = time.perf_counter()
    git.reset_branch(worktree, head)
    return Integration(
        "reverted", head, merge_commit=result.commit, git_seconds=git_seconds + time.perf_counter() - started,
        suite_seconds=suite_seconds,
        findings=prompt("merge_reverted", findings=format_findings(broken, worktree)),
    )
