"""One row per agent: name, role, status, task and attempt, model, tokens/s, tokens,
restarts. Rows appear as agents appear (run.json or their first event).

A line-API widget rather than a DataTable: with 16 busy agents every row changes many
times a second, and a DataTable re-renders every cell of every row on any update (its
caches are keyed on a table-wide update counter). Here each row is one cached strip,
rebuilt only when that row's values change, and only its line is repainted.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from crewmux.tui.team_view import AgentView, TeamView, format_tokens
from crewmux.tui.widgets.status_style import STYLE

COLUMNS = ("agent", "role", "status", "task", "model", "tok/s", "tokens", "restarts")
GAP = 2


@dataclass
class Row:
    name: str
    cells: tuple[str, ...]
    strip: Strip | None = None  # rendered at the current widths and cursor state


def agent_cells(agent: AgentView, status: str, activity: str = "", tps: float | None = None) -> tuple[str, ...]:
    return (
        agent.name,
        agent.role or "?",
        f"{status}: {activity}" if activity else status,
        agent.task_label,
        agent.model,
        f"{tps:.1f}" if tps is not None else "",
        format_tokens(agent.tokens),
        str(agent.restarts) if agent.restarts else "",
    )


class AgentTable(Widget, can_focus=True):
    BINDINGS = [
        Binding("enter", "select", "Attach"),
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("home", "cursor(-1000)", "First", show=False),
        Binding("end", "cursor(1000)", "Last", show=False),
    ]
    COMPONENT_CLASSES = {"agent-table--header", "agent-table--cursor", "agent-table--selected", "agent-table--odd"}

    class Highlighted(Message):
        def __init__(self, table: "AgentTable", name: str) -> None:
            super().__init__()
            self.table = table
            self.name = name

    class Selected(Message):
        def __init__(self, table: "AgentTable", name: str) -> None:
            super().__init__()
            self.table = table
            self.name = name

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._rows: list[Row] = []
        self._index: dict[str, int] = {}
        self._widths = [len(column) for column in COLUMNS]
        self._cursor = 0
        self._top = 0  # first row shown below the header
        self._header: Strip | None = None

    # -- what the screen and tests ask ---------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def selected(self) -> str | None:
        return self._rows[self._cursor].name if self._rows else None

    def index_of(self, name: str) -> int:
        return self._index[name]

    def cell_text(self, name: str, column: str) -> str:
        return self._rows[self._index[name]].cells[COLUMNS.index(column)]

    def move_to(self, index: int) -> None:
        if not self._rows:
            return
        index = max(0, min(index, len(self._rows) - 1))
        if index == self._cursor:
            return
        before, self._cursor = self._cursor, index
        self._invalidate(before)
        self._invalidate(index)
        self._scroll_to_cursor()
        self.post_message(self.Highlighted(self, self._rows[index].name))

    # -- updating -------------------------------------------------------------------------
    def show(self, view: TeamView, names: set[str] | list[str], now: float) -> None:
        """Redraw the rows of ``names`` (adding rows for new agents)."""
        finished = view.finished
        widened = False
        for name in names:
            agent = view.agents[name]
            cells = agent_cells(agent, agent.shown_status(now, finished), view.activity(agent), view.live_tps(agent))
            for i, cell in enumerate(cells):
                if len(cell) > self._widths[i]:
                    self._widths[i] = len(cell)
                    widened = True
            index = self._index.get(name)
            if index is None:
                self._index[name] = len(self._rows)
                self._rows.append(Row(name, cells))
                if len(self._rows) == 1:
                    self.post_message(self.Highlighted(self, name))
                self.refresh()
                continue
            row = self._rows[index]
            if row.cells != cells:
                row.cells = cells
                self._invalidate(index)
        if widened:
            self._header = None
            for row in self._rows:
                row.strip = None
            self.refresh(layout=True)  # its width follows its columns

    def on_resize(self, event: events.Resize) -> None:
        self._header = None
        for row in self._rows:
            row.strip = None
        self._scroll_to_cursor()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._header = None
        for row in getattr(self, "_rows", ()):
            row.strip = None

    def _invalidate(self, index: int) -> None:
        self._rows[index].strip = None
        y = index - self._top + 1
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def _scroll_to_cursor(self) -> None:
        visible = max(1, self.size.height - 1)
        top = min(self._top, self._cursor)
        if self._cursor >= top + visible:
            top = self._cursor - visible + 1
        if top != self._top:
            self._top = top
            self.refresh()

    # -- rendering --------------------------------------------------------------------------
    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._rows) + 1

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return 1 + sum(width + GAP for width in self._widths)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y == 0:
            if self._header is None:
                style = base + self.get_component_rich_style("agent-table--header")
                self._header = self._strip(COLUMNS, width, style, plain=True)
            return self._header
        index = self._top + y - 1
        if index >= len(self._rows):
            return Strip.blank(width, base)
        row = self._rows[index]
        if row.strip is None:
            cursor = index == self._cursor
            if cursor:
                style = base + self.get_component_rich_style("agent-table--cursor" if self.has_focus else "agent-table--selected")
            elif index % 2:
                style = base + self.get_component_rich_style("agent-table--odd")
            else:
                style = base
            row.strip = self._strip(row.cells, width, style, plain=cursor and self.has_focus)
        return row.strip

    def _strip(self, cells: tuple[str, ...], width: int, style: Style, plain: bool = False) -> Strip:
        """One line of cells; ``plain`` keeps the row's own style (header, focused cursor)."""
        segments = [Segment(" ", style)]
        for i, (cell, cell_width) in enumerate(zip(cells, self._widths)):
            cell_style = style
            if not plain:
                if i == 0:
                    cell_style = style + Style(bold=True)
                elif i == 2:
                    cell_style = style + Style.parse(STYLE.get(cell, ""))
            segments.append(Segment(cell.ljust(cell_width + GAP), cell_style))
        return Strip(segments).adjust_cell_length(width, style).crop(0, width)

    def on_focus(self) -> None:
        self._invalidate_cursor()

    def on_blur(self) -> None:
        self._invalidate_cursor()

    def _invalidate_cursor(self) -> None:
        if self._rows:
            self._invalidate(self._cursor)

    # -- keys and mouse ---------------------------------------------------------------------
    def action_cursor(self, step: int) -> None:
        self.move_to(self._cursor + step)

    def action_select(self) -> None:
        if self._rows:
            self.post_message(self.Selected(self, self._rows[self._cursor].name))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        index = self._top + offset.y - 1
        if index >= len(self._rows):
            return
        if index == self._cursor:
            self.action_select()
        else:
            self.move_to(index)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self.move_to(self._cursor + 1)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.move_to(self._cursor - 1)
