"""Retrying a connector call with exponential backoff."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from connectors.base import ConnectorError

T = TypeVar("T")

MAX_ATTEMPTS = 6

# 2**60 times any sensible base is far above any cap; a bigger exponent would overflow a float
_MAX_EXPONENT = 60


def backoff_delay(attempt: int, base_seconds: float = 30.0, cap_seconds: float = 3600.0) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based): base, 2×base, 4×base, …
    capped at `cap_seconds`."""
    if attempt < 1:
        raise ValueError(f"attempt must be 1 or more, got {attempt}")
    return min(cap_seconds, base_seconds * 2.0 ** min(attempt - 1, _MAX_EXPONENT))


def call_with_retries(
    operation: Callable[[], T],
    attempts: int,
    delays: Callable[[int], float],
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `operation` up to `attempts` times, sleeping `delays(n)` after failed attempt n.
    Only retryable ConnectorErrors are retried; the last error is re-raised."""
    if attempts < 1:
        raise ValueError(f"attempts must be 1 or more, got {attempts}")
    for attempt in range(1, attempts + 1):
        try:
            return operation()
        except ConnectorError as error:
            if not error.retryable or attempt == attempts:
                raise
        sleep(delays(attempt))
    raise AssertionError("unreachable: the loop returns or raises")
