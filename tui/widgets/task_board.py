"""The plan's tasks with their state and dependencies."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from crewmux.tui.team_view import TaskView, TeamView
from crewmux.tui.widgets.status_style import styled

COLUMNS = ("task", "title", "state", "deps", "tries", "coder")


def task_cells(task: TaskView) -> tuple[object, ...]:
    return (
        Text(task.id, style="bold"),
        task.title,
        styled(task.state),
        ", ".join(task.depends_on),
        str(len(task.attempts)) if task.attempts else "",
        task.assignee or "",
    )


class TaskBoard(DataTable):
    BINDINGS = [Binding("enter", "select_cursor", "Details", show=True)]

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

    def show(self, view: TeamView) -> None:
        rows = {task_id: task_cells(task) for task_id, task in view.tasks.items()}
        keys = {task_id: tuple(str(cell) for cell in cells) for task_id, cells in rows.items()}
        if list(keys) != list(self._shown):
            selected = self.selected
            self.clear()
            for task_id, cells in rows.items():
                self.add_row(*cells, key=task_id)
            if selected in rows:
                self.move_cursor(row=list(rows).index(selected), animate=False)
        else:
            for task_id, cells in rows.items():
                for column, value, before, after in zip(COLUMNS, cells, self._shown[task_id], keys[task_id]):
                    if before != after:
                        self.update_cell(task_id, column, value, update_width=True)
        self._shown = keys
