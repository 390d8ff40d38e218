"""The chaos bench, bounded: a fault-free scripted team run, then seeded fault plans (seven
SIGKILLs in 14 s, the model server three times, the tmux server killed twice in a row with
`crewmux resume` after each, a fault storm with kills and a corrupted mailbox). Every run must end with a verdict within its budget, lose no message,
build no task twice, and end with the fault-free run's merged tree where its plan let it.

Real tmux (private socket directory), real git, the real sandbox, real HTTP; the model is
the scripted server, a service of each run. About 2 minutes on 2 cores.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from chaos import ChaosFault, FaultPlan, judge, plan_for, run_one  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]
SPAN = 25.0  # seconds the plans' moments spread over (about a fault-free run here)
PLANS = [
    # Seven SIGKILLs in 14 s, the model server three times (twice while the CTO plans).
    # Found the run failing "planning failed: cannot connect" (`chaos.py --seed 3 --plans
    # plan-kill,storm`, run 0: 3 quick tries ended before the supervisor had the server
    # back), then, with 8 connect tries, "closed the connection before the reply was
    # complete (after 5 tries)": a run's own server now gets 16 tries of any kind.
    FaultPlan("burst", tuple(ChaosFault(at, "kill", target) for at, target in (
        (1.4, "scripted-llm"), (2.9, "scripted-llm"), (3.9, "coder-2"), (4.6, "coder-2"),
        (10.1, "scripted-llm"), (11.7, "coder-2"), (12.2, "coordinator")))),  # fmt: skip
    plan_for(1, 4, SPAN),  # the tmux server killed, resumed, killed again 2.3 s later, resumed
    plan_for(2, 7, SPAN),  # a 24% storm, a coder, the coordinator and the CTO killed, a corrupted mailbox
]


def test_seeded_fault_plans_lose_nothing_and_end_with_the_same_tree(tmp_path: Path) -> None:
    reference = run_one(tmp_path, FaultPlan("calm"), budget=150, socket="chaos-test-ref")
    assert reference.status == "succeeded", f"{reference.reason} ({reference.run_dir})"
    assert reference.tree and not reference.ledger.lost
    budget = 3 * reference.wall + 45
    for i, plan in enumerate(PLANS):
        outcome = run_one(tmp_path, plan, budget=budget, socket=f"chaos-test-{i}")
        verdicts = judge(outcome, reference)
        where = f"plan {plan.name} ({plan.describe()}), {outcome.run_dir}"
        assert not outcome.hung, f"no verdict within {budget:.0f} s: {where}"
        assert outcome.ledger.lost == [], where
        assert outcome.ledger.built_twice == [] and outcome.ledger.acted_twice == [], where
        assert outcome.done, f"no fault was carried out: {where}"
        if not plan.may_change_tree:
            assert verdicts.same_tree, f"{outcome.status}: {outcome.reason}; {where}"
        assert verdicts.failures == [], where
