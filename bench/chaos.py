"""Faults on purpose: scripted team runs under seeded fault plans, against a fault-free run.

Each run is a real team (coordinator, CTO, 2 coders, QA; real tmux on a private socket,
real git, the real sandbox) on the scripted brief ``chaos_team.toml``, its model server a
service of the run, in a fresh temporary project. One fault-free run first gives the
reference: its merged tree (the git tree of the run branch) and its wall time. Then each
run follows a fault plan drawn from ``--seed`` and the run's number:

- ``kill``: SIGKILL of random agents at random moments;
- ``kill-any``: SIGKILLs of anything in the run (agents, the supervisor, the model server);
- ``plan-kill``: the model server, the CTO and the coordinator SIGKILLed while the CTO plans;
- ``burst``: seven SIGKILLs of anything within 14 s (the issue's hand test);
- ``freeze``: agents and the model server frozen for some seconds (the cgroup freezer:
  tmux answers a pane process's SIGSTOP with SIGCONT at once, so SIGSTOP freezes nothing);
- ``server``: the whole tmux server killed and ``crewmux resume`` run, sometimes twice in a row;
- ``storm``: the model server answers a share of requests with a random fault (500, 429,
  a hang, a cut stream, malformed JSON, garbage, an empty reply);
- ``mail``: corrupted files dropped into mailboxes (a truncated message, garbage, a
  message abandoned half-written in tmp/);
- ``mixed``: a storm, kills and a corrupted mailbox together.

For every run: the verdict, whether it hung (no final status within its budget), whether
its merged tree is the reference's, the messages sent / handled / failed / lost and those
redelivered (reconciled from the mail directories and the agents' own event logs: every
message an agent sends is a ``message`` event, every one it starts on a ``received``
event), steps done twice (two assignments, reviews or merges of one task's attempt),
tasks built twice (two completions of one attempt), restarts, and the wall time against
the reference.

    nice -n 15 python3 bench/chaos.py --runs 12 --seed 1

Exit status 1 when any run hung, lost a message or built a task twice, or a run whose
plan let it finish ended with another tree.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from crewmux.protocol.rundir import build_agents
from crewmux.agents.llm.model_source import free_loopback_port
from crewmux.config import Budgets, Config, ModelConfig
from crewmux.protocol.events import read_events
from crewmux.protocol.rundir import RunDir
from crewmux.workspace import git
from crewmux.runtime.restart_policy import RestartPolicy
from crewmux.runtime.team import FINAL_STATUSES, TeamRuntime
from crewmux.runtime.team_launch import Service
from crewmux.runtime.tmux import Tmux, TmuxError

SCRIPT = Path(__file__).with_name("chaos_team.toml")
BRIEF = "a word and line counting library with a command line"
MODEL = "crewmux-chaos"
FAMILIES = ("kill", "kill-any", "plan-kill", "burst", "freeze", "server", "storm", "mail", "mixed")
AGENTS = ("coordinator", "cto", "coder-1", "coder-2", "qa")
SERVICE = "scripted-llm"
SUPERVISOR_BACK = 12.0
SERVICE_BACK = 25.0
BENCH_POLICY = RestartPolicy(backoff_base=0.5, backoff_max=8.0, silent_after=8.0, start_grace=12.0)
GIT_ENV = {"GIT_AUTHOR_NAME": "chaos", "GIT_AUTHOR_EMAIL": "chaos@crewmux", "GIT_COMMITTER_NAME": "chaos", "GIT_COMMITTER_EMAIL": "chaos@crewmux"}
JUNK_PREFIX = "chaos-junk-"  # files the bench drops into mailboxes itself (not messages)
# Messages that are one step of one attempt: two of them mean the step was done twice.
EFFECTS = ("task_assignment", "completion", "review_request", "review_result")


# -- fault plans (pure) ----------------------------------------------------------------------


@dataclass(frozen=True)
class ChaosFault:
    at: float  # seconds after the team started
    kind: str  # kill, freeze, kill_server, corrupt
    target: str = ""  # an agent, "supervisor", the service; for corrupt: a mailbox
    seconds: float = 0.0  # freeze: how long frozen; kill_server: resume again this soon after (0: once)


@dataclass(frozen=True)
class FaultPlan:
    name: str
    faults: tuple[ChaosFault, ...] = ()
    storm_rate: float = 0.0
    storm_seed: int = 0

    @property
    def may_change_tree(self) -> bool:
        """Whether the plan may rightly end with another tree: a storm can use up a
        task's attempts with empty replies; every other plan must give the same result."""
        return self.storm_rate > 0

    def describe(self) -> str:
        parts = [f"{f.kind}:{f.target}@{f.at:.1f}s" + (f"/{f.seconds:.1f}s" if f.seconds else "") for f in self.faults]
        if self.storm_rate:
            parts.insert(0, f"storm {self.storm_rate:.0%}")
        return ", ".join(parts) or "no faults"


