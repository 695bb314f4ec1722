"""Backoff delays and the retry loop around connector calls."""

from __future__ import annotations

import pytest

from connectors.base import ConnectorError
from connectors.retry import MAX_ATTEMPTS, backoff_delay, call_with_retries


class FlakyOperation:
    """Fails `fail_times` times with the given error, then returns "done"."""

    def __init__(self, fail_times: int, retryable: bool = True) -> None:
        self.fail_times = fail_times
        self.retryable = retryable
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.fail_times:
            raise ConnectorError(f"failure {self.calls}", retryable=self.retryable)
        return "done"


def test_backoff_doubles_from_the_base() -> None:
    assert [backoff_delay(n) for n in range(1, 6)] == [30.0, 60.0, 120.0, 240.0, 480.0]
    assert backoff_delay(3, base_seconds=0.5) == 2.0


def test_backoff_is_capped() -> None:
    assert backoff_delay(7) == 1920.0
    assert backoff_delay(8) == 3600.0
    assert backoff_delay(5, base_seconds=10.0, cap_seconds=100.0) == 100.0
    assert backoff_delay(10_000) == 3600.0  # no float overflow


def test_backoff_refuses_attempt_zero() -> None:
    with pytest.raises(ValueError):
        backoff_delay(0)


def test_max_attempts() -> None:
    assert MAX_ATTEMPTS == 6


def test_succeeds_after_transient_failures() -> None:
    operation = FlakyOperation(fail_times=2)
    slept: list[float] = []

    result = call_with_retries(operation, attempts=5, delays=backoff_delay, sleep=slept.append)

    assert result == "done"
    assert operation.calls == 3
    assert slept == [30.0, 60.0]


def test_gives_up_after_the_last_attempt_and_raises_its_error() -> None:
    operation = FlakyOperation(fail_times=10)
    slept: list[float] = []

    with pytest.raises(ConnectorError, match="failure 4") as raised:
        call_with_retries(operation, attempts=4, delays=lambda n: n / 10, sleep=slept.append)

    assert raised.value.retryable
    assert operation.calls == 4
    assert slept == [0.1, 0.2, 0.3]  # no sleep after the last attempt


def test_does_not_retry_a_non_retryable_error() -> None:
    operation = FlakyOperation(fail_times=1, retryable=False)
    slept: list[float] = []

    with pytest.raises(ConnectorError, match="failure 1") as raised:
        call_with_retries(operation, attempts=5, delays=backoff_delay, sleep=slept.append)

    assert not raised.value.retryable
    assert operation.calls == 1
    assert slept == []


def test_other_exceptions_are_not_retried() -> None:
    calls: list[int] = []

    def broken() -> str:
        calls.append(1)
        raise KeyError("bug")

    with pytest.raises(KeyError):
        call_with_retries(broken, attempts=5, delays=backoff_delay, sleep=lambda _: None)
    assert calls == [1]


def test_one_attempt_means_no_retry() -> None:
    operation = FlakyOperation(fail_times=1)
    with pytest.raises(ConnectorError):
        call_with_retries(operation, attempts=1, delays=backoff_delay, sleep=lambda _: None)
    assert operation.calls == 1


def test_connector_error_defaults_to_retryable() -> None:
    assert ConnectorError("boom").retryable
    assert not ConnectorError("bad token", retryable=False).retryable
    assert str(ConnectorError("boom")) == "boom"
