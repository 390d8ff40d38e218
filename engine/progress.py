"""Progress of a long transfer: a bar on a terminal, plain percentage lines elsewhere."""

from __future__ import annotations

import sys
import time
from typing import TextIO

MB = 1_000_000


def megabytes(n: int) -> str:
    return f"{n / MB:,.0f} MB" if n >= 10 * MB else f"{n / MB:,.1f} MB"


def render_bar(label: str, done: int, total: int | None, rate: float, width: int = 28) -> str:
    """One terminal line: ``label [#####.....]  45%  220/491 MB  12.3 MB/s``."""
    speed = f"{rate / MB:.1f} MB/s" if rate > 0 else ""
    if not total:
        return f"{label}  {megabytes(done)}  {speed}".rstrip()
    frac = min(max(done / total, 0.0), 1.0)
    filled = int(frac * width)
    bar = "#" * filled + "." * (width - filled)
    return f"{label} [{bar}] {frac * 100:3.0f}%  {done / MB:,.0f}/{total / MB:,.0f} MB  {speed}".rstrip()


def percent_line(label: str, done: int, total: int) -> str:
    return f"{label}: {done * 100 // total}% ({megabytes(done)} of {megabytes(total)})"


class Progress:
    """Reports to ``stream`` (stderr by default). ``step`` is the percentage between plain lines."""

    def __init__(self, stream: TextIO | None = None, *, tty: bool | None = None, step: int = 10) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.step = step
        self._label = ""
        self._total: int | None = None
        self._done = 0
        self._t0 = 0.0
        self._base = 0
        self._last_draw = 0.0
        self._next_pct = 0
        self._printed = -1
        self._drawn = False

    def note(self, message: str) -> None:
        self._clear_line()
        print(message, file=self.stream, flush=True)

    def start(self, label: str, total: int | None, done: int = 0) -> None:
        self._label, self._total, self._done, self._base = label, total, done, done
        self._t0 = time.monotonic()
        self._next_pct = 0
        self._printed = -1
        self._last_draw = 0.0
        self._draw(force=True)

    def update(self, done: int) -> None:
        self._done = done
        self._draw()

    def advance(self, n: int) -> None:
        self.update(self._done + n)

    def finish(self) -> None:
        self._draw(force=True)
        if self.tty and self._drawn:
            print(file=self.stream, flush=True)
        self._drawn = False

    def _rate(self) -> float:
        elapsed = time.monotonic() - self._t0
        return (self._done - self._base) / elapsed if elapsed > 0.2 else 0.0

    def _draw(self, force: bool = False) -> None:
        if self.tty:
            now = time.monotonic()
            if not force and now - self._last_draw < 0.1:
                return
            self._last_draw = now
            self.stream.write("\r" + render_bar(self._label, self._done, self._total, self._rate()) + "\x1b[K")
            self.stream.flush()
            self._drawn = True
            return
        if not self._total:
            return
        pct = self._done * 100 // self._total
        if force and pct == self._printed:
            return
        if force or pct >= self._next_pct:
            print(percent_line(self._label, self._done, self._total), file=self.stream, flush=True)
            self._printed = pct
            self._next_pct = (pct // self.step + 1) * self.step

    def _clear_line(self) -> None:
        if self.tty and self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


class SilentProgress(Progress):
    def __init__(self) -> None:
        import io

        super().__init__(stream=io.StringIO(), tty=False)
