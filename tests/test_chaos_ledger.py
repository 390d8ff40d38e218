"""The chaos bench's pure parts: seeded fault plans, and reconciling where every message of
a run ended up (on a run directory made by hand, with real mailbox operations)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from chaos import FAMILIES, JUNK_PREFIX, plan_for, reconcile, restarts  # noqa: E402

from crewmux.protocol.events import EventLog  # noqa: E402
from crewmux.protocol.ids import utcnow  # noqa: E402
from crewmux.protocol.mailbox import Mailbox, deliver  # noqa: E402
from crewmux.protocol.messages import Completion, Control, ReviewRequest  # noqa: E402
from crewmux.protocol.plan import PlanTask  # noqa: E402
from crewmux.protocol.rundir import AgentSpec, RunDir  # noqa: E402


def test_plans_are_seeded_and_cover_every_family() -> None:
    plans = [plan_for(5, i, 30.0) for i in range(len(FAMILIES))]
    assert [p.name for p in plans] == list(FAMILIES)
    assert plans == [plan_for(5, i, 30.0) for i in range(len(FAMILIES))]
    assert plans != [plan_for(6, i, 30.0) for i in range(len(FAMILIES))]
    for plan in plans:
        assert all(0.5 <= f.at <= 30.0 * 0.85 for f in plan.faults)
        assert [f.at for f in plan.faults] == sorted(f.at for f in plan.faults)
    by_name = {p.name: p for p in plans}
    assert by_name["storm"].storm_rate > 0 and by_name["storm"].may_change_tree
    assert not by_name["kill"].may_change_tree
    assert {f.kind for f in by_name["server"].faults} == {"kill_server"}
    assert {f.target for f in by_name["kill-any"].faults} <= {"coordinator", "cto", "coder-1", "coder-2", "qa", "supervisor", "scripted-llm"}


def send(run: RunDir, message, sender: str) -> None:
    deliver(run.mail_root, message)
    EventLog(run.events(sender), sender).emit("message", task_id=message.task_id, data={"id": message.id, "type": message.type, "recipient": message.recipient})


def handle(run: RunDir, name: str, times: int = 1) -> None:
    box = Mailbox(run.mailbox(name), owner=name, run_id=run.run_id, reader=name)
    log = EventLog(run.events(name), name)
    for claimed in box.claim_new():
        for _ in range(times):
            log.emit("received", task_id=claimed.message.task_id, data={"id": claimed.message.id, "type": claimed.message.type})
        box.done(claimed)


def test_reconcile_finds_the_lost_the_doubled_and_the_quarantined(git_project: Path) -> None:
    run = RunDir.create(git_project, "x", [AgentSpec(name="coordinator", role="coordinator"), AgentSpec(name="coder-1", role="coder"), AgentSpec(name="qa", role="qa")])
    base = {"run_id": run.run_id}
    send(run, Completion(**base, sender="coder-1", recipient="coordinator", task_id="t1", attempt=1, commit="c1"), "coder-1")
    handle(run, "coordinator", times=2)  # re-delivered once after a restart
    # The same attempt's review asked twice: a step done twice.
    for _ in range(2):
        send(run, ReviewRequest(**base, sender="coordinator", recipient="qa", task_id="t1", attempt=1, commit="c1", task=PlanTask(id="t1", title="t1")), "coordinator")
    handle(run, "qa")
    # Sent and never handled: lost.
    send(run, Completion(**base, sender="coder-1", recipient="coordinator", task_id="t2", attempt=1, commit="c2"), "coder-1")
    # A stop left unread when the run ended: not work, not lost.
    deliver(run.mail_root, Control(**base, sender="supervisor", recipient="coder-1", action="stop"))
    # The bench's junk, quarantined by a reader.
    (run.mailbox("qa") / "new" / f"{JUNK_PREFIX}0b.json").write_bytes(b"{not json")
    list(Mailbox(run.mailbox("qa"), owner="qa", run_id=run.run_id, reader="qa").claim_new())
    run.update_info(status="succeeded", reason="done", finished_at=utcnow())

    ledger = reconcile(run, junk=1)
    assert ledger.sent == 5 and ledger.handled == 3
    assert len(ledger.lost) == 1 and ledger.lost[0].startswith("completion ") and ledger.lost[0].endswith("to coordinator: new")
    assert ledger.redelivered == 1
    assert ledger.acted_twice == ["review_request t1#1"]
    assert ledger.built_twice == []
    assert (ledger.junk_quarantined, ledger.junk_dropped) == (1, 1)


def test_restarts_count_the_supervisors_own_returns_apart_from_resumes(git_project: Path) -> None:
    run = RunDir.create(git_project, "x", [AgentSpec(name="coder-1", role="coder")])
    EventLog(run.events("coder-1"), "coder-1").emit("restart", text="killed by signal 9")
    run.log("supervisor").write_text("supervising run a\nsupervising run a\nsupervising run a\n")
    assert restarts(run, resumes=1) == {"coder-1": 1, "supervisor": 1}
    assert restarts(run, resumes=2) == {"coder-1": 1}
