"""The git side of a run: the run branch, one worktree per agent, commits, merges, reverts.

The user's own branch and working tree are never touched: work happens on
``crewmux/<run-id>`` and on per-task branches, in worktrees under the run directory.
Commits carry crewmux's identity, whatever the user's git config says.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

IDENTITY = ["-c", "user.name=crewmux", "-c", "user.email=crewmux@localhost", "-c", "commit.gpgsign=false"]


class GitError(Exception):
    pass


def _env() -> dict[str, str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(key, None)
    return env


def git(cwd: Path, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        ["git", *IDENTITY, *args], cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout
    )
    if check and proc.returncode != 0:
        raise GitError(f"git {' '.join(args)} failed in {cwd}: {(proc.stderr or proc.stdout).strip()}")
    return proc


def is_repo(path: Path) -> bool:
    return git(path, "rev-parse", "--git-dir", check=False).returncode == 0


def toplevel(path: Path) -> Path | None:
    """The root of the work tree ``path`` is in, or None outside a repository."""
    done = git(path, "rev-parse", "--show-toplevel", check=False)
    return Path(done.stdout.strip()).resolve() if done.returncode == 0 and done.stdout.strip() else None


def has_commits(path: Path) -> bool:
    return git(path, "rev-parse", "--verify", "-q", "HEAD", check=False).returncode == 0


def ensure_repo(project: Path) -> None:
    """``git init`` a project that is not a repository yet, and keep ``.crewmux/`` out of git."""
    if not is_repo(project):
        git(project, "init", "-q")
    exclude = Path(git(project, "rev-parse", "--git-path", "info/exclude").stdout.strip())
    if not exclude.is_absolute():
        exclude = project / exclude
    exclude.parent.mkdir(parents=True, exist_ok=True)
    current = exclude.read_text() if exclude.exists() else ""
    if ".crewmux/" not in current.split():
        with open(exclude, "a") as handle:
            handle.write(("" if current.endswith("\n") or not current else "\n") + ".crewmux/\n")


def uncommitted(project: Path) -> list[str]:
    """Changed or new files in the user's checkout (a run starts from HEAD, without them)."""
    out = git(project, "status", "--porcelain", check=False).stdout
    return [line[3:] for line in out.splitlines() if line[3:] and not line[3:].startswith((".crewmux/", "crewmux.toml"))]


def start_branch(project: Path, branch: str) -> str:
    """Create the run branch (from HEAD, or from an empty commit in a repo without one)."""
    existing = git(project, "rev-parse", "--verify", "-q", f"refs/heads/{branch}", check=False)
    if existing.returncode == 0:
        return existing.stdout.strip()
    if has_commits(project):
        start = rev(project, "HEAD")
    else:
        empty_tree = git(project, "hash-object", "-t", "tree", "/dev/null").stdout.strip()
        start = git(project, "commit-tree", empty_tree, "-m", "crewmux: empty start").stdout.strip()
    git(project, "branch", branch, start)
    return start


def rev(cwd: Path, ref: str = "HEAD") -> str:
    return git(cwd, "rev-parse", "--verify", ref).stdout.strip()


def add_worktree(project: Path, path: Path, ref: str, branch: str | None = None) -> None:
    """A worktree at ``path`` on ``branch`` (checked out as is) or detached at ``ref``."""
    if (path / ".git").exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    if branch:
        git(project, "worktree", "add", "-q", str(path), branch)
    else:
        git(project, "worktree", "add", "-q", "--detach", str(path), ref)


def prune_worktrees(project: Path) -> None:
    """Forget worktrees whose directories are gone. Never while agents may be adding theirs:
    a prune racing a ``worktree add`` removes the half-made one."""
    git(project, "worktree", "prune")


def checkout_fresh(worktree: Path, ref: str, branch: str | None = None) -> None:
    """Throw away whatever is in the worktree and start from ``ref`` (on ``branch`` if given)."""
    if branch:
        git(worktree, "checkout", "-q", "-f", "-B", branch, ref)
    else:
        git(worktree, "checkout", "-q", "-f", "--detach", ref)
    git(worktree, "clean", "-q", "-fdx")


