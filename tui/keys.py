"""Every key of the dashboard, once: the screen's bindings, the help screen and the
command palette are all built from this table."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Key:
    key: str  # Textual's key name
    label: str  # how the help screen writes it
    action: str  # the main screen's action_<name>
    short: str  # the footer's word
    description: str  # the help screen's and the command palette's sentence
    footer: bool = True  # the footer holds what fits 80 columns; ? shows every key


KEYS: tuple[Key, ...] = (
    Key("enter", "Enter", "open", "Attach", "Attach to the selected agent's tmux pane (task board: the task's details)"),
    Key("p", "p", "pause", "Pause", "Pause the selected agent"),
    Key("u", "u", "resume", "Resume", "Resume the selected agent", footer=False),
    Key("R", "R", "restart", "Restart", "Restart the selected agent's process", footer=False),
    Key("s", "s", "steer", "Steer", "Steer: type a note that goes into the selected agent's next prompt"),
    Key("t", "t", "retry", "Retry", "Retry the selected task", footer=False),
    Key("k", "k", "skip", "Skip", "Skip the selected task", footer=False),
    Key("d", "d", "details", "Details", "Show the selected task's attempts, QA findings and diff"),
    Key("a", "a", "add_coder", "+Coder", "Add a coder to the team", footer=False),
    Key("x", "x", "remove_coder", "-Coder", "Remove the selected coder from the team", footer=False),
    Key("slash", "/", "filter", "Filter", "Filter the message feed by agent and message type", footer=False),
    Key("S", "S", "stop_run", "Stop run", "Stop the whole run (asks first)", footer=False),
    Key("question_mark", "?", "help", "Help", "Show every key"),
    Key("q", "q", "quit", "Quit", "Quit the dashboard; the team keeps running"),
)


def bindings() -> list[Binding]:
    return [Binding(k.key, k.action, k.short, show=k.footer, key_display=k.label if k.key == "slash" else None) for k in KEYS]
