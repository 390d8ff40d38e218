"""What a new user trips over in the dashboard (issue 15): the task diff shows the lines a
merge brought, finished runs and dead agents get no stale advice."""

from __future__ import annotations

from pathlib import Path

from crewmux.tui.diffs import commit_diff
from crewmux.workspace import git


def test_the_diff_of_a_merge_commit_shows_the_lines_it_brought(git_project: Path) -> None:
    git.git(git_project, "checkout", "-q", "-b", "work")
    (git_project / "fib.py").write_text("def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n")
    git.commit_all(git_project, "t1: fib")
    git.git(git_project, "checkout", "-q", "-")
    git.git(git_project, "merge", "-q", "--no-ff", "--no-edit", "-m", "merge t1", "work")
    merge = git.git(git_project, "rev-parse", "HEAD").stdout.strip()
    text = commit_diff(git_project, merge)
    assert "merge t1" in text and "fib.py" in text
    assert "+def fib(n):" in text and "+    return n if n < 2" in text