def make_plan(family: str, rng: random.Random, span: float) -> FaultPlan:
    """A plan of ``family`` with its moments spread over ``span`` seconds (the reference
    run's wall time), drawn from ``rng``."""
    def moment() -> float:
        return round(rng.uniform(0.5, span * 0.85), 1)

    faults: list[ChaosFault] = []
    storm = 0.0
    if family == "kill":
        faults = [ChaosFault(moment(), "kill", rng.choice(AGENTS)) for _ in range(rng.randint(2, 4))]
    elif family == "kill-any":
        targets = (*AGENTS, "supervisor", SERVICE)
        faults = [ChaosFault(moment(), "kill", rng.choice(targets)) for _ in range(rng.randint(4, 7))]
    elif family == "plan-kill":
        early = [ChaosFault(round(rng.uniform(0.5, 4.0), 1), "kill", SERVICE)]
        early += [ChaosFault(round(rng.uniform(0.5, 6.0), 1), "kill", rng.choice(("cto", "coordinator", SERVICE))) for _ in range(rng.randint(1, 3))]
        faults = early
    elif family == "burst":
        targets = (*AGENTS, "supervisor", SERVICE)
        faults = [ChaosFault(round(rng.uniform(1.0, 15.0), 1), "kill", rng.choice(targets)) for _ in range(7)]
    elif family == "freeze":
        targets = (*AGENTS, SERVICE)
        # Up to 14 s: past the bench's silence limit (8 s), so some frozen agents are found
        # hung, killed and restarted while others thaw in time.
        faults = [ChaosFault(moment(), "freeze", rng.choice(targets), round(rng.uniform(2, 14), 1)) for _ in range(rng.randint(1, 3))]
    elif family == "server":
        again = round(rng.uniform(0.5, 3.0), 1) if rng.random() < 0.5 else 0.0
        faults = [ChaosFault(moment(), "kill_server", seconds=again)]
    elif family == "storm":
        storm = round(rng.uniform(0.25, 0.5), 2)
    elif family == "mail":
        faults = [ChaosFault(moment(), "corrupt", rng.choice(AGENTS)) for _ in range(rng.randint(2, 4))]
    elif family == "mixed":
        storm = round(rng.uniform(0.15, 0.3), 2)
        targets = (*AGENTS, "supervisor", SERVICE)
        faults = [ChaosFault(moment(), "kill", rng.choice(targets)) for _ in range(rng.randint(2, 3))]
        faults.append(ChaosFault(moment(), "corrupt", rng.choice(AGENTS)))
    elif family != "calm":
        raise ValueError(f"unknown fault plan family {family!r}; choose from calm, {', '.join(FAMILIES)}")
    return FaultPlan(family, tuple(sorted(faults, key=lambda f: f.at)), storm, rng.randrange(1 << 30))


def plan_for(seed: int, index: int, span: float, families: tuple[str, ...] = FAMILIES) -> FaultPlan:
    """Run ``index``'s plan: families in turn, the draws from (seed, index)."""
    return make_plan(families[index % len(families)], random.Random(seed * 100_003 + index), span)


# -- reconciling the ledgers (pure over a finished run directory) ------------------------------


@dataclass
class Ledger:
    sent: int = 0  # messages the agents sent (their message events, and files found)
    handled: int = 0  # in the recipient's done/
    failed: int = 0  # in failed/ (rejected or made the handler fail), junk excluded
    lost: list[str] = field(default_factory=list)  # sent before the verdict, never handled or failed
    redelivered: int = 0  # started on again after a restart (a received event twice)
    acted_twice: list[str] = field(default_factory=list)  # one step's effect twice: two assignments, reviews or merges of one attempt
    built_twice: list[str] = field(default_factory=list)  # task/attempt with two completions
    junk_quarantined: int = 0  # the bench's corrupted files in new/ that went to failed/
    junk_dropped: int = 0  # corrupted files the bench put into new/
    junk_handled: int = 0  # corrupted or half-written files that reached done/ (must stay 0)


