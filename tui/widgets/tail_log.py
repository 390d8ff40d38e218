"""The last lines of a growing text, like ``tail -f``, with scrollback on demand.

Textual's Log and RichLog grow their virtual size with every line, and each growth is a
layout pass of the whole screen (~10 ms on a small machine). With a dozen agents
streaming, that is most of the dashboard's CPU. This widget keeps a bounded ring of
lines and only repaints itself: its size never depends on its content.
"""

from __future__ import annotations

from collections import deque

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.strip import Strip
from textual.widget import Widget


class TailLog(Widget, can_focus=True):
    BINDINGS = [
        Binding("up", "scroll_lines(1)", "Older", show=False),
        Binding("down", "scroll_lines(-1)", "Newer", show=False),
        Binding("pageup", "scroll_pages(1)", "Older", show=False),
        Binding("pagedown", "scroll_pages(-1)", "Newer", show=False),
        Binding("end", "follow", "Follow", show=False),
    ]

    def __init__(self, max_lines: int = 5000, **kwargs) -> None:
        super().__init__(**kwargs)
        # Each entry is [line, its strip at the current width or None].
        self._lines: deque[list] = deque(maxlen=max_lines)
        self._open = False  # the last line has no newline yet (streamed tokens)
        self._back = 0  # lines scrolled back from the end; 0 follows new text

    # -- reading (tests, the screen) -----------------------------------------------------
    @property
    def lines(self) -> list[str]:
        return [entry[0].plain for entry in self._lines]

    @property
    def line_count(self) -> int:
        return len(self._lines)

    # -- writing ---------------------------------------------------------------------------
    def clear(self) -> None:
        self._lines.clear()
        self._open = False
        self._back = 0
        self.refresh()

    def write(self, text: str) -> None:
        """Raw text: continues an open last line; a newline closes a line."""
        if not text:
            return
        closed = text.endswith("\n")
        parts = text.expandtabs(4).replace("\r", "").split("\n")
        if closed:
            parts.pop()
        added = 0
        if parts and self._open and self._lines:
            last = self._lines[-1]
            last[0], last[1] = Text(last[0].plain + parts[0]), None
            parts = parts[1:]
        for part in parts:
            self._lines.append([Text(part), None])
            added += 1
        self._open = not closed
        self._after_append(added)

    def write_lines(self, lines: list[Text]) -> None:
        """Whole styled lines (the message feed)."""
        self._open = False
        self._lines.extend([line, None] for line in lines)
        self._after_append(len(lines))

    def _after_append(self, added: int) -> None:
        if self._back and added > 0:
            self._back = min(self._back + added, self._max_back())  # keep the view still
        self.refresh()

    # -- rendering ---------------------------------------------------------------------------
    def _max_back(self) -> int:
        return max(0, len(self._lines) - self.size.height)

    def render_line(self, y: int) -> Strip:
        width, height = self.size.width, self.size.height
        base = self.rich_style
        index = max(0, len(self._lines) - height - self._back) + y
        if index >= len(self._lines):
            return Strip.blank(width, base)
        entry = self._lines[index]
        if entry[1] is None:
            segments = [Segment(seg.text, base + seg.style if seg.style else base) for seg in entry[0].render(self.app.console) if seg.text != "\n"]
            entry[1] = Strip(segments).crop(0, width).adjust_cell_length(width, base)
        return entry[1]

    def _forget_strips(self) -> None:
        for entry in self._lines:
            entry[1] = None

    def on_resize(self, event: events.Resize) -> None:
        self._forget_strips()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if hasattr(self, "_lines"):
            self._forget_strips()

    # -- scrolling back ------------------------------------------------------------------------
    def action_scroll_lines(self, count: int) -> None:
        back = max(0, min(self._back + count, self._max_back()))
        if back != self._back:
            self._back = back
            self.refresh()

    def action_scroll_pages(self, count: int) -> None:
        self.action_scroll_lines(count * max(1, self.size.height - 1))

    def action_follow(self) -> None:
        self._back = 0
        self.refresh()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.action_scroll_lines(3)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self.action_scroll_lines(-3)
