"""A task's diff for the task details, read through workspace/git.py off the UI thread."""

from __future__ import annotations

from pathlib import Path

from crewmux.workspace import git

MAX_DIFF_CHARS = 400_000


def commit_diff(project_dir: Path, commit: str) -> str:
    """The commit's message, stat and patch (a merge against its first parent), or a
    sentence saying why there is none."""
    try:
        text = git.show_commit(project_dir, commit)
    except git.GitError as exc:
        return f"{exc}."
    if len(text) > MAX_DIFF_CHARS:
        text = text[:MAX_DIFF_CHARS] + f"\n... cut at {MAX_DIFF_CHARS} characters; see `git show {commit}`\n"
    return text