def reconcile(run: RunDir, junk: int = 0) -> Ledger:
    """Where every message of a finished run ended up."""
    ledger = Ledger(junk_dropped=junk)
    info = run.info()
    finished_at = _timestamp(info.finished_at) if info.finished_at else None
    agents = [a.name for a in info.agents]
    sent_at: dict[str, float] = {}
    recipient: dict[str, str] = {}
    kind: dict[str, str] = {}
    received: dict[str, Counter[str]] = {}
    for name in agents:
        counts: Counter[str] = Counter()
        for event in read_events(run.events(name)):
            if event.kind == "message" and isinstance(event.data.get("id"), str):
                mid = event.data["id"]
                sent_at.setdefault(mid, event.ts)
                recipient[mid] = str(event.data.get("recipient", ""))
                kind[mid] = str(event.data.get("type", ""))
            elif event.kind == "received" and isinstance(event.data.get("id"), str):
                counts[event.data["id"]] += 1
        received[name] = counts
    where: dict[str, str] = {}
    # Effects, by (type, task, attempt): a step done twice shows as two of its messages.
    effects: Counter[tuple[str, str, int]] = Counter()
    for box in run.mail_root.iterdir():
        for state in ("tmp", "new", "cur", "done", "failed"):
            folder = box / state
            files = folder.rglob("*.json") if state == "cur" else folder.glob("*.json")
            for path in files:
                if path.name.startswith(JUNK_PREFIX):
                    ledger.junk_quarantined += state == "failed"
                    ledger.junk_handled += state == "done"
                    continue
                mid = path.stem
                where[mid] = state
                recipient.setdefault(mid, box.name)
                if mid not in kind and state not in ("done", "failed"):
                    # Sent by the runtime or the supervisor (no event of theirs): its type.
                    try:
                        kind[mid] = str(json.loads(path.read_bytes()).get("type", "?"))
                    except (OSError, ValueError):
                        kind[mid] = "unreadable"
                if state != "tmp":
                    try:
                        data = json.loads(path.read_bytes())
                    except (OSError, ValueError):
                        continue
                    if data.get("type") in EFFECTS:
                        effects[(str(data["type"]), str(data.get("task_id")), int(data.get("attempt") or 0))] += 1
    ids = set(sent_at) | {mid for mid, state in where.items() if state != "tmp"}
    ledger.sent = len(ids)
    for mid in sorted(ids):
        state = where.get(mid)
        if state == "done":
            ledger.handled += 1
        elif state == "failed":
            ledger.failed += 1
        elif finished_at is None or sent_at.get(mid, 0.0) < finished_at:
            # Still waiting (or gone) although it was sent while the run went on. Control
            # messages to an agent that had already stopped are not work.
            if kind.get(mid) != "control":
                ledger.lost.append(f"{kind.get(mid, '?')} {mid} to {recipient.get(mid, '?')}: {state or 'missing'}")
    for name, counts in received.items():
        ledger.redelivered += sum(n - 1 for n in counts.values() if n > 1)
    merges: Counter[tuple[str, int]] = Counter()
    for event in read_events(run.events("coordinator")):
        if event.kind == "merge" and event.text == "merged":
            merges[(str(event.task_id), int(event.attempt or 0))] += 1
    twice = [f"{t} {task}#{attempt}" for (t, task, attempt), n in effects.items() if n > 1 and t != "completion"]
    twice += [f"merge {task}#{attempt}" for (task, attempt), n in merges.items() if n > 1]
    ledger.acted_twice = sorted(twice)
    ledger.built_twice = sorted(f"{task}#{attempt}" for (t, task, attempt), n in effects.items() if n > 1 and t == "completion")
    return ledger


def _timestamp(value) -> float:
    from datetime import datetime

    if isinstance(value, datetime):
        return value.timestamp()
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def restarts(run: RunDir, resumes: int = 0) -> dict[str, int]:
    """Restarts by the supervisor (its restart events), by name; and the supervisor's own
    returns (each start after the first that no resume explains), under ``supervisor``."""
    counts: Counter[str] = Counter()
    for path in run.events_dir.glob("*.jsonl"):
        for event in read_events(path):
            if event.kind == "restart":
                counts[event.agent] += 1
    try:
        starts = run.log("supervisor").read_text(errors="replace").count("supervising run ")
    except FileNotFoundError:
        starts = 0
    revived = starts - 1 - resumes
    return dict(counts) | ({"supervisor": revived} if revived > 0 else {})


