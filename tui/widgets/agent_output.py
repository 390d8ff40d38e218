"""The selected agent's readable log, growing as tokens stream in (like ``tail -f``)."""

from __future__ import annotations

from textual.widgets import Log

MAX_LINES = 5000


class AgentOutput(Log):
    def __init__(self, **kwargs) -> None:
        super().__init__(max_lines=MAX_LINES, auto_scroll=True, **kwargs)
        self.agent: str | None = None

    def show_chunk(self, agent: str, text: str, reset: bool) -> None:
        if reset or agent != self.agent:
            self.clear()
            self.agent = agent
            self.border_title = f"output: {agent}"
        if text:
            self.write(text)