def commit_all(worktree: Path, message: str) -> str | None:
    """Commit every change; the new commit, or None when nothing changed."""
    git(worktree, "add", "-A")
    proc = git(worktree, "commit", "-q", "--no-verify", "-m", message, check=False)
    if proc.returncode != 0:
        if git(worktree, "diff", "--cached", "--quiet", check=False).returncode == 0:
            return None
        raise GitError(f"git commit failed in {worktree}: {(proc.stderr or proc.stdout).strip()}")
    return rev(worktree)


def changed_files(cwd: Path, base: str, commit: str) -> list[str]:
    out = git(cwd, "diff", "--name-only", f"{base}..{commit}").stdout
    return [line for line in out.splitlines() if line]


def tracked_files(cwd: Path) -> list[str]:
    return [line for line in git(cwd, "ls-files").stdout.splitlines() if line]


@dataclass
class MergeResult:
    ok: bool
    commit: str
    conflicts: list[str] = field(default_factory=list)
    detail: str = ""


def merge(worktree: Path, commit: str, message: str, max_detail: int = 4000) -> MergeResult:
    """Merge ``commit`` into the worktree's branch. A conflict is aborted and described."""
    proc = git(worktree, "merge", "-q", "--no-ff", "--no-edit", "-m", message, commit, check=False)
    if proc.returncode == 0:
        return MergeResult(True, rev(worktree))
    conflicts = [
        line for line in git(worktree, "diff", "--name-only", "--diff-filter=U", check=False).stdout.splitlines() if line
    ]
    detail = git(worktree, "diff", check=False).stdout[:max_detail]
    if not conflicts:
        detail = (proc.stderr or proc.stdout).strip()
    git(worktree, "merge", "--abort", check=False)
    git(worktree, "reset", "-q", "--hard", check=False)
    return MergeResult(False, rev(worktree), conflicts, detail)


def release_branch(worktree: Path) -> None:
    """Detach the worktree from its branch, so the user can check the branch out elsewhere."""
    git(worktree, "checkout", "-q", "--detach", check=False)


def reset_branch(worktree: Path, commit: str) -> None:
    """Undo a merge by moving the worktree's branch back (nobody else builds on it)."""
    git(worktree, "reset", "-q", "--hard", commit)
    git(worktree, "clean", "-q", "-fdx")


def show_commit(cwd: Path, commit: str, timeout: float = 30) -> str:
    """A commit's message, stat and patch. A task's work lands as a merge commit, whose plain
    ``git show`` is a combined diff (empty when the merge was clean): it is shown against
    its first parent, the lines it brought. GitError when git cannot show it."""
    args = ["show", "--diff-merges=first-parent", "--stat", "--patch", "--no-color", "--format=commit %H%n%n    %s%n", commit, "--"]
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, env=_env(), capture_output=True, text=True, errors="replace", timeout=timeout)
    except FileNotFoundError as exc:
        raise GitError("git is not installed, so the diff cannot be shown") from exc
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"git show {commit} took over {timeout:.0f} s; run it yourself in {cwd}") from exc
    if proc.returncode != 0:
        raise GitError(f"no diff for {commit}: {proc.stderr.strip() or 'git show failed'}")
    return proc.stdout


def show_file(cwd: Path, ref: str, path: str) -> str | None:
    return show_files(cwd, ref, [path])[path]


def show_files(cwd: Path, ref: str, paths: list[str]) -> dict[str, str | None]:
    """Each path's content at ``ref`` (None where it does not exist), from one git process."""
    if not paths:
        return {}
    proc = subprocess.run(
        ["git", *IDENTITY, "cat-file", "--batch"], cwd=cwd, env=_env(), capture_output=True, timeout=120,
        input="".join(f"{ref}:{path}\n" for path in paths).encode(),
    )
    if proc.returncode != 0:
        raise GitError(f"git cat-file failed in {cwd}: {proc.stderr.decode(errors='replace').strip()}")
    found: dict[str, str | None] = {}
    out, at = proc.stdout, 0
    for path in paths:
        end = out.index(b"\n", at)
        header = out[at:end].split()
        at = end + 1
        if len(header) == 3 and header[1] == b"blob":
            size = int(header[2])
            found[path] = out[at:at + size].decode(errors="replace")
            at += size + 1
        else:  # "<name> missing", or a tree
            if len(header) == 3:
                at += int(header[2]) + 1
            found[path] = None
    return found
