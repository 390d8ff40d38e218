"""One row per agent: name, role, status, task and attempt, model, tokens/s, tokens,
restarts. Rows appear as agents appear (run.json or their first event)."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from crewmux.tui.team_view import AgentView, TeamView, format_tokens
from crewmux.tui.widgets.status_style import styled

COLUMNS = ("agent", "role", "status", "task", "model", "tok/s", "tokens", "restarts")


def agent_cells(agent: AgentView, status: str) -> tuple[object, ...]:
    return (
        Text(agent.name, style="bold"),
        agent.role or "?",
        styled(status),
        agent.task_label,
        agent.model,
        f"{agent.tps:.1f}" if agent.tps is not None else "",
        format_tokens(agent.tokens),
        str(agent.restarts) if agent.restarts else "",
    )


class AgentTable(DataTable):
    BINDINGS = [Binding("enter", "select_cursor", "Attach", show=True)]

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._shown: dict[str, tuple] = {}

    def on_mount(self) -> None:
        for column in COLUMNS:
            self.add_column(column, key=column)

    @property
    def selected(self) -> str | None:
        if not self.row_count:
            return None
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)

    def show(self, view: TeamView, names: set[str] | list[str], now: float) -> None:
        """Redraw the rows of ``names`` (adding rows for new agents)."""
        finished = view.finished
        for name in names:
            agent = view.agents[name]
            status = agent.shown_status(now, finished)
            key = (agent.role, status, agent.task_label, agent.model, agent.tps, agent.tokens, agent.restarts)
            old = self._shown.get(name)
            if old == key:
                continue
            self._shown[name] = key
            cells = agent_cells(agent, status)
            if old is None:
                self.add_row(*cells, key=name)
                continue
            for column, value, before, after in zip(COLUMNS, cells, _expand(old), _expand(key)):
                if before != after:
                    self.update_cell(name, column, value)

    def shown_status(self, name: str) -> str | None:
        old = self._shown.get(name)
        return old[1] if old else None


def _expand(key: tuple) -> tuple:
    """The cache key laid out like COLUMNS, so a column is redrawn only when its value moved."""
    role, status, task, model, tps, tokens, restarts = key
    return (None, role, status, task, model, tps, tokens, restarts)
