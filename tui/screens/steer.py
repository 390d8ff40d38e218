"""Type a note for one agent; it reaches the agent as a ``steer`` message and goes into
its next prompt."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class SteerScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, agent: str) -> None:
        super().__init__()
        self.agent = agent

    def compose(self) -> ComposeResult:
        with Vertical(id="steer"):
            yield Static(f"Note for {self.agent} (goes into its next prompt). Enter sends, Esc cancels.")
            yield Input(placeholder="e.g. use the stdlib csv module, not pandas", id="steer-text")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
