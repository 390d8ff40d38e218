"""Every key and what it does (built from ``keys.py``)."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from crewmux.tui.keys import KEYS


def keys_table() -> Table:
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
    table.add_column("key", style="bold cyan", no_wrap=True)
    table.add_column("what it does")
    for key in KEYS:
        table.add_row(key.label, key.description)
    table.add_row("Tab", "Move between the agents, the output, the task board and the message filter")
    table.add_row("PgUp PgDn ↑ ↓", "In the output panel: scroll back (new text no longer moves it); End follows again")
    table.add_row("Ctrl+P", "Command palette: every action by name")
    table.add_row("mouse", "Click a row to select it, click it again to open it")
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
    ]

    def compose(self) -> ComposeResult:
        # Scrolls: at 80x24 the keys are taller than the screen.
        with VerticalScroll(id="help"):
            yield Static("crewmux dashboard — keys", id="help-title")
            yield Static(keys_table())
            yield Static("Esc closes. Quitting the dashboard never stops the team.", classes="hint")
