"""Whether a run can write into a project: its ``.crewmux/`` and its git metadata."""

from __future__ import annotations

import tempfile
from pathlib import Path


def project_problem(project: Path) -> str | None:
    """Why a run cannot write into ``project`` (its ``.crewmux/`` and git metadata), or None.

    Tried by writing a file, not by asking for permissions: root passes every permission
    check and still cannot write on a read-only file system."""
    for place in (project, project / ".git", project / ".git" / "info", project / ".crewmux"):
        if not place.is_dir():
            continue
        try:
            with tempfile.TemporaryFile(dir=place, prefix=".crewmux-write-check-"):
                pass
        except OSError as exc:
            return (f"cannot write in {place} ({exc.strerror or exc}): a run writes its run directory under "
                    f"{project / '.crewmux'} and its branch into the git repository; make the project writable "
                    "or copy it somewhere writable")
    return None
