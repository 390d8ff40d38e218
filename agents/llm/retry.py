"""When to try a failed request again, and how long to wait first. No I/O here."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from crewmux.agents.llm.errors import FaultKind

# Faults worth another try: the server may be back, less busy, or another endpoint may work.
# Timeouts are not retried: each one already cost minutes, and the user should hear now.
RETRYABLE: frozenset[FaultKind] = frozenset(
    {"connect", "connect_timeout", "http_429", "http_5xx", "stream_cut", "stream_error", "garbage"}
)
ENDPOINT_DOWN: frozenset[FaultKind] = frozenset({"connect", "connect_timeout"})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    # Tries when the server cannot be reached; None: max_attempts. A run's own model server
    # (restarted by the supervisor within seconds) is given more, to outlast its restart.
    max_connect_attempts: int | None = None
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0  # a server asking for a longer pause gets this much


def retry_delay(
    policy: RetryPolicy,
    kind: FaultKind,
    failures: int,
    rng: random.Random,
    *,
    retry_after: float | None = None,
    other_endpoint: bool = False,
) -> float | None:
    """Seconds to wait before the next try, or None to give up.

    ``failures`` counts the failed tries so far (1 after the first). Backoff doubles from
    base_delay up to max_delay with jitter (half fixed, half random) so that several agents
    hitting one busy server do not retry in lockstep. A down endpoint is left at once when
    another one is available.
    """
    limit = policy.max_connect_attempts if kind in ENDPOINT_DOWN and policy.max_connect_attempts else policy.max_attempts
    if kind not in RETRYABLE or failures >= limit:
        return None
    if kind in ENDPOINT_DOWN and other_endpoint:
        return 0.0
    if kind == "http_429" and retry_after is not None:
        return min(max(retry_after, 0.0), policy.max_retry_after)
    cap = min(policy.max_delay, policy.base_delay * 2 ** (failures - 1))
    return cap / 2 + rng.uniform(0, cap / 2)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max((when - now).total_seconds(), 0.0)
