"""How crewmux words a pydantic validation error for a person (or a model) to fix."""

from __future__ import annotations

from pydantic import ValidationError


def error_lines(exc: ValidationError, limit: int, top: str = "") -> list[str]:
    """``where: what`` for the first ``limit`` errors; ``top`` names an error of the whole value."""
    return [f"{'.'.join(str(p) for p in e['loc']) or top}: {e['msg']}" for e in exc.errors()[:limit]]