# -- running one team (I/O) ------------------------------------------------------------------------


FREEZER = Path("/sys/fs/cgroup/freezer")


class Freezer:
    """Freezes a process for real: a cgroup v1 freezer group of its own, thawed later.

    SIGSTOP is no freeze for a tmux pane's process: tmux sends it SIGCONT at once. Where
    the freezer hierarchy is not writable, ``freeze`` falls back to SIGSTOP/SIGCONT (and
    says so in ``how``)."""

    def __init__(self) -> None:
        self.groups: dict[Path, int] = {}
        self.lock = threading.Lock()
        self.n = 0
        self.token = secrets.token_hex(4)
        self.how = "cgroup freezer" if os.access(FREEZER, os.W_OK) else "SIGSTOP (undone by tmux at once)"

    def freeze(self, pid: int, seconds: float) -> None:
        if not os.access(FREEZER, os.W_OK):
            os.kill(pid, signal.SIGSTOP)
            threading.Timer(seconds, _cont, (pid,)).start()
            return
        with self.lock:
            self.n += 1
            # Unique beyond this process: a pid is reused, and a group left by a run that was
            # killed before it thawed would make mkdir fail.
            group = FREEZER / f"crewmux-chaos-{os.getpid()}-{self.token}-{self.n}"
        group.mkdir()
        try:
            (group / "cgroup.procs").write_text(str(pid))
        except OSError:
            group.rmdir()
            raise ProcessLookupError(pid) from None
        (group / "freezer.state").write_text("FROZEN")
        with self.lock:
            self.groups[group] = pid
        threading.Timer(seconds, self.thaw, (group,)).start()

    def thaw(self, group: Path) -> None:
        with self.lock:
            pid = self.groups.pop(group, None)
        if pid is None:
            return
        try:
            (group / "freezer.state").write_text("THAWED")
            for task in (group / "cgroup.procs").read_text().split():
                (FREEZER / "cgroup.procs").write_text(task)
            group.rmdir()
        except OSError:
            pass

    def thaw_all(self) -> None:
        for group in list(self.groups):
            self.thaw(group)


FREEZE = Freezer()


@dataclass
class Outcome:
    plan: FaultPlan
    status: str  # the final status, or "hung"
    reason: str
    wall: float
    tree: str | None
    ledger: Ledger
    restarts: dict[str, int]
    supervisor_returns: int = 0
    resumes: int = 0
    done: list[str] = field(default_factory=list)  # faults carried out
    skipped: list[str] = field(default_factory=list)  # faults whose target was not there
    storm_faults: int = 0
    stayed_down: list[str] = field(default_factory=list)  # the supervisor or the model server not back in time
    run_dir: str = ""

    @property
    def hung(self) -> bool:
        return self.status == "hung"


def new_project(parent: Path) -> Path:
    project = Path(tempfile.mkdtemp(prefix="chaos-", dir=parent))
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=project, check=True)
    (project / "README.md").write_text("# tally\n")
    (project / ".git" / "info" / "exclude").write_text(".crewmux/\n")
    subprocess.run(["git", "add", "README.md"], cwd=project, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "init"], cwd=project, check=True, env=env)
    return project


