"""Apply the files a model asked to write, refusing any that would leave the worktree.

Rules: relative paths only; no `..`; nothing inside `.git`; no writing through a symlink
(file or directory) that resolves outside the worktree; a size limit per file and a count
limit per reply. Only regular files are ever created, never symlinks. A refused file
never stops the others of the same reply, and every refusal comes back with a reason
the coder can act on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from crewmux.protocol.fsutil import atomic_write

MAX_PATH_CHARS = 1024
MAX_NAME_BYTES = 255
# error_text lists this many refusals and summarises the rest.
LISTED_REFUSALS = 10


@dataclass(frozen=True)
class RefusedWrite:
    path: str
    reason: str


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    refused: list[RefusedWrite] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refused

    def error_text(self) -> str:
        """Short message for the coder; empty when nothing was refused."""
        if not self.refused:
            return ""
        lines = [f"{len(self.refused)} file(s) of your reply were NOT written:"]
        lines += [f"- {r.path!r}: {r.reason}" for r in self.refused[:LISTED_REFUSALS]]
        if len(self.refused) > LISTED_REFUSALS:
            lines.append(f"- ... and {len(self.refused) - LISTED_REFUSALS} more")
        done = len(self.written) + len(self.deleted)
        lines.append(f"The other {done} file(s) were applied. Use paths relative to the project root, "
                     "without '..', outside .git/, and resend only the refused files.")
        return "\n".join(lines)


def _lexical_problem(rel: str) -> str | None:
    if not rel or not rel.strip():
        return "empty path"
    if "\0" in rel:
        return "path contains a NUL byte"
    if len(rel) > MAX_PATH_CHARS:
        return f"path longer than {MAX_PATH_CHARS} characters"
    if "\\" in rel:
        return "backslash in path: use '/' as the separator"
    if rel.startswith(("/", "~")) or (len(rel) >= 2 and rel[0].isalpha() and rel[1] == ":"
                                       and (len(rel) == 2 or rel[2] == "/")):
        return "absolute path: give the path relative to the project root"
    parts = [p for p in rel.split("/") if p not in ("", ".")]
    if not parts:
        return "not a file path"
    if ".." in parts:
        return "'..' is not allowed in paths"
    if any(p.casefold() == ".git" for p in parts):
        return "paths inside .git/ are not allowed"
    if any(len(p.encode()) > MAX_NAME_BYTES for p in parts):
        return f"a path component is longer than {MAX_NAME_BYTES} bytes"
    return None


def _escape_problem(base: Path, resolved: Path) -> str | None:
    """Why a fully resolved path is not a place generated files may go, or None."""
    if not resolved.is_relative_to(base):
        return "goes through a symlink that leaves the project"
    if any(p.casefold() == ".git" for p in resolved.relative_to(base).parts):
        return "goes through a symlink into .git/"
    return None


def _resolve(root: Path, rel: str) -> tuple[Path | None, str | None]:
    """(resolved target, None) or (None, reason). Follows every symlink on the way."""
    problem = _lexical_problem(rel)
    if problem:
        return None, problem
    base = root.resolve()
    target = (base / rel).resolve()
    if target == base:
        return None, "not a file path"
    problem = _escape_problem(base, target)
    if problem:
        return None, problem
    if target.is_dir():
        return None, "is a directory"
    return target, None


def check_path(root: Path, rel: str) -> str | None:
    """Why writing ``rel`` under ``root`` is refused, or None when it is allowed."""
    return _resolve(root, rel)[1]


def apply_files(
    root: Path,
    files: list[tuple[str, str]],
    *,
    max_file_bytes: int = 2_000_000,
    max_files: int = 200,
) -> WriteReport:
    """Write each (path, content) atomically; refusals are collected, never raised."""
    report = WriteReport()
    for index, (rel, content) in enumerate(files):
        if index >= max_files:
            report.refused.append(RefusedWrite(
                rel, f"more than {max_files} files in one reply: send it again in a later reply"))
            continue
        data = content.encode("utf-8", errors="surrogateescape")
        if len(data) > max_file_bytes:
            report.refused.append(RefusedWrite(
                rel, f"too big ({len(data)} bytes; the limit is {max_file_bytes} per file)"))
            continue
        target, reason = _resolve(root, rel)
        if target is None:
            report.refused.append(RefusedWrite(rel, reason or "refused"))
            continue
        try:
            _write(target, data)
        except OSError as exc:
            report.refused.append(RefusedWrite(rel, f"could not be written: {exc.strerror or exc}"))
            continue
        report.written.append(rel)
    return report


def _write(target: Path, data: bytes) -> None:
    old_mode = target.stat().st_mode & 0o7777 if target.is_file() else None
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, data)
    if old_mode is not None:
        os.chmod(target, old_mode)  # keep e.g. the executable bit of a script being edited


def delete_files(root: Path, paths: list[str], *, max_files: int = 200) -> WriteReport:
    """Delete files a model asked to remove, under the same rules as writing."""
    report = WriteReport()
    for index, rel in enumerate(paths):
        if index >= max_files:
            report.refused.append(RefusedWrite(rel, f"more than {max_files} deletions in one reply"))
            continue
        target, reason = _deletable(root, rel)
        if target is None:
            report.refused.append(RefusedWrite(rel, reason or "refused"))
        else:
            try:
                target.unlink()
            except OSError as exc:
                report.refused.append(RefusedWrite(rel, f"could not be deleted: {exc.strerror or exc}"))
                continue
            report.deleted.append(rel)
    return report


def _deletable(root: Path, rel: str) -> tuple[Path | None, str | None]:
    """The path itself (a symlink is removed, not followed) once its directory is checked."""
    problem = _lexical_problem(rel)
    if problem:
        return None, problem
    base = root.resolve()
    parts = [p for p in rel.split("/") if p not in ("", ".")]
    parent = (base / "/".join(parts[:-1])).resolve()
    problem = _escape_problem(base, parent)
    if problem:
        return None, problem
    path = parent / parts[-1]
    if not path.is_symlink() and not path.exists():
        return None, "no such file"
    if path.is_dir() and not path.is_symlink():
        return None, "is a directory"
    return path, None
