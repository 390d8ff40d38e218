"""``crewmux run`` on bad input: a clear message, a non-zero exit, no traceback, nothing started."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def crewmux(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crewmux", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_bad_config_is_named_and_nothing_runs(git_project: Path):
    (git_project / "crewmux.toml").write_text("coders = 0\n[budgets]\nattempts_per_task = 'many'\n")
    proc = crewmux("run", "--headless", "a thing", cwd=git_project)
    assert proc.returncode == 2
    assert "crewmux.toml" in proc.stderr and "coders" in proc.stderr and "Traceback" not in proc.stderr
    assert not (git_project / ".crewmux").exists()


def test_missing_project_and_empty_brief(tmp_path: Path):
    proc = crewmux("run", "--headless", "--project", str(tmp_path / "nope"), "x", cwd=tmp_path)
    assert proc.returncode == 2 and "is not a directory" in proc.stderr
    proc = crewmux("run", "--headless", "  ", cwd=tmp_path)
    assert proc.returncode == 2 and "give a brief" in proc.stderr and "Traceback" not in proc.stderr
