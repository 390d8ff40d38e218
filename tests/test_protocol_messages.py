"""Message models, their ids and timestamps, and the committed JSON Schemas."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timezone
from pathlib import Path

import pytest
from pydantic import ValidationError

from crewmux.protocol.ids import id_time, new_id, new_run_id
from crewmux.protocol.messages import MESSAGE_TYPES, Control, ReviewResult, Steer, TaskAssignment, dump_message, parse_message
from crewmux.protocol.plan import PlanTask
from crewmux.protocol.schemas import SCHEMA_DIR, all_schemas, render

ENVELOPE = {"run_id": "r", "sender": "coordinator", "recipient": "coder-1"}


def test_every_type_round_trips_through_the_discriminated_union() -> None:
    task = PlanTask(id="t1", title="cli", files=["cli.py"], language="python")
    samples = [
        TaskAssignment(**ENVELOPE, task=task, attempt=1, branch="b", base_ref="HEAD"),
        Steer(**ENVELOPE, text="use argparse"),
        Control(**ENVELOPE, action="pause"),
        ReviewResult(**ENVELOPE, attempt=2, commit="abc", verdict="fail", findings="x"),
    ]
    for message in samples:
        back = parse_message(dump_message(message))
        assert type(back) is type(message)
        assert back == message


def test_unknown_type_and_extra_fields_are_rejected() -> None:
    good = json.loads(dump_message(Steer(**ENVELOPE, text="hi")))
    with pytest.raises(ValidationError):
        parse_message(json.dumps({**good, "type": "nope"}))
    with pytest.raises(ValidationError):
        parse_message(json.dumps({**good, "surprise": 1}))
    with pytest.raises(ValidationError):
        parse_message(json.dumps({**good, "sender": "Bad Name!"}))


def test_ids_sort_by_creation_and_never_collide() -> None:
    ids = [new_id() for _ in range(20000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert abs(id_time(ids[-1]) - __import__("time").time()) < 5


def test_ids_from_other_processes_do_not_collide() -> None:
    code = "from crewmux.protocol.ids import new_id\nfor _ in range(5000): print(new_id())"
    outs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split() for _ in range(3)]
    every = [i for out in outs for i in out]
    assert len(set(every)) == len(every) == 15000


def test_timestamps_are_utc() -> None:
    message = Steer(**ENVELOPE, text="hi")
    assert message.created_at.tzinfo is not None
    assert message.created_at.utcoffset() == timezone.utc.utcoffset(None)


def test_run_ids_are_readable_sortable_and_tmux_safe() -> None:
    run_id = new_run_id("A landing page: for a bakery (with a contact form!)")
    assert "." not in run_id and ":" not in run_id and " " not in run_id
    assert run_id[:15].replace("-", "").isdigit()
    assert "landing-page" in run_id


def test_committed_schemas_match_the_models() -> None:
    """Fails when a model changes without `crewmux schema --out protocol/schemas`."""
    expected = all_schemas()
    committed = {p.name: p.read_text() for p in SCHEMA_DIR.glob("*.json")}
    assert set(committed) == set(expected), "run: crewmux schema --out protocol/schemas"
    for name, schema in expected.items():
        assert committed[name] == render(schema), f"{name} drifted: run crewmux schema --out protocol/schemas"


def test_schema_command_writes_one_schema_per_message_type(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "crewmux", "schema", "--out", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    names = {p.stem for p in tmp_path.glob("*.json")}
    assert set(MESSAGE_TYPES) <= names
    schema = json.loads((tmp_path / "steer.json").read_text())
    assert schema["properties"]["type"]["const"] == "steer"
    assert "run_id" in schema["required"]


def test_cli_help_and_version() -> None:
    help_out = subprocess.run([sys.executable, "-m", "crewmux", "--help"], capture_output=True, text=True)
    assert help_out.returncode == 0 and "schema" in help_out.stdout
    version = subprocess.run([sys.executable, "-m", "crewmux", "--version"], capture_output=True, text=True)
    assert version.stdout.startswith("crewmux ")
