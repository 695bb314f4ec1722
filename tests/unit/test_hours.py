"""Support hours in New York time across daylight saving, and the NYSE trading window."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.desk import effective_priority
from bot.market_hours import market_window_reason
from bot.support_hours import LIVE_CHAT, channel_schedule, describe_opening


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (utc(2026, 1, 14, 12, 59), False),  # 7:59 EST
        (utc(2026, 1, 14, 13, 0), True),  # 8:00 EST
        (utc(2026, 7, 15, 12, 0), True),  # 8:00 EDT: the desk keeps New York wall-clock time
        (utc(2026, 7, 15, 23, 59), True),  # 19:59 EDT
        (utc(2026, 7, 16, 0, 0), False),  # 20:00 EDT: closed
        (utc(2026, 7, 16, 1, 0), False),  # 21:00 EDT
    ],
)
def test_silver_phone_hours_follow_new_york_time(moment: datetime, is_open: bool) -> None:
    schedule = channel_schedule("phone", "silver")
    assert schedule is not None and schedule.is_open(moment) is is_open


def test_next_opening_across_a_weekend_and_the_clock_change() -> None:
    schedule = channel_schedule("phone", "silver")
    assert schedule is not None
    # Saturday 31 October 2026; clocks go back on Sunday 1 November
    opens = schedule.next_opening(utc(2026, 10, 31, 16, 0))
    assert opens == utc(2026, 11, 2, 13, 0)  # Monday 8:00 EST
    assert describe_opening(opens) == "Monday at 8:00 AM Eastern"


def test_tiers_decide_the_phone_and_the_emergency_line_is_for_everyone() -> None:
    assert channel_schedule("phone", "bronze") is None
    assert channel_schedule("phone", None) is None
    gold = channel_schedule("phone", "gold")
    assert gold is not None and gold.is_open(utc(2026, 12, 6, 8, 0))  # Sunday 3 AM
    assert channel_schedule("emergency_line", "bronze").always_open  # type: ignore[union-attr]
    assert channel_schedule("live_chat", "bronze") is LIVE_CHAT


@pytest.mark.parametrize(
    ("moment", "reason"),
    [
        (utc(2026, 12, 2, 15, 0), "during the NYSE regular session"),
        (utc(2026, 12, 2, 14, 10), "before the NYSE open"),  # 9:10 EST
        (utc(2026, 12, 2, 21, 20), "after the NYSE close"),  # 16:20 EST
        (utc(2026, 12, 2, 22, 0), None),  # 17:00 EST
        (utc(2026, 12, 5, 15, 0), None),  # Saturday
        (utc(2026, 12, 25, 15, 0), None),  # Christmas Day
        (utc(2026, 11, 27, 18, 15), "after the NYSE close"),  # day after Thanksgiving: 1 PM close
        (utc(2026, 7, 15, 13, 45), "during the NYSE regular session"),  # 9:45 EDT
    ],
)
def test_market_window(moment: datetime, reason: str | None) -> None:
    found = market_window_reason(moment)
    assert (found is None) if reason is None else (reason in (found or ""))


def test_urgency_is_raised_one_level_in_the_market_window_but_never_above_critical() -> None:
    session = utc(2026, 12, 2, 15, 0)
    assert effective_priority("medium", session)[0] == "high"
    assert effective_priority("high", session)[0] == "critical"
    assert effective_priority("critical", session) == ("critical", None)
    assert effective_priority("low", session) == ("low", None)  # a question is not a problem
    assert effective_priority("medium", utc(2026, 12, 5, 15, 0)) == ("medium", None)


def test_an_opening_today_or_tomorrow_is_called_so() -> None:
    friday_2am = utc(2026, 12, 4, 7, 0)
    opens_at_8 = utc(2026, 12, 4, 13, 0)
    assert describe_opening(opens_at_8, friday_2am) == "today at 8:00 AM Eastern"
    assert describe_opening(utc(2026, 12, 5, 14, 0), friday_2am) == "tomorrow at 9:00 AM Eastern"
    assert describe_opening(utc(2026, 12, 7, 13, 0), friday_2am) == "Monday at 8:00 AM Eastern"
