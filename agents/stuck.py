"""Noticing an agent going round in circles: the same error again and again."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_VOLATILE = re.compile(r"(/tmp/[^\s:'\"]+|0x[0-9a-f]+|\d+\.\d+s)")


def normalize(error: str) -> str:
    """Error text without what changes between identical failures (temp paths, timings)."""
    return _VOLATILE.sub("#", error.strip())


@dataclass
class StuckDetector:
    """Stuck on 3 identical errors in a row, or an A/B/A/B alternation."""

    repeats: int = 3
    history: list[str] = field(default_factory=list)

    def add(self, error: str) -> bool:
        self.history.append(normalize(error))
        return self.stuck

    @property
    def stuck(self) -> bool:
        h = self.history
        if len(h) >= self.repeats and len(set(h[-self.repeats:])) == 1:
            return True
        return len(h) >= 4 and h[-1] == h[-3] and h[-2] == h[-4] and h[-1] != h[-2]

    @property
    def repeated(self) -> bool:
        """The last error is the one before it again."""
        return len(self.history) >= 2 and self.history[-1] == self.history[-2]

    def reason(self) -> str:
        h = self.history
        if len(h) >= self.repeats and len(set(h[-self.repeats:])) == 1:
            return f"the same error {self.repeats} times in a row"
        return "alternating between the same two errors"
