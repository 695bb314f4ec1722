"""Whether a trading-impacting problem arrives while the market is open or about to be.

Uses the NYSE calendar (exchange_calendars XNYS), so weekends, exchange holidays and early
closes are right without a hand-made table."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

import exchange_calendars
import pandas as pd

# a problem this close to the open or the close matters as much as one during the session
MARGIN = timedelta(minutes=30)


@lru_cache(maxsize=1)
def _nyse() -> exchange_calendars.ExchangeCalendar:
    return exchange_calendars.get_calendar("XNYS")


def market_window_reason(at: datetime) -> str | None:
    """Why `at` counts as trading time (e.g. "during the NYSE regular session"), or None."""
    calendar = _nyse()
    moment = pd.Timestamp(at).tz_convert("UTC")
    day = moment.tz_convert("America/New_York").normalize().tz_localize(None)
    if day < calendar.first_session or day > calendar.last_session:
        return None
    if not calendar.is_session(day):
        return None
    opens = calendar.session_open(day)
    closes = calendar.session_close(day)
    if opens <= moment < closes:
        return "reported during the NYSE regular session"
    if opens - MARGIN <= moment < opens:
        return "reported within 30 minutes before the NYSE open"
    if closes <= moment < closes + MARGIN:
        return "reported within 30 minutes after the NYSE close"
    return None
