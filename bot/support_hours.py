"""When each support channel is open, per support tier, in America/New_York.

The support programme gives the hours as "EST"; the desks run on New York wall-clock time, so the
hours move with daylight saving (8 AM is 8 AM in July too). Where the programme is vague the
reading is written down here once:
- live chat, "business hours with extended evening coverage": Monday-Friday 8 AM - 10 PM
  (business opening, extended-hours closing);
- phone is offered from Silver up (Bronze has e-mail only): Silver during business hours
  (Monday-Friday 8 AM - 8 PM, its "60 hours/week"), Gold and Platinum around the clock
  ("24/7 phone and email support"; Gold's "24/5 (120 hours/week)" contradicts it, see README);
- the emergency line is open 24/7/365 to everyone whose money is at risk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

SUPPORT_TZ = ZoneInfo("America/New_York")
TIERS = ("bronze", "silver", "gold", "platinum")
WEEKDAYS = frozenset(range(5))
WEEKEND = frozenset({5, 6})
EVERY_DAY = frozenset(range(7))


@dataclass(frozen=True)
class Window:
    days: frozenset[int]  # Monday = 0
    opens: time
    closes: time  # time(0) means midnight at the end of the day


@dataclass(frozen=True)
class Schedule:
    name: str
    windows: tuple[Window, ...]
    always_open: bool = False

    def is_open(self, at: datetime) -> bool:
        if self.always_open:
            return True
        local = at.astimezone(SUPPORT_TZ)
        return any(_inside(window, local) for window in self.windows)

    def next_opening(self, at: datetime) -> datetime | None:
        """When it next opens after `at` (None if it is always open)."""
        if self.always_open:
            return None
        local = at.astimezone(SUPPORT_TZ)
        for day_offset in range(8):
            day = local.date() + timedelta(days=day_offset)
            starts = sorted(
                datetime.combine(day, window.opens, SUPPORT_TZ)
                for window in self.windows
                if day.weekday() in window.days
            )
            for start in starts:
                if start > local:
                    return start
        return None


def _inside(window: Window, local: datetime) -> bool:
    if local.weekday() not in window.days:
        return False
    now = local.time()
    return window.opens <= now and (window.closes == time(0) or now < window.closes)


ALWAYS = Schedule("24/7", (), always_open=True)
PHONE_BUSINESS = Schedule(
    "Monday-Friday, 8 AM - 8 PM Eastern", (Window(WEEKDAYS, time(8), time(20)),)
)
LIVE_CHAT = Schedule("Monday-Friday, 8 AM - 10 PM Eastern", (Window(WEEKDAYS, time(8), time(22)),))


def channel_schedule(channel: str, tier: str | None) -> Schedule | None:
    """The schedule of a channel for a support tier, or None when the tier does not include it.
    An unknown tier is treated as Bronze, the tier every licence includes."""
    tier = tier if tier in TIERS else "bronze"
    if channel == "emergency_line":
        return ALWAYS
    if channel == "live_chat":
        return LIVE_CHAT
    if channel == "phone":
        if tier == "bronze":
            return None
        return PHONE_BUSINESS if tier == "silver" else ALWAYS
    raise ValueError(f"unknown channel {channel!r}")


def describe_opening(at: datetime, now: datetime | None = None) -> str:
    """'today at 8:00 AM', 'tomorrow at 8:00 AM' (when `now` is given) or 'Monday at 8:00 AM',
    New York time."""
    local = at.astimezone(SUPPORT_TZ)
    clock = local.strftime("%I:%M %p").lstrip("0")
    day = local.strftime("%A")
    if now is not None:
        days_ahead = (local.date() - now.astimezone(SUPPORT_TZ).date()).days
        day = {0: "today", 1: "tomorrow"}.get(days_ahead, day)
    return f"{day} at {clock} Eastern"
