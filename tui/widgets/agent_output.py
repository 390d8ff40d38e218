"""The selected agent's readable log, growing as tokens stream in (like ``tail -f``)."""

from __future__ import annotations

from crewmux.tui.widgets.tail_log import TailLog

MAX_LINES = 5000


class AgentOutput(TailLog):
    def __init__(self, **kwargs) -> None:
        super().__init__(max_lines=MAX_LINES, **kwargs)
        self.agent: str | None = None

    def show_chunk(self, agent: str, text: str, reset: bool) -> None:
        if reset or agent != self.agent:
            self.clear()
            self.agent = agent
            self.border_title = f"output: {agent}"
        self.write(text)
