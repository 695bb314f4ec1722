"""What every outbound connector raises when it cannot deliver."""

from __future__ import annotations


class ConnectorError(Exception):
    """A delivery failed. `retryable` says whether trying again later may succeed: network
    errors, timeouts, 429 and 5xx are; refusals such as bad credentials or an invalid number
    are not."""

    def __init__(self, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


def is_retryable_status(status_code: int) -> bool:
    """Whether an HTTP error status is worth retrying: rate limiting and server errors."""
    return status_code == 429 or status_code >= 500
