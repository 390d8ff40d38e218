"""A task's diff: ``git show`` of the commit holding its work, run off the UI thread."""

from __future__ import annotations

import subprocess
from pathlib import Path

MAX_DIFF_CHARS = 400_000


def commit_diff(project_dir: Path, commit: str) -> str:
    """The commit's message, stat and patch, or a sentence saying why there is none. A
    task's work lands as a merge commit, whose plain ``git show`` is a combined diff (empty
    when the merge was clean): it is shown against its first parent, the lines it brought."""
    try:
        result = subprocess.run(
            ["git", "-C", str(project_dir), "show", "--diff-merges=first-parent", "--stat", "--patch", "--no-color", "--format=commit %H%n%n    %s%n", commit, "--"],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=30,
        )
    except FileNotFoundError:
        return "git is not installed, so the diff cannot be shown."
    except subprocess.TimeoutExpired:
        return f"git show {commit} took over 30 s; run it yourself in {project_dir}."
    if result.returncode != 0:
        return f"no diff for {commit}: {result.stderr.strip() or 'git show failed'}"
    text = result.stdout
    if len(text) > MAX_DIFF_CHARS:
        text = text[:MAX_DIFF_CHARS] + f"\n... cut at {MAX_DIFF_CHARS} characters; see `git show {commit}`\n"
    return text
