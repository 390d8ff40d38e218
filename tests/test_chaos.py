"""The chaos bench, bounded: a fault-free scripted team run, then seeded fault plans (the
model server SIGKILLed three times with coders and QA, the tmux server killed twice in a
row with `crewmux resume` after each, a fault storm with a killed supervisor and a
corrupted mailbox). Every run must end with a verdict within its budget, lose no message,
build no task twice, and end with the fault-free run's merged tree where its plan let it.

Real tmux (private socket directory), real git, the real sandbox, real HTTP; the model is
the scripted server, a service of each run. About 2 minutes on 2 cores.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from chaos import FaultPlan, judge, plan_for, run_one  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]
SPAN = 25.0  # seconds the plans' moments spread over (about a fault-free run here)
# (seed, run index): kill-any with the model server killed 3 times, the server killed
# twice in a row, a storm with a killed supervisor and a corrupted mailbox.
PLANS = [(2, 1), (2, 3), (1, 6)]


def test_seeded_fault_plans_lose_nothing_and_end_with_the_same_tree(tmp_path: Path) -> None:
    reference = run_one(tmp_path, FaultPlan("calm"), budget=150, socket="chaos-test-ref")
    assert reference.status == "succeeded", f"{reference.reason} ({reference.run_dir})"
    assert reference.tree and not reference.ledger.lost
    budget = 3 * reference.wall + 45
    for seed, index in PLANS:
        plan = plan_for(seed, index, SPAN)
        outcome = run_one(tmp_path, plan, budget=budget, socket=f"chaos-test-{seed}-{index}")
        verdicts = judge(outcome, reference)
        where = f"plan {plan.name} (seed {seed}, run {index}: {plan.describe()}), {outcome.run_dir}"
        assert not outcome.hung, f"no verdict within {budget:.0f} s: {where}"
        assert outcome.ledger.lost == [], where
        assert outcome.ledger.built_twice == [] and outcome.ledger.acted_twice == [], where
        assert outcome.done, f"no fault was carried out: {where}"
        if not plan.may_change_tree:
            assert verdicts.same_tree, f"{outcome.status}: {outcome.reason}; {where}"
        assert verdicts.failures == [], where
