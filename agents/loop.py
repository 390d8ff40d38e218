"""The loop every agent runs: take messages, do one step at a time, report events.

A reader thread claims messages from the agent's mailbox. ``control`` and ``steer``
messages take effect at once (so a busy agent can still be paused or steered); work
messages queue for the main thread, which handles one at a time and marks it done only
after the handler returns (a crash in between re-delivers it on restart).
"""

from __future__ import annotations

import itertools
import queue
import threading
import traceback
from collections.abc import Callable
from typing import ClassVar, TypeVar

from crewmux.agents.live_request import LiveRequests
from crewmux.agents.console import Console
from crewmux.agents.llm.errors import LLMCancelled
from crewmux.config import Config
from crewmux.protocol.events import AgentStatus, EventLog
from crewmux.protocol.exit_codes import RESTART_EXIT_CODE
from crewmux.protocol.mailbox import Claimed, Mailbox, MailboxError, Rejection, deliver
from crewmux.protocol.messages import Control, Envelope, Message, Steer
from crewmux.protocol.rundir import RunDir
from crewmux.protocol.wakeup import Wakeup



MAX_SEND_WAIT = 30.0  # seconds between attempts to send on a full disk
R = TypeVar("R")


class AgentStopped(Exception):
    """Raised at a checkpoint when the agent was told to stop."""


