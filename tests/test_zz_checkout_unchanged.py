"""Runs last (files are collected in name order): the suite leaves the checkout as it found
it. Every test writes under a temporary directory; a file a test leaves in the working tree
(as tmpzw9kaecc/ once was) shows in ``git status`` and fails this."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def status() -> set[str]:
    """``git status`` of the checkout, one entry per changed or untracked (not ignored) path."""
    out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        pytest.skip(f"not a git checkout ({out.stderr.strip()}): nothing to compare")
    return set(out.stdout.splitlines())


# Taken when the suite is collected, before any test runs.
BEFORE = status()


def test_the_suite_left_no_file_in_the_checkout() -> None:
    new = sorted(status() - BEFORE)
    assert not new, "tests changed the checkout (write under tmp_path instead):\n" + "\n".join(new)
