"""Sortable unique ids for messages and readable ids for runs."""

from __future__ import annotations

import re
import secrets
import threading
import time
from datetime import datetime, timezone

_lock = threading.Lock()
_last_ns = 0


def new_id() -> str:
    """A unique id whose string order is creation order.

    16 hex digits of nanoseconds since the epoch (strictly increasing inside one
    process, so a burst from one sender keeps its order), then 10 random hex digits so
    that ids from different processes never collide.
    """
    global _last_ns
    with _lock:
        now = time.time_ns()
        if now <= _last_ns:
            now = _last_ns + 1
        _last_ns = now
    return f"{now:016x}-{secrets.token_hex(5)}"


def id_time(message_id: str) -> float:
    """Seconds since the epoch at which an id from :func:`new_id` was made."""
    return int(message_id.split("-", 1)[0], 16) / 1e9


_SLUG_DROP = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_len: int = 24) -> str:
    """Lower-case ascii words joined by '-', safe as a tmux session name and a path."""
    words = _SLUG_DROP.sub(" ", text.lower()).split()
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_len:
            break
        slug = candidate
    return slug or "run"


def new_run_id(brief: str, now: datetime | None = None) -> str:
    """A run id like ``20261122-163012-bakery-landing-page-3f9a``.

    Sorts by start time, says what the run is about, and holds no '.' or ':' (tmux
    cannot target session names that contain them).
    """
    now = now or datetime.now(timezone.utc)
    return f"{now:%Y%m%d-%H%M%S}-{slugify(brief)}-{secrets.token_hex(2)}"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
