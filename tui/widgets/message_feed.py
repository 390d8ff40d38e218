"""Messages between agents, newest last, filtered by words naming agents or types."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input

from crewmux.tui.team_view import FeedEntry, filter_feed
from crewmux.tui.widgets.tail_log import TailLog

REDRAW_LIMIT = 500

TYPE_STYLE = {
    "task_assignment": "cyan",
    "completion": "green",
    "review_result": "blue",
    "error_report": "red",
    "control": "yellow",
    "steer": "yellow",
    "plan": "magenta",
}


def feed_line(entry: FeedEntry) -> Text:
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(time.strftime("%H:%M:%S ", time.localtime(entry.ts)), style="dim")
    line.append(entry.sender, style="bold")
    line.append(" → ")
    line.append(entry.recipient, style="bold")
    line.append(f" {entry.type}", style=TYPE_STYLE.get(entry.type, ""))
    if entry.task_id:
        line.append(f" [{entry.task_id}]")
    if entry.summary:
        line.append(f" {entry.summary}", style="italic")
    return line


class FeedFilterChanged(Message):
    def __init__(self, query: str) -> None:
        super().__init__()
        self.query = query


class MessageFeed(Vertical):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.query_text = ""

    def compose(self) -> ComposeResult:
        yield Input(placeholder="/ filter: agent or type words, e.g. coder-1 completion", id="feed-filter")
        yield TailLog(max_lines=REDRAW_LIMIT * 2, id="feed-log")

    @property
    def log_widget(self) -> TailLog:
        return self.query_one("#feed-log", TailLog)

    def add(self, entries: list[FeedEntry]) -> None:
        self._write(filter_feed(entries, self.query_text)[-REDRAW_LIMIT:])

    def refilter(self, entries, query: str) -> None:
        self.query_text = query
        self.log_widget.clear()
        self._write(filter_feed(entries, query)[-REDRAW_LIMIT:])

    def _write(self, entries: list[FeedEntry]) -> None:
        if entries:
            self.log_widget.write_lines([feed_line(entry) for entry in entries])

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(FeedFilterChanged(event.value))

