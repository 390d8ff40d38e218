"""The run's one-glance summary: brief, status, elapsed time, task counts, tokens, sandbox."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from crewmux.protocol.rundir import FINAL_STATUSES as FINAL  # no phase beside these: "stopped (building)" misleads
from crewmux.tui.team_view import TeamView, format_elapsed, format_tokens

RUN_STATUS_STYLE = {
    "starting": "yellow",
    "planning": "yellow",
    "running": "bold green",
    "succeeded": "bold green",
    "partial": "bold yellow",
    "failed": "bold red",
    "stopped": "bold red",
}


class RunHeader(Widget):
    """Two fixed lines. ``refresh()`` only, never a layout pass (Static.update does one)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.content = Text("")

    def show(self, view: TeamView, now: float) -> None:
        counts = view.counts()
        # Line 1 leads with what must survive a narrow terminal (the status, the counts);
        # the run id, the longest part, comes last and is cut first.
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" crewmux ", style="bold reverse")
        text.append(" ")
        text.append(view.run_status, style=RUN_STATUS_STYLE.get(view.run_status, "bold"))
        if view.phase and view.phase != view.run_status and view.run_status not in FINAL:
            text.append(f" ({view.phase})", style="dim")
        text.append(f"  {format_elapsed(view.elapsed(now))}  ")
        text.append(f"{counts.passed} passed", style="green")
        text.append(" · ")
        text.append(f"{counts.failed} failed", style="red" if counts.failed else "")
        text.append(f" · {counts.left} left  ")
        text.append(f"{format_tokens(view.tokens)} tok")
        if view.cost:
            text.append(f" ${view.cost:.2f}" if view.cost >= 0.01 else " <$0.01")
        if view.model_label:
            text.append(f"  {view.model_label}", style="cyan")
        text.append(f"  {view.run_id}", style="dim")
        text.append("\n ")
        if view.scripted:
            text.append(" SCRIPTED demo model (README: a real one) ", style="bold black on yellow")
            text.append(" ")
        label = view.sandbox_label
        warning = "UNSANDBOXED" in label.upper() or "WARNING" in label.upper()
        text.append(label, style="bold red" if warning else "green" if view.sandbox else "yellow")
        text.append("  brief: ", style="dim")
        text.append(view.brief.splitlines()[0] if view.brief else "(loading)")
        if text.plain != self.content.plain:  # most batches change nothing up here
            self.content = text
            self.refresh()

    def render(self) -> Text:
        return self.content
