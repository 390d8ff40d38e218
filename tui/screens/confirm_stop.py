"""Asks before stopping the whole run: the one key that cannot be undone."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmStopScreen(ModalScreen[bool]):
    BINDINGS = [
        Binding("y", "answer(True)", "Stop the run"),
        Binding("n", "answer(False)", "Cancel"),
        Binding("escape", "answer(False)", "Cancel", show=False),
    ]

    def __init__(self, run_id: str) -> None:
        super().__init__()
        self.run_id = run_id

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Static(f"Stop run {self.run_id}?\nEvery agent finishes its current step and exits; merged work stays.")
            with Horizontal(id="confirm-buttons"):
                yield Button("Stop the run (y)", variant="error", id="yes")
                yield Button("Cancel (n)", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
