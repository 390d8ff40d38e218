"""A bell and a desktop notification when a run ends or a task is stuck, for the user who
looked away (the dashboard and ``crewmux run --headless``).

Which moments count is pure (from the dashboard's view or two ``state.json`` snapshots,
each moment said once); ringing is a BEL on the terminal and ``notify-send`` where there
is one and a desktop session to show it. ``CREWMUX_NOTIFY=0`` silences both.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

from crewmux.protocol.state import RunState
from crewmux.tui.team_view import TeamView

GIVEN_UP = ("failed", "blocked")


@dataclass(frozen=True)
class Alert:
    key: str  # said once per key
    title: str
    body: str
    urgent: bool = False


def view_alerts(view: TeamView, now: float) -> list[Alert]:
    """What the dashboard's view holds worth a bell now (the caller skips keys it said)."""
    alerts = []
    if view.finished:
        counts = view.counts()
        alerts.append(Alert(f"run:{view.run_status}", f"crewmux run {view.run_status}",
                            f"{counts.passed} passed, {counts.failed} failed: {view.brief.splitlines()[0] if view.brief else view.run_id}",
                            urgent=view.run_status != "succeeded"))
        return alerts  # a finished run's agents and tasks have nothing new to say
    for agent in view.agents.values():
        if agent.shown_status(now) == "stuck":
            alerts.append(Alert(f"stuck:{agent.name}:{agent.task_id}", f"crewmux: {agent.name} is stuck",
                                f"{agent.task_label or 'no task'}: {agent.last_text or 'see its log'}", urgent=True))
    for task in view.tasks.values():
        if task.state in GIVEN_UP:
            alerts.append(Alert(f"task:{task.id}:{task.state}", f"crewmux: {task.id} {task.state}",
                                f"{task.title}: {task.reason or 'see the task details (d)'}", urgent=True))
    return alerts


def state_alerts(state: RunState, status: str | None = None) -> list[Alert]:
    """The same moments from state.json (headless): tasks given up, and the run's end when
    its final ``status`` is known."""
    alerts = [Alert(f"task:{t.id}:{t.status}", f"crewmux: {t.id} {t.status}", f"{t.title}: {t.reason or 'see report.md'}", urgent=True)
              for t in state.tasks.values() if t.status in GIVEN_UP]
    if status is not None:
        passed = sum(t.status == "passed" for t in state.tasks.values())
        alerts.append(Alert(f"run:{status}", f"crewmux run {status}", f"{passed}/{len(state.tasks)} tasks passed",
                            urgent=status != "succeeded"))
    return alerts


class Notifier:
    """Rings once per alert key. ``seen`` first: what was already so when the user began
    watching (opening the dashboard on a finished run rings nothing)."""

    def __init__(self, environ: Mapping[str, str] | None = None, stream: TextIO | None = None, *, wait: bool = False) -> None:
        self.environ = os.environ if environ is None else environ
        self.stream = stream
        self.wait = wait  # a process about to exit (headless) waits for notify-send
        self.said: set[str] = set()
        self.enabled = self.environ.get("CREWMUX_NOTIFY", "1") != "0"

    def seen(self, alerts: list[Alert]) -> None:
        self.said.update(a.key for a in alerts)

    def new(self, alerts: list[Alert]) -> list[Alert]:
        fresh = [a for a in alerts if a.key not in self.said]
        self.said.update(a.key for a in fresh)
        return fresh if self.enabled else []

    def ring(self, alerts: list[Alert]) -> list[Alert]:
        """Bell and notify for the alerts not said yet; the ones it rang for."""
        fresh = self.new(alerts)
        if fresh and self.stream is not None:
            self.stream.write("\a")
            self.stream.flush()
        for alert in fresh:
            desktop_notify(alert, self.environ, wait=self.wait)
        return fresh


def notify_send_argv(alert: Alert, environ: Mapping[str, str]) -> list[str] | None:
    """The notify-send command, or None: not installed, or no desktop session to show it."""
    if not any(environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS")):
        return None
    program = shutil.which("notify-send", path=environ.get("PATH"))
    if program is None:
        return None
    return [program, "--app-name=crewmux", f"--urgency={'critical' if alert.urgent else 'normal'}", alert.title, alert.body]


def desktop_notify(alert: Alert, environ: Mapping[str, str], *, wait: bool = False) -> bool:
    argv = notify_send_argv(alert, environ)
    if argv is None:
        return False

    def send() -> None:
        try:
            subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env=dict(environ), timeout=10, check=False)
        except (OSError, subprocess.SubprocessError):
            pass  # a notification that cannot be shown is not worth an error

    if wait:
        send()
    else:  # off the caller's thread: a slow notification daemon must not hold the dashboard
        threading.Thread(target=send, name="notify-send", daemon=True).start()
    return True
