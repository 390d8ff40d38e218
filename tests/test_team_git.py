"""The git side of a run, against real repositories."""

from __future__ import annotations

import subprocess
from pathlib import Path

from crewmux.workspace import git


def sh(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def test_a_plain_directory_becomes_a_repo_and_gets_a_run_branch(tmp_path: Path):
    project = tmp_path / "p"
    project.mkdir()
    (project / "notes.txt").write_text("mine\n")
    git.ensure_repo(project)
    git.ensure_repo(project)  # twice is harmless
    assert ".crewmux/" in (project / ".git" / "info" / "exclude").read_text().split()
    start = git.start_branch(project, "crewmux/r1")
    assert sh(project, "rev-parse", "crewmux/r1") == start
    assert sh(project, "ls-tree", "-r", "crewmux/r1") == ""  # an empty start, the user's files untouched
    assert not git.has_commits(project)  # the user's (unborn) branch has no commit of ours
    assert (project / "notes.txt").read_text() == "mine\n"


def test_worktrees_commit_merge_conflict_and_reset(git_project: Path, tmp_path: Path):
    git.start_branch(git_project, "crewmux/r1")
    integration = tmp_path / "integration"
    git.add_worktree(git_project, integration, "crewmux/r1", branch="crewmux/r1")
    base = git.rev(integration)
    work = {}
    for name, text in (("a", "from a\n"), ("b", "from b\n")):
        wt = tmp_path / name
        git.add_worktree(git_project, wt, base)
        git.checkout_fresh(wt, base, branch=f"crewmux/r1-{name}")
        (wt / "shared.txt").write_text(text)
        (wt / f"{name}.txt").write_text(text)
        work[name] = git.commit_all(wt, f"task {name}")
        assert git.commit_all(wt, "nothing new") is None
        assert sorted(git.changed_files(wt, base, work[name])) == sorted([f"{name}.txt", "shared.txt"])
    first = git.merge(integration, work["a"], "merge a")
    assert first.ok and git.rev(integration) == first.commit
    second = git.merge(integration, work["b"], "merge b")
    assert not second.ok and second.conflicts == ["shared.txt"]
    assert "<<<<<<<" in second.detail and "from b" in second.detail
    assert second.commit == first.commit
    assert sh(integration, "status", "--porcelain") == ""  # the failed merge left nothing behind
    git.reset_branch(integration, base)
    assert git.rev(integration) == base and not (integration / "a.txt").exists()
    assert sh(git_project, "rev-parse", "--abbrev-ref", "HEAD") == "main"


def test_checkout_fresh_throws_away_leftovers(git_project: Path, tmp_path: Path):
    wt = tmp_path / "wt"
    git.add_worktree(git_project, wt, "HEAD")
    (wt / "junk.py").write_text("x")
    (wt / "README.md").write_text("changed")
    git.checkout_fresh(wt, "HEAD", branch="crewmux/x-t1")
    assert not (wt / "junk.py").exists() and (wt / "README.md").read_text() == "# project\n"


def test_show_files_reads_many_files_at_a_ref_in_one_go(git_project: Path, tmp_path: Path):
    wt = tmp_path / "wt"
    git.add_worktree(git_project, wt, "main")
    git.checkout_fresh(wt, "main", branch="t")
    (wt / "pkg").mkdir()
    (wt / "pkg" / "a.py").write_text("é = 1\n")
    (wt / "b b.txt").write_bytes(b"no newline at the end")
    (wt / "empty.txt").write_text("")
    commit = git.commit_all(wt, "files")
    found = git.show_files(wt, commit, ["pkg/a.py", "missing.py", "pkg", "b b.txt", "empty.txt", "README.md"])
    assert found == {"pkg/a.py": "é = 1\n", "missing.py": None, "pkg": None, "b b.txt": "no newline at the end",
                     "empty.txt": "", "README.md": "# project\n"}
    assert git.show_files(wt, "main", ["pkg/a.py"]) == {"pkg/a.py": None}  # not there yet at main
    assert git.show_file(wt, "no-such-ref", "README.md") is None
