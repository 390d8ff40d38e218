"""One task: what it asks for, every attempt with QA's findings, and the diff of its work."""

from __future__ import annotations

from pathlib import Path

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from crewmux.tui.diffs import commit_diff
from crewmux.tui.team_view import TaskView
from crewmux.tui.widgets.status_style import styled


def summary(task: TaskView) -> Group:
    head = Text()
    head.append(f"{task.id}  ", style="bold")
    head.append(task.title + "  ")
    head.append_text(styled(task.state))
    lines: list[RenderableType] = [head]
    if task.reason:
        lines.append(Text(f"reason: {task.reason}", style="red"))
    if task.depends_on:
        lines.append(Text(f"depends on: {', '.join(task.depends_on)}"))
    if task.files:
        lines.append(Text(f"files: {', '.join(task.files)}"))
    if task.description:
        lines.append(Text(task.description, style="dim"))
    for criterion in task.acceptance:
        lines.append(Text(f"  ✓ {criterion}"))
    return Group(*lines)


def attempts_table(task: TaskView) -> Table | Text:
    if not task.attempts:
        return Text("No attempts yet.", style="dim")
    table = Table(box=None, header_style="bold", padding=(0, 1))
    for column in ("#", "coder", "model", "verdict", "commit", "tokens", "seconds", "tok/s"):
        table.add_column(column)
    for attempt in task.attempts:
        table.add_row(
            str(attempt.attempt) + (" ↑" if attempt.escalated else ""),
            attempt.coder,
            attempt.model,
            styled({"pass": "passed", "fail": "failed"}.get(attempt.verdict or "", attempt.verdict or "running")),
            (attempt.commit or "")[:10],
            str(attempt.tokens),
            f"{attempt.seconds:.0f}",
            f"{attempt.tps:.1f}" if attempt.tps is not None else "",
        )
    return table


def findings(task: TaskView) -> Group | Text:
    parts: list[RenderableType] = []
    for attempt in task.attempts:
        if attempt.findings:
            parts.append(Text(f"attempt {attempt.attempt} ({attempt.verdict or 'no verdict'}):", style="bold"))
            parts.append(Text(attempt.findings.rstrip()))
    return Group(*parts) if parts else Text("No QA findings.", style="dim")


class TaskDetailsScreen(Screen):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("q", "app.pop_screen", "Back", show=False)]

    def __init__(self, task: TaskView, project_dir: Path) -> None:
        super().__init__()
        self.task_view = task
        self.project_dir = project_dir

    def compose(self) -> ComposeResult:
        task = self.task_view
        with VerticalScroll(id="details"):
            yield Static(summary(task), id="details-summary")
            yield Static(attempts_table(task), id="details-attempts", classes="section")
            yield Static(findings(task), id="details-findings", classes="section")
            commit = task.diff_commit
            yield Static("loading the diff…" if commit else "No commit yet, so no diff.", id="details-diff", classes="section")
        yield Footer()

    def show_task(self, task: TaskView) -> None:
        """The task changed while shown (a new attempt, a verdict, a merge)."""
        before = self.task_view.diff_commit
        self.task_view = task
        self.query_one("#details-summary", Static).update(summary(task))
        self.query_one("#details-attempts", Static).update(attempts_table(task))
        self.query_one("#details-findings", Static).update(findings(task))
        if task.diff_commit and task.diff_commit != before:
            self.load_diff(task.diff_commit)

    def on_mount(self) -> None:
        self.query_one("#details-attempts").border_title = "attempts"
        self.query_one("#details-findings").border_title = "QA findings"
        self.query_one("#details-diff").border_title = "diff"
        if self.task_view.diff_commit:
            self.load_diff(self.task_view.diff_commit)

    @work(thread=True, exclusive=True)
    def load_diff(self, commit: str) -> None:
        text = commit_diff(self.project_dir, commit)
        self.app.call_from_thread(self._show_diff, text)

    def _show_diff(self, text: str) -> None:
        self.query_one("#details-diff", Static).update(Syntax(text, "diff", theme="ansi_dark", word_wrap=False))