class TeamRun:
    """One scripted team run with its fault plan carried out while it goes on."""

    def __init__(self, parent: Path, plan: FaultPlan, *, budget: float, socket: str) -> None:
        self.plan = plan
        self.budget = budget
        self.socket = socket
        self.project = new_project(parent)
        self.port = free_loopback_port()
        self.rng = random.Random(plan.storm_seed)
        self.done: list[str] = []
        self.skipped: list[str] = []
        self.junk = 0
        self.resumes = 0
        self.down_since: dict[str, float] = {}
        self.stayed_down: list[str] = []

    def start(self) -> None:
        url = f"http://127.0.0.1:{self.port}"
        model = ModelConfig(provider="ollama", model=MODEL, base_urls=[url], timeout_connect=2.0, timeout_first_token=5.0, timeout_total=60.0)
        config = Config(default=model, coders=2, budgets=Budgets(wall_seconds=self.budget), tmux_socket=self.socket)
        git.ensure_repo(self.project)
        self.run = RunDir.create(self.project, BRIEF, build_agents(2, 1), config=config.model_dump(mode="json"))
        argv = [sys.executable, "-m", "crewmux", "fake-llm", "--script", str(SCRIPT), "--port", str(self.port),
                "--request-log", str(self.run.path / "model-requests.jsonl")]  # fmt: skip
        if self.plan.storm_rate:
            argv += ["--fault-rate", str(self.plan.storm_rate), "--fault-seed", str(self.plan.storm_seed)]
        service = Service(name=SERVICE, argv=argv, url=url)
        # A faster supervisor than the default, as a test team's: the bench is about what
        # is lost, not about the default backoff's seconds.
        self.runtime = TeamRuntime(self.socket, services=[service], check_interval=1.0, restart_policy=BENCH_POLICY)
        self.runtime.start(self.run)
        self.started = time.monotonic()

    def status(self) -> str | None:
        try:
            return self.run.info().status
        except (OSError, ValueError):
            return None

    def drive(self) -> Outcome:
        """Carry out the plan until the run ends or its budget (and a grace) is spent."""
        deadline = self.started + self.budget + 30.0
        pending = list(self.plan.faults)
        looked = 0.0
        while True:
            status = self.status()
            if status in FINAL_STATUSES:
                break
            now = time.monotonic()
            if now >= deadline:
                status = "hung"
                break
            while pending and now - self.started >= pending[0].at:
                self._inject(pending.pop(0))
            if now - looked >= 1.0:
                looked = now
                self._watch(now)
            time.sleep(0.1)
        wall = time.monotonic() - self.started
        if status != "hung":
            self._settle()
        self._teardown()
        info = self.run.info()
        return Outcome(
            plan=self.plan,
            status=status,
            reason=info.reason,
            wall=wall,
            tree=tree_of(self.project, f"crewmux/{self.run.run_id}"),
            ledger=reconcile(self.run, self.junk),
            restarts=restarts(self.run, self.resumes),
            resumes=self.resumes,
            done=self.done,
            skipped=self.skipped,
            storm_faults=_storm_faults(self.run),
            stayed_down=self.stayed_down,
            run_dir=str(self.run.path),
        )

    def _watch(self, now: float) -> None:
        """Note what stays down: the supervisor must be back within SUPERVISOR_BACK s and
        the model server within SERVICE_BACK s (its backoff is at most 8 s here)."""
        try:
            panes = self.runtime.panes(self.run)
        except TmuxError:
            return
        for name, pane, limit in (("supervisor", panes.supervisor, SUPERVISOR_BACK), (SERVICE, panes.services.get(SERVICE), SERVICE_BACK)):
            if pane is not None and not pane.dead:
                self.down_since.pop(name, None)
                continue
            since = self.down_since.setdefault(name, now)
            if now - since > limit and name not in self.stayed_down:
                self.stayed_down.append(name)

    # -- faults ----------------------------------------------------------------------------
    def _pid(self, target: str) -> int | None:
        panes = self.runtime.panes(self.run)
        if target == "supervisor":
            pane = panes.supervisor
        elif target == SERVICE:
            pane = panes.services.get(SERVICE)
        else:
            pane = panes.agents.get(target)
        return pane.pid if pane is not None and not pane.dead else None

    def _inject(self, fault: ChaosFault) -> None:
        label = f"{fault.kind}:{fault.target}@{time.monotonic() - self.started:.1f}s"
        if fault.kind in ("kill", "freeze"):
            pid = self._pid(fault.target)
            if pid is None:
                self.skipped.append(label)
                return
            try:
                if fault.kind == "kill":
                    os.kill(pid, signal.SIGKILL)
                else:
                    FREEZE.freeze(pid, fault.seconds)
            except ProcessLookupError:
                self.skipped.append(label)
                return
        elif fault.kind == "kill_server":
            Tmux(self.socket).kill_server()
            self._resume()
            if fault.seconds:
                time.sleep(fault.seconds)
                Tmux(self.socket).kill_server()
                self._resume()
        elif fault.kind == "corrupt":
            self._corrupt(fault.target)
        self.done.append(label)

    def _resume(self) -> None:
        """What a user does after losing the tmux server: ``crewmux resume RUN``."""
        subprocess.run([sys.executable, "-m", "crewmux", "resume", self.run.run_id, "-C", str(self.project)],
                       capture_output=True, text=True, timeout=60)  # fmt: skip
        self.resumes += 1

    def _corrupt(self, box_name: str) -> None:
        """A truncated copy of a real message and a garbage file in ``new/``, and a message
        abandoned half-written in ``tmp/`` (a writer that died)."""
        box = self.run.mailbox(box_name)
        sample = next(iter(sorted((self.run.mail_root).glob("*/done/*.json"))), None)
        body = sample.read_bytes() if sample else b'{"type": "completion", "id": "x"}'
        n = self.junk
        (box / "tmp" / f"{JUNK_PREFIX}{n}a.json").write_bytes(body[: len(body) // 2])
        (box / "new" / f"{JUNK_PREFIX}{n}b.json").write_bytes(body[: len(body) // 2])
        (box / "new" / f"{JUNK_PREFIX}{n}c.json").write_bytes(bytes(self.rng.randrange(256) for _ in range(64)))
        self.junk += 2  # the two in new/; the one in tmp/ must simply never be delivered

    # -- ending ----------------------------------------------------------------------------
    def _settle(self) -> None:
        """Give the supervisor its time to stop the agents (they move their last messages
        to done/), as `crewmux run --headless` does before it closes the session."""
        deadline = time.monotonic() + 25
        while time.monotonic() < deadline:
            panes = self.runtime.panes(self.run)
            if not any(not p.dead for p in panes.agents.values()):
                return
            time.sleep(0.3)

    def _teardown(self) -> None:
        FREEZE.thaw_all()  # nothing is left frozen: a frozen process outlives its server
        Tmux(self.socket).kill_server()


def _cont(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGCONT)
    except ProcessLookupError:
        pass


def _storm_faults(run: RunDir) -> int:
    try:
        lines = (run.path / "model-requests.jsonl").read_text().splitlines()
    except FileNotFoundError:
        return 0
    return sum('"rule": "storm:' in line for line in lines)


def tree_of(project: Path, branch: str) -> str | None:
    proc = subprocess.run(["git", "rev-parse", f"{branch}^{{tree}}"], cwd=project, capture_output=True, text=True)
    return proc.stdout.strip() if proc.returncode == 0 else None


def run_one(parent: Path, plan: FaultPlan, *, budget: float, socket: str) -> Outcome:
    team = TeamRun(parent, plan, budget=budget, socket=socket)
    try:
        team.start()
        return team.drive()
    finally:
        FREEZE.thaw_all()
        Tmux(socket).kill_server()


# -- figures ---------------------------------------------------------------------------------------


@dataclass
class Verdicts:
    """A run judged against the reference."""

    same_tree: bool
    clear_verdict: bool
    failures: list[str]


def judge(outcome: Outcome, reference: Outcome) -> Verdicts:
    failures: list[str] = []
    same = outcome.tree is not None and outcome.tree == reference.tree
    clear = outcome.status in FINAL_STATUSES
    if outcome.hung:
        failures.append(f"hung: no verdict within {outcome.wall:.0f} s")
    if outcome.ledger.lost:
        failures.append(f"lost {len(outcome.ledger.lost)} message(s): {'; '.join(outcome.ledger.lost[:3])}")
    for name in outcome.stayed_down:
        limit = SUPERVISOR_BACK if name == "supervisor" else SERVICE_BACK
        failures.append(f"{name} was down for more than {limit:g} s while the run went on")
    if outcome.ledger.junk_handled:
        failures.append(f"{outcome.ledger.junk_handled} corrupted or half-written file(s) handled as messages")
    if outcome.ledger.built_twice:
        failures.append(f"built twice: {', '.join(outcome.ledger.built_twice)}")
    if outcome.ledger.acted_twice:
        failures.append(f"done twice: {', '.join(outcome.ledger.acted_twice[:3])}")
    if not same and not outcome.plan.may_change_tree and clear:
        failures.append(f"another tree ({outcome.status}: {outcome.reason})")
    return Verdicts(same, clear, failures)


def print_row(i: int, outcome: Outcome, verdicts: Verdicts, reference: Outcome) -> None:
    ledger = outcome.ledger
    overhead = outcome.wall / reference.wall - 1 if reference.wall else 0.0
    restarts_total = sum(outcome.restarts.values())
    print(
        f"{i:>3} {outcome.plan.name:<9} {outcome.status:<9} tree={'same' if verdicts.same_tree else 'DIFF'} "
        f"wall={outcome.wall:5.1f}s ({overhead:+.0%}) msgs sent={ledger.sent} handled={ledger.handled} failed={ledger.failed} "
        f"lost={len(ledger.lost)} redelivered={ledger.redelivered} twice={len(ledger.acted_twice)} built2x={len(ledger.built_twice)} "
        f"restarts={restarts_total} resumes={outcome.resumes} storm={outcome.storm_faults} junk={ledger.junk_quarantined}/{ledger.junk_dropped}",
        flush=True,
    )
    print(f"      plan: {outcome.plan.describe()}; done {len(outcome.done)}, skipped {len(outcome.skipped)}", flush=True)
    if outcome.restarts:
        print(f"      restarts: {', '.join(f'{k} {v}' for k, v in sorted(outcome.restarts.items()))}")
    for failure in verdicts.failures:
        print(f"      !! {failure}  [{outcome.run_dir}]", flush=True)


def print_totals(rows: list[tuple[Outcome, Verdicts]], reference: Outcome) -> None:
    print("\nper plan:")
    print(f"  {'plan':<9} {'runs':>4} {'same tree':>9} {'verdict':>7} {'hung':>4} {'sent':>5} {'handled':>7} {'lost':>4} {'2x':>3} {'built2x':>7} {'restarts':>8} {'overhead':>8}")
    names = [name for name in ("calm", *FAMILIES) if any(o.plan.name == name for o, _ in rows)]
    for name in [*names, "total"]:
        group = [(o, v) for o, v in rows if name == "total" or o.plan.name == name]
        if not group:
            continue
        overhead = sum(o.wall for o, _ in group) / (reference.wall * len(group)) - 1
        print(
            f"  {name:<9} {len(group):>4} {sum(v.same_tree for _, v in group):>9} {sum(v.clear_verdict for _, v in group):>7} "
            f"{sum(o.hung for o, _ in group):>4} {sum(o.ledger.sent for o, _ in group):>5} {sum(o.ledger.handled for o, _ in group):>7} "
            f"{sum(len(o.ledger.lost) for o, _ in group):>4} {sum(len(o.ledger.acted_twice) for o, _ in group):>3} "
            f"{sum(len(o.ledger.built_twice) for o, _ in group):>7} {sum(sum(o.restarts.values()) for o, _ in group):>8} {overhead:>+8.0%}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fault runs after the fault-free one (default 7: one per plan family)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plans", help=f"comma-separated plan families (default: all of {', '.join(FAMILIES)})")
    parser.add_argument("--budget", type=float, default=0, help="seconds each run may take (default: 4x the fault-free run + 60)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary projects (their paths are printed)")
    args = parser.parse_args(argv)
    families = tuple(args.plans.split(",")) if args.plans else FAMILIES
    tmp = Path(tempfile.mkdtemp(prefix="crewmux-chaos-"))
    os.environ["TMUX_TMPDIR"] = str(tmp)  # a private tmux socket directory: never the user's server
    os.environ.pop("TMUX", None)
    try:
        print(f"chaos: seed {args.seed}, {args.runs} fault runs, plans {', '.join(families)}; freezes by {FREEZE.how}; projects under {tmp}", flush=True)
        reference = run_one(tmp, FaultPlan("calm"), budget=args.budget or 300.0, socket=f"chaos-{os.getpid()}-ref")
        if reference.status != "succeeded" or reference.ledger.lost:
            print(f"the fault-free run did not succeed cleanly ({reference.status}: {reference.reason}); see {reference.run_dir}")
            return 2
        budget = args.budget or 4 * reference.wall + 60
        print(f"reference: {reference.status} in {reference.wall:.1f} s, tree {reference.tree}, {reference.ledger.sent} messages; budget per run {budget:.0f} s", flush=True)
        rows: list[tuple[Outcome, Verdicts]] = []
        for i in range(args.runs):
            plan = plan_for(args.seed, i, reference.wall, families)
            outcome = run_one(tmp, plan, budget=budget, socket=f"chaos-{os.getpid()}-{i}")
            verdicts = judge(outcome, reference)
            print_row(i, outcome, verdicts, reference)
            rows.append((outcome, verdicts))
        print_totals(rows, reference)
        failed = [i for i, (_, v) in enumerate(rows) if v.failures]
        print(f"\n{len(rows) - len(failed)}/{len(rows)} runs kept every promise" + (f"; failing runs: {failed}" if failed else ""))
        return 1 if failed else 0
    finally:
        if not args.keep:
            subprocess.run(["rm", "-rf", str(tmp)], check=False)


if __name__ == "__main__":
    raise SystemExit(main())