class Agent:
    role: ClassVar[str] = "agent"

    def __init__(self, run: RunDir, name: str, *, heartbeat_interval: float = 2.0) -> None:
        self.run = run
        self.name = name
        self.info = run.info()
        self.run_id = self.info.run_id
        self.config = Config.model_validate(self.info.config) if self.info.config else Config()
        self.heartbeat_interval = heartbeat_interval
        self.events = EventLog(run.events(name), name)
        self.console = Console(run.log(name))
        self.mailbox = Mailbox(run.mailbox(name), owner=name, run_id=self.run_id, on_reject=self._on_reject)
        self.status: AgentStatus = "starting"
        self.task_id: str | None = None
        self.attempt: int | None = None
        self.exit_code = 0
        self._stop = threading.Event()
        self._resumed = threading.Event()
        self._resumed.set()
        # Set by a pause and by a stop: cancels the model request in flight (interruptible).
        self._interrupt = threading.Event()
        self._status_before_pause: AgentStatus | None = None
        # (priority, arrival, message): see `priority`.
        self._work: queue.PriorityQueue[tuple[int, int, Claimed]] = queue.PriorityQueue()
        self._arrivals = itertools.count()
        self._steer_lock = threading.Lock()
        self._steer_notes: list[str] = []
        self._wakeup: Wakeup | None = None
        self.live = LiveRequests()  # model requests in flight, reported with each heartbeat

    # -- what roles implement ---------------------------------------------------------
    def handle(self, message: Message) -> None:
        """Handle one work message. Must be idempotent by ``message.id``."""
        raise NotImplementedError

    def on_start(self) -> None:
        """Called once the agent is up, before the first message."""

    def on_control(self, message: Control) -> None:
        """Role-specific control actions (pause/resume/stop/restart are handled here)."""

    def on_stop(self) -> None:
        """Called once as the agent ends, however it ends: release what on_start took."""

    def priority(self, message: Message) -> int:
        """Among the work messages waiting, lower numbers are handled first; equal ones in
        the order they arrived."""
        return 0

    # -- what roles use ---------------------------------------------------------------
    def send(self, message: Envelope) -> None:
        """Deliver ``message``. On a full disk, wait for space and send it again (until the
        agent is stopped: then the message being handled stays claimed for the next start)."""
        delay = 1.0
        while True:
            try:
                deliver(self.run.mail_root, message)
                break
            except MailboxError as exc:
                self.events.emit("error", text=str(exc))
                self.console.line(f"!! {exc}")
                if not exc.disk_full:
                    raise
                self.console.line(f"   sending {message.type} to {message.recipient} again in {delay:.0f} s")
                if self._stop.wait(delay):
                    raise AgentStopped() from exc
                delay = min(delay * 2, MAX_SEND_WAIT)
        summary = getattr(message, "status", "") or getattr(message, "verdict", "") or getattr(message, "action", "")
        self.events.emit(
            "message",
            task_id=message.task_id,
            data={"id": message.id, "type": message.type, "recipient": message.recipient, "summary": str(summary)},
        )

    def set_status(self, status: AgentStatus, *, task_id: str | None = None, attempt: int | None = None, text: str = "") -> None:
        self.status = status
        if task_id is not None:
            self.task_id = task_id
        if attempt is not None:
            self.attempt = attempt
        self.events.emit("status", status=status, task_id=self.task_id, attempt=self.attempt, text=text)

    def checkpoint(self) -> None:
        """Between steps: wait while paused, leave when stopped."""
        if not self._resumed.is_set():
            before = self._status_before_pause or self.status
            if before == "paused":
                before = "idle"
            self.set_status("paused")
            self.console.line("paused: finishing nothing new until resumed")
            while not self._resumed.wait(0.5):
                if self._stop.is_set():
                    break
            if not self._stop.is_set():
                self.set_status(before)
                self.console.line("resumed")
        if self._stop.is_set():
            raise AgentStopped()

    def take_steer_notes(self) -> list[str]:
        """Human notes received since the last call, for the next prompt."""
        with self._steer_lock:
            notes, self._steer_notes = self._steer_notes, []
        return notes

    def interruptible(self, call: Callable[[threading.Event], R]) -> R:
        """Run a blocking call that ends early when its cancel event is set (a model
        request): a pause cancels it at once, and on resume it is made again from the start
        (a half-streamed reply is worth nothing once the stream is gone); a stop raises
        AgentStopped."""
        while True:
            try:
                return call(self._interrupt)
            except LLMCancelled:
                if self._stop.is_set():
                    raise AgentStopped() from None
                self.console.line("paused mid-request: the model's reply so far is dropped; asked again on resume")
                self.checkpoint()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def stop_event(self) -> threading.Event:
        """Set when the agent is told to stop: pass it to blocking calls that can be cancelled."""
        return self._stop

    def stop(self, exit_code: int = 0) -> None:
        self.exit_code = exit_code
        self._stop.set()
        self._interrupt.set()
        self._resumed.set()
        if self._wakeup is not None:
            self._wakeup.poke()  # the reader thread leaves now, not at its next timer

    # -- the loop ---------------------------------------------------------------------
    def run_forever(self) -> int:
        self.events.emit("started", status="starting", data={"role": self.role})
        self.console.line(f"{self.name} ({self.role}) started for run {self.run_id}")
        beat = threading.Thread(target=self._heartbeat, name="heartbeat", daemon=True)
        beat.start()
        reader = threading.Thread(target=self._read_mail, name="mailbox", daemon=True)
        reader.start()
        try:
            self.on_start()
            self.set_status("idle")
            while not self._stop.is_set():
                try:
                    _, _, claimed = self._work.get(timeout=0.25)
                except queue.Empty:
                    continue
                try:
                    self.checkpoint()
                except AgentStopped:
                    break  # stays claimed: re-delivered when the agent comes back
                self.events.emit("received", task_id=claimed.message.task_id, data={"id": claimed.message.id, "type": claimed.message.type, "sender": claimed.message.sender})
                try:
                    self.handle(claimed.message)
                except AgentStopped:
                    break
                except Exception as exc:  # one bad message must not end the agent
                    self.events.emit("error", task_id=claimed.message.task_id, text=f"{type(exc).__name__}: {exc}")
                    self.console.line(f"!! handling {claimed.message.type} failed: {type(exc).__name__}: {exc}")
                    self.mailbox.fail(claimed.path, f"made {self.name} fail: {type(exc).__name__}: {exc}")
                    self.set_status("idle")
                    continue
                self.mailbox.done(claimed)
                if self.status not in ("stuck", "paused"):
                    self.set_status("idle")
        except KeyboardInterrupt:
            self.exit_code = 130
        except Exception as exc:
            # Into the readable log too (the pane alone loses it when the agent is restarted);
            # exit 1, and the "stopped" event says so.
            self.exit_code = 1
            self.events.emit("error", text=f"crashed: {type(exc).__name__}: {exc}")
            self.console.line("!! crashed:\n" + traceback.format_exc().rstrip())
        finally:
            self._stop.set()
            try:
                self.on_stop()
            except Exception as exc:
                self.console.line(f"!! cleaning up failed: {type(exc).__name__}: {exc}")
            self.events.emit("stopped", status="stopped", data={"exit_code": self.exit_code})
            self.console.line(f"{self.name} stopped (exit {self.exit_code})")
        return self.exit_code

    def _read_mail(self) -> None:
        with Wakeup([self.mailbox.path / "new"], interval=1.0) as wakeup:
            self._wakeup = wakeup
            if self._stop.is_set():
                return
            self.mailbox.serve(self._take, self._stop, wakeup=wakeup)

    def _take(self, claimed: Claimed) -> bool:
        message = claimed.message
        if isinstance(message, Control):
            self._control(message)
            return True
        if isinstance(message, Steer):
            with self._steer_lock:
                self._steer_notes.append(message.text)
            self.events.emit("steer", text=message.text, data={"id": message.id})
            self.console.line(f">> steer from {message.sender}: {message.text}")
            return True
        self._work.put((self.priority(claimed.message), next(self._arrivals), claimed))
        return False

    def _control(self, message: Control) -> None:
        self.console.line(f">> control from {message.sender}: {message.action} {message.reason}".rstrip())
        if message.target in (None, self.name):
            if message.action == "pause":
                if self._resumed.is_set():
                    self._status_before_pause = self.status
                self._resumed.clear()
                self._interrupt.set()
                self.set_status("paused")
            elif message.action == "resume":
                if not self._stop.is_set():
                    self._interrupt.clear()
                self._resumed.set()
                if self.status == "paused":
                    self.set_status(self._status_before_pause or "idle")
            elif message.action == "stop":
                self.stop(0)
            elif message.action == "restart":
                self.stop(RESTART_EXIT_CODE)
        self.on_control(message)

    def _heartbeat(self) -> None:
        while True:
            live = self.live.snapshot()
            self.events.emit("heartbeat", status=self.status, task_id=self.task_id, attempt=self.attempt,
                             data={"llm": live} if live else {})
            if self._stop.wait(self.heartbeat_interval):
                return

    def _on_reject(self, rejection: Rejection) -> None:
        self.events.emit("rejected", text=f"{rejection.name}: {rejection.reason}")
        self.console.line(f"!! rejected {rejection.name}: {rejection.reason.splitlines()[0]}")
