"""Durable file writes: the one place crewmux writes a file atomically."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any


def disk_full(exc: OSError) -> bool:
    """Whether a failed write means no space (or no quota) left: worth waiting out."""
    return exc.errno in (errno.ENOSPC, errno.EDQUOT)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_file_durably(path: Path, data: bytes, *, fsync: bool = True, mode: int = 0o644) -> None:
    """Write ``data`` to a new file and (optionally) force it to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        if fsync:
            os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, *, fsync: bool = True, mode: int = 0o644) -> None:
    """Replace ``path`` so that readers see the old or the new content, never half.

    Written beside the target (same filesystem, so the rename is atomic), then renamed
    over it; the directory is fsynced so the rename survives a crash.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.unlink(missing_ok=True)
        write_file_durably(tmp, data, fsync=fsync, mode=mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if fsync:
        fsync_dir(path.parent)


def atomic_write_json(path: Path, value: Any, *, fsync: bool = True) -> None:
    atomic_write(path, (json.dumps(value, indent=2, default=str) + "\n").encode(), fsync=fsync)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())
