"""A full disk, for real: the worker runs in the sandbox, whose /tmp is a 4 MB tmpfs.

Nothing is half-delivered, the error says what to do, logging does not crash the agent,
and an agent's message waits for space instead of being lost.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import crewmux
from crewmux.workspace.sandbox import Limits, Sandbox
from crewmux.workspace.validators.base import python_env, python_readable

pytestmark = pytest.mark.timeout(90)

_PROBE = Sandbox()
if not _PROBE.bwrap_ok:
    pytest.skip(f"bubblewrap does not work here: {_PROBE.bwrap_reason}", allow_module_level=True)

WORKER = Path(__file__).with_name("disk_full_worker.py")


def test_a_full_disk_loses_no_message_and_stops_no_agent(tmp_path):
    package = Path(crewmux.__file__).resolve().parent
    sandbox = Sandbox(require=True, limits=Limits(tmp_mb=4))
    # The interpreter with its site (crewmux is installed in it, possibly editable from `package`).
    result = sandbox.run([sys.executable, str(WORKER)], cwd=tmp_path, timeout=60, env=python_env(),
                         readable=[*python_readable(), str(package), str(WORKER.parent)])
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, result.stdout[-2000:] + result.stderr[-2000:]
    found = json.loads(lines[0][len("RESULT "):])
    assert found["disk_full"] is True
    assert "the disk is full" in found["deliver"] and "free some space" in found["deliver"]
    assert found["left"] == []  # nothing half-written in tmp/ or new/
    assert found["dropped_events"] == 1
    assert found["sent_while_full"] is False
    assert found["sent_after_freeing"] is True
    assert found["arrived"] == [found["sent_id"]]
    assert "sending completion to coordinator again" in result.stdout
