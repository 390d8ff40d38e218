"""Rough token counts for when a server reports none (and for the fake server's own counts)."""

from __future__ import annotations

import math

CHARS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    """One token per 4 characters, rounded up: close enough for English and code."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def split_tokens(text: str) -> list[str]:
    """The text in pieces of one estimated token each."""
    return [text[i : i + CHARS_PER_TOKEN] for i in range(0, len(text), CHARS_PER_TOKEN)]
