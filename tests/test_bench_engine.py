"""crewmux bench with ``--provider local``: the real embedded engine on Qwen2.5-Coder-0.5B,
started once by the bench, scoring one exercism sample in single mode. Slow; CI installs
the engine and pulls the model (scripts/setup.sh), so there it runs and never skips."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from crewmux.cli import main

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

MODEL = "qwen2.5-coder:0.5b"
SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "bench-samples" / "exercism-python"


def _needs_engine() -> None:
    from crewmux.engine.server import engine_missing
    from crewmux.engine.store import ModelStore

    why = engine_missing() or (None if ModelStore.default().path_of(MODEL) else f"{MODEL} is not pulled (crewmux models pull {MODEL})")
    if why is None and not SAMPLES.is_dir():
        why = f"the exercism samples are not at {SAMPLES} (../shared/bench-samples)"
    if why is None:
        return
    if os.environ.get("CI") and SAMPLES.is_dir():
        pytest.fail(f"CI must test the bench on the real engine: {why}")
    pytest.skip(why)


def test_single_mode_on_the_embedded_engine_decides_a_sample(tmp_path: Path):
    _needs_engine()
    out = tmp_path / "out"
    code = main(["bench", "--suite", str(SAMPLES), "--task", "hello-world", "--model", MODEL, "--provider", "local",
                 "--mode", "single", "--tries", "1", "--out", str(out), "--episodes", str(tmp_path / "ep.sqlite")])
    assert code == 0
    [summary] = json.loads((out / "summary.json").read_text())
    [result] = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    # The model decided the task (pass or fail is the model's); the harness did not fail.
    assert summary["infrastructure_failures"] == 0 and summary["tasks"] == 1, result
    assert result["completion_tokens"] > 0 and result["tries"][0]["seconds"] > 0
    log = next(out.glob("engine-*.log")).read_text()
    assert "listening" in log
    exchange = [json.loads(line) for line in next((out / "llm").glob("*.jsonl")).read_text().splitlines()]
    assert exchange[0]["provider"] == "local" and "hello_world.py" in exchange[0]["request"]["messages"][1]["content"]
