"""The dashboard app: owns the view model, the watcher thread and the steering sender."""

from __future__ import annotations

import subprocess
import time
from collections import deque
from collections.abc import Callable

from textual.app import App, SuspendNotSupported
from textual.message import Message

from crewmux.config import Config
from crewmux.protocol.rundir import RunDir
from crewmux.tui.attach import AttachError, attach_argv
from crewmux.tui.notify import Notifier, view_alerts
from crewmux.tui.palette import TeamCommands
from crewmux.tui.refusals import attach_refusal
from crewmux.tui.screens.main import MainScreen
from crewmux.tui.screens.task_details import TaskDetailsScreen
from crewmux.tui.steering import Steering
from crewmux.tui.team_view import TeamView
from crewmux.tui.watcher import Batch, RunWatcher
from crewmux.workspace.sandbox import Sandbox

LAG_SAMPLES = 100_000


def inbox_text(message) -> str:
    """What a message addressed to the dashboard says, in one line."""
    for name in ("error", "text", "detail", "reason", "summary", "status"):
        value = getattr(message, name, "")
        if isinstance(value, str) and value:
            return value
    return message.type.replace("_", " ")


class BatchReady(Message):
    def __init__(self, batch: Batch) -> None:
        super().__init__()
        self.batch = batch


class DashboardApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "crewmux"
    COMMANDS = App.COMMANDS | {TeamCommands}

    def __init__(self, run: RunDir, *, clock: Callable[[], float] = time.time, min_gap: float = 0.05) -> None:
        super().__init__()
        self.run_dir = run
        self.clock = clock
        self.view = TeamView(run_id=run.run_id)
        self.steering = Steering(run)
        self.watcher = RunWatcher(run, self.post_batch, min_gap=min_gap)
        self.watcher_selected: str | None = None
        # Seconds from an event's write (its ts) to the end of the first screen refresh
        # after the UI applied it: how late the screen is (bench/tui.py reports it).
        self.lag: deque[float] = deque(maxlen=LAG_SAMPLES)
        self._watching = False
        self.notifier = Notifier()  # a bell and a desktop notification: the run ended, a task is stuck

    def get_default_screen(self) -> MainScreen:
        return MainScreen()

    @property
    def main(self) -> MainScreen:
        """The main screen, also while a help or details screen is on top of it."""
        return self.screen_stack[0]  # type: ignore[return-value]

    def start_watching(self) -> None:
        if self._watching:
            return
        self._watching = True
        self.run_worker(self.watcher.run_forever, thread=True, name="run-watcher", exit_on_error=False)
        self.run_worker(self._probe_sandbox, thread=True, name="sandbox-probe", exit_on_error=False)
        self.set_interval(1.0, self._tick, name="clock")

    def _probe_sandbox(self) -> None:
        """Until QA says how it runs code, show what bubblewrap does on this machine."""
        try:
            config = Config.model_validate(self.run_dir.info().config or {})
        except (OSError, ValueError):
            config = Config()
        text = Sandbox.from_config(config.sandbox).describe()
        self.call_from_thread(self._sandbox_probed, text)

    def _sandbox_probed(self, text: str) -> None:
        self.view.sandbox_probe = text
        self.main.tick(self.clock())

    def on_unmount(self) -> None:
        self.watcher.stop()

    # -- called from the watcher thread ---------------------------------------------------
    def post_batch(self, batch: Batch) -> None:
        if not self.post_message(BatchReady(batch)):
            self.watcher.applied()  # the app is closing: nobody will apply it

    # -- UI thread ------------------------------------------------------------------------
    def on_batch_ready(self, message: BatchReady) -> None:
        batch = message.batch
        try:
            changes = self.view.apply(info=batch.info, plan=batch.plan, state=batch.state, events=batch.events)
            self._alert(first=not self.view.loaded)
            self.view.loaded = True
            main = self.main
            main.show(changes, self.clock())
            if changes.tasks and isinstance(self.screen, TaskDetailsScreen):
                task = self.view.tasks.get(self.screen.task_view.id)
                if task is not None:
                    self.screen.show_task(task)
            if batch.log is not None:
                main.show_log(batch.log.agent, batch.log.text, batch.log.reset)
            for problem in batch.problems:
                self.notify(problem, severity="warning")
            for reply in batch.inbox:
                self.notify(inbox_text(reply), title=f"from {reply.sender}", severity="error" if reply.type == "error_report" else "information")
            if batch.events:
                written = [event.ts for event in batch.events]
                self.call_after_refresh(self._record_lag, written)
        finally:
            self.watcher.applied()

    def _alert(self, first: bool) -> None:
        alerts = view_alerts(self.view, self.clock())
        if first:
            self.notifier.seen(alerts)  # already so when the dashboard opened: nothing to ring for
        elif self.notifier.ring(alerts):
            self.bell()

    def _record_lag(self, written: list[float]) -> None:
        shown = time.time()
        self.lag.extend(shown - ts for ts in written)

    def _tick(self) -> None:
        self.main.tick(self.clock())

    def select_agent(self, agent: str) -> None:
        if agent != self.watcher_selected:
            self.watcher_selected = agent
            self.watcher.select(agent)

    def attach(self, agent: str) -> None:
        try:
            argv = attach_argv(self.run_dir, self.run_dir.info(), agent)
        except (AttachError, OSError, ValueError) as exc:
            self.notify(attach_refusal(self.view, str(exc)), title="cannot attach", severity="warning")
            return
        try:
            with self.suspend():
                subprocess.run(argv, check=False)
        except SuspendNotSupported:
            self.notify(f"this terminal cannot hand over; run: {' '.join(argv)}", title="attach", severity="warning")
        except FileNotFoundError:
            self.notify(f"{argv[0]} is not installed", title="cannot attach", severity="error")
