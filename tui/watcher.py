"""The dashboard's one reading thread: waits on inotify, reads only new bytes, hands
batches to the UI.

Everything the dashboard shows comes through here: new lines of ``events/*.jsonl``,
``run.json`` / ``plan.json`` / ``state.json`` when they are replaced, and the tail of
the selected agent's ``logs/<agent>.log``. The UI thread never reads a file.

Batches are coalesced: after handing one over, the thread waits until the UI has
applied it and at least ``min_gap`` has passed, and reads whatever arrived meanwhile as
the next batch. So a flood of events costs at most ~1/min_gap UI refreshes a second.
"""

from __future__ import annotations

import codecs
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

from crewmux.protocol.events import Event, EventFollower
from crewmux.protocol.mailbox import Mailbox
from crewmux.protocol.messages import Message
from crewmux.protocol.plan import Plan
from crewmux.protocol.rundir import DASHBOARD, RunDir, RunInfo
from crewmux.protocol.state import RunState
from crewmux.protocol.wakeup import Wakeup

LOG_BACKLOG_BYTES = 32_768
LOG_READ_LIMIT = 1_000_000


@dataclass
class LogChunk:
    agent: str
    text: str
    reset: bool  # True: replace what is shown (a newly selected agent's backlog)


@dataclass
class Batch:
    info: RunInfo | None = None
    plan: Plan | None = None
    state: RunState | None = None
    events: list[Event] = field(default_factory=list)
    log: LogChunk | None = None
    inbox: list[Message] = field(default_factory=list)  # replies addressed to the dashboard
    problems: list[str] = field(default_factory=list)
    read_at: float = 0.0

    def __bool__(self) -> bool:
        return bool(self.info or self.plan or self.state or self.events or self.log or self.inbox or self.problems)


@dataclass
class _FileStamp:
    """Identity of a replaced-atomically JSON file: a new inode or mtime means re-read."""

    stamp: tuple[int, int, int] | None = None

    def changed(self, path: Path) -> bool:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return False
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        if stamp == self.stamp:
            return False
        self.stamp = stamp
        return True


class RunWatcher:
    """Reads a run directory as it changes. ``run()`` is the thread's body."""

    def __init__(
        self,
        run: RunDir,
        deliver: Callable[[Batch], None],
        *,
        min_gap: float = 0.05,
        interval: float = 2.0,
    ) -> None:
        self.run = run
        self._deliver = deliver
        self.min_gap = min_gap
        self._stop = threading.Event()
        self._applied = threading.Event()
        self._applied.set()
        self._followers: dict[str, EventFollower] = {}
        self._stamps = {"info": _FileStamp(), "plan": _FileStamp(), "state": _FileStamp()}
        self._lock = threading.Lock()
        self._selected: str | None = None
        self._log_agent: str | None = None
        self._log_offset = 0
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._inbox = Mailbox(run.mailbox(DASHBOARD), owner=DASHBOARD, run_id=run.run_id, reader="dashboard")
        self._wakeup = Wakeup([run.path, run.events_dir, run.logs_dir, run.mailbox(DASHBOARD) / "new"], interval=interval)

    # -- called from the UI thread ------------------------------------------------------
    def select(self, agent: str | None) -> None:
        """Follow this agent's log from now on (its backlog first)."""
        with self._lock:
            self._selected = agent
        self._wakeup.poke()

    def applied(self) -> None:
        """The UI applied the last batch: the next one may be sent."""
        self._applied.set()

    def stop(self) -> None:
        self._stop.set()
        self._applied.set()
        self._wakeup.poke()

    # -- the thread ---------------------------------------------------------------------
    def run_forever(self) -> None:
        try:
            last_read = -self.min_gap
            while not self._stop.is_set():
                # At most one read per min_gap: whatever arrives meanwhile (a flood of
                # events, a stream of tokens) is gathered into the next read.
                gap = self.min_gap - (time.monotonic() - last_read)
                if gap > 0 and self._stop.wait(gap):
                    break
                last_read = time.monotonic()
                batch = self.read()
                if batch:
                    self._applied.clear()
                    self._deliver(batch)
                    # Bounded, so a UI that is gone cannot wedge this thread.
                    self._applied.wait(1.0)
                    continue
                self._wakeup.wait()
        finally:
            self._wakeup.close()

    def read(self) -> Batch:
        """Everything new since the last call."""
        batch = Batch()
        if self._stamps["info"].changed(self.run.run_json):
            batch.info = self._load(self.run.run_json, RunInfo, batch)
        if self._stamps["plan"].changed(self.run.plan_json):
            batch.plan = self._load(self.run.plan_json, Plan, batch)
        if self._stamps["state"].changed(self.run.state_json):
            batch.state = self._load(self.run.state_json, RunState, batch)
        self._read_events(batch)
        self._read_inbox(batch)
        batch.log = self._read_log()
        batch.read_at = time.time()
        return batch

    def _load(self, path: Path, model: type[BaseModel], batch: Batch):
        try:
            return model.model_validate_json(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValidationError) as exc:
            batch.problems.append(f"{path.name} could not be read: {str(exc).splitlines()[0]}")
            return None

    def _read_events(self, batch: Batch) -> None:
        try:
            names = [entry.name for entry in os.scandir(self.run.events_dir) if entry.name.endswith(".jsonl")]
        except FileNotFoundError:
            names = []
        for name in sorted(names):
            follower = self._followers.get(name)
            if follower is None:
                follower = self._followers[name] = EventFollower(self.run.events_dir / name)
            batch.events.extend(follower.read_new())
        batch.events.sort(key=lambda event: event.ts)

    def _read_inbox(self, batch: Batch) -> None:
        # Bad files go to failed/ with a .err (the Mailbox does that); the rest are shown.
        for claimed in [*self._inbox.recover(), *self._inbox.claim_new()]:
            batch.inbox.append(claimed.message)
            self._inbox.done(claimed)

    def _read_log(self) -> LogChunk | None:
        with self._lock:
            selected = self._selected
        if selected is None:
            self._log_agent = None
            return None
        path = self.run.log(selected)
        reset = selected != self._log_agent
        try:
            with open(path, "rb") as handle:
                size = handle.seek(0, os.SEEK_END)
                if reset:
                    start = max(0, size - LOG_BACKLOG_BYTES)
                elif size < self._log_offset:
                    start, reset = max(0, size - LOG_BACKLOG_BYTES), True  # truncated
                else:
                    start = self._log_offset
                handle.seek(start)
                data = handle.read(min(size - start, LOG_READ_LIMIT))
        except FileNotFoundError:
            if reset:
                self._log_agent, self._log_offset = selected, 0
                self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
                return LogChunk(selected, "", reset=True)
            return None
        self._log_agent = selected
        self._log_offset = start + len(data)
        if reset and start > 0:
            # Start at a line boundary so the backlog does not open mid-line.
            cut = data.find(b"\n")
            data = data[cut + 1 :] if cut >= 0 else data
        if not data and not reset:
            return None
        if reset:
            self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        # The incremental decoder keeps a UTF-8 sequence split across reads for the next.
        return LogChunk(selected, self._decoder.decode(data), reset=reset)
