"""How a status word is coloured, shared by the agent table and the task board."""

from __future__ import annotations

from rich.text import Text

STYLE = {
    # agents
    "starting": "yellow",
    "idle": "dim",
    "thinking": "bold magenta",
    "writing": "bold cyan",
    "validating": "bold blue",
    "waiting": "yellow",
    "paused": "bold yellow reverse",
    "stuck": "bold red",
    "dead": "bold white on red",
    "stopped": "dim",
    "removed": "dim strike",
    # tasks
    "pending": "dim",
    "running": "bold cyan",
    "in_review": "bold blue",
    "merging": "bold magenta",
    "passed": "bold green",
    "failed": "bold red",
    "blocked": "red",
    "skipped": "dim",
}


def styled(status: str) -> Text:
    return Text(status.replace("_", " "), style=STYLE.get(status, ""))
