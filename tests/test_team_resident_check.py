"""The resident Python checker an agent keeps (validators/resident.py), with real bubblewrap.

It must say exactly what the one-off check says, from one process, and recover from
everything that can happen to that process or to the worktree under it.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from crewmux.workspace.sandbox import Sandbox
from crewmux.workspace.validators import Context, syntax_checks
from crewmux.workspace.validators import resident
from crewmux.workspace.validators.resident import ResidentPyCheck

pytestmark = pytest.mark.timeout(60)

FILES = {
    "ok.py": "def add(a: int, b: int) -> int:\n    return a + b\n",
    "broken.py": "def add(a, b)\n    return a + b\n",
    "undefined.py": "def f():\n    return missing_name\n",
    "style_only.py": "import os\n",  # unused import: style, not fatal
    "nested/deep.py": "x = (\n",
}


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    return Sandbox()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "worktree"
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def lint(root: Path, sandbox: Sandbox, files: list[str], checker: ResidentPyCheck | None):
    return syntax_checks(Context(root, files, sandbox, timeout=30, pycheck=checker))


def gone(pid: int) -> bool:
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return not Path(f"/proc/{pid}").exists()


def test_the_resident_checker_says_what_the_one_off_check_says(root, sandbox):
    checker = ResidentPyCheck(sandbox, root, timeout=30)
    cases = [["ok.py"], ["broken.py"], ["undefined.py"], ["style_only.py"], ["nested/deep.py"],
             ["ok.py", "broken.py", "undefined.py", "nested/deep.py"], ["ok.py", "not_there.py"]]
    try:
        for files in cases:
            one_off = lint(root, sandbox, files, None)
            assert lint(root, sandbox, files, checker) == one_off, files
        assert checker.served == len(cases)
        pid = checker.pid
        for _ in range(5):
            lint(root, sandbox, ["ok.py"], checker)
        assert checker.pid == pid  # one helper answered them all
        found = lint(root, sandbox, ["broken.py", "undefined.py"], checker)[0]
        assert found.status == "failed"
        assert [(f.path, f.line) for f in found.findings] == [("broken.py", 1), ("undefined.py", 2)]
        assert "undefined name 'missing_name'" in found.findings[1].message
    finally:
        checker.close()
    assert pid is not None and gone(pid)


def test_an_edit_on_the_host_is_seen_by_the_next_check(root, sandbox):
    with_checker = ResidentPyCheck(sandbox, root, timeout=30)
    try:
        assert lint(root, sandbox, ["broken.py"], with_checker)[0].status == "failed"
        (root / "broken.py").write_text(FILES["ok.py"])
        assert lint(root, sandbox, ["broken.py"], with_checker)[0].status == "passed"
    finally:
        with_checker.close()


def test_a_replaced_worktree_gets_a_fresh_helper(root, sandbox):
    checker = ResidentPyCheck(sandbox, root, timeout=30)
    try:
        assert lint(root, sandbox, ["ok.py"], checker)[0].status == "passed"
        first = checker.pid
        shutil.rmtree(root)  # e.g. the user removed the worktree and git made it again
        root.mkdir()
        (root / "ok.py").write_text("def f(:\n")
        result = lint(root, sandbox, ["ok.py"], checker)[0]
        assert result.status == "failed" and result.findings[0].line == 1
        assert checker.pid not in (None, first)
        assert gone(first)
    finally:
        checker.close()


def test_a_killed_helper_is_replaced_and_the_check_still_answers(root, sandbox):
    checker = ResidentPyCheck(sandbox, root, timeout=30)
    try:
        checker.warm()
        first = checker.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        result = lint(root, sandbox, ["undefined.py"], checker)[0]
        assert result.status == "failed" and "missing_name" in result.findings[0].message
        assert checker.pid not in (None, first)
        assert gone(first)  # reaped, not left a zombie
    finally:
        checker.close()


def test_a_helper_that_cannot_start_leaves_the_check_to_the_one_off_run(tmp_path, root, sandbox):
    missing = tmp_path / "not-made-yet"
    checker = ResidentPyCheck(sandbox, missing, timeout=30)
    checker.warm()  # no directory yet: nothing started, no error
    assert checker.pid is None
    shutil.copytree(root, missing)
    assert lint(missing, sandbox, ["broken.py"], checker)[0].status == "failed"
    assert checker.served == 1
    checker.close()


def test_a_long_lived_helper_is_renewed_before_its_cpu_limit(root, sandbox, monkeypatch):
    monkeypatch.setattr(resident, "MAX_REQUESTS", 3)
    checker = ResidentPyCheck(sandbox, root, timeout=30)
    try:
        pids = []
        for _ in range(7):
            assert lint(root, sandbox, ["ok.py"], checker)[0].status == "passed"
            pids.append(checker.pid)
        assert len(set(pids)) == 3 and pids[0] == pids[2] != pids[3]
    finally:
        checker.close()


def test_a_helper_warmed_ahead_of_need_starts_at_a_lower_priority(root, sandbox):
    """Its start-up must not slow the agents preparing their model requests meanwhile."""
    warmed = ResidentPyCheck(sandbox, root, timeout=30)
    asked = ResidentPyCheck(sandbox, root, timeout=30)
    try:
        warmed.warm()
        expected = min(os.getpriority(os.PRIO_PROCESS, 0) + resident.WARM_NICE, 19)  # 19 is the lowest there is
        deadline = time.monotonic() + 5  # `nice` sets it just after it starts
        while os.getpriority(os.PRIO_PROCESS, warmed.pid) != expected and time.monotonic() < deadline:
            time.sleep(0.01)
        assert os.getpriority(os.PRIO_PROCESS, warmed.pid) == expected
        assert lint(root, sandbox, ["ok.py"], asked)[0].status == "passed"  # needed now: normal priority
        assert os.getpriority(os.PRIO_PROCESS, asked.pid) == os.getpriority(os.PRIO_PROCESS, 0)
    finally:
        warmed.close()
        asked.close()
