"""State the chat channels share across gateway replicas, kept in the database."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.models import ChannelValue, SeenEvent, utcnow

# Slack retries for about an hour and Telegram for a day; a day covers both
SEEN_EVENTS_KEPT = timedelta(days=1)
PRUNE_EVERY = 500


class ChannelState:
    def __init__(
        self, session_factory: sessionmaker, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._sessions = session_factory
        self._clock = clock
        self._since_prune = 0

    def first_sighting(self, source: str, event_id: str) -> bool:
        """True the first time this event id is seen (by any replica), False for a retry."""
        self._maybe_prune()
        try:
            with self._sessions.begin() as session:
                session.add(
                    SeenEvent(source=source, event_id=event_id[:128], seen_at=self._clock())
                )
        except IntegrityError:
            return False
        return True

    def _maybe_prune(self) -> None:
        self._since_prune += 1
        if self._since_prune < PRUNE_EVERY:
            return
        self._since_prune = 0
        with self._sessions.begin() as session:
            session.execute(
                delete(SeenEvent).where(SeenEvent.seen_at < self._clock() - SEEN_EVENTS_KEPT)
            )

    def short_key(self, kind: str, value: str, max_bytes: int) -> str:
        """`value` itself when it fits in `max_bytes`, else a stable short key for it."""
        if len(value.encode("utf-8")) <= max_bytes:
            return value
        key = "k:" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:24]
        self._put(kind, key, value)
        return key

    def resolve_key(self, kind: str, key: str) -> str | None:
        """What `short_key` stood for; a value that was short enough is returned as is."""
        if not key.startswith("k:"):
            return key
        return self._get(kind, key)

    def set_flag(self, kind: str, key: str, on: bool) -> None:
        if on:
            self._put(kind, key, "1")
            return
        with self._sessions.begin() as session:
            session.execute(
                delete(ChannelValue).where(ChannelValue.kind == kind, ChannelValue.key == key)
            )

    def has_flag(self, kind: str, key: str) -> bool:
        return self._get(kind, key) is not None

    def _get(self, kind: str, key: str) -> str | None:
        with self._sessions() as session:
            row = session.get(ChannelValue, (kind, key))
            return row.value if row else None

    def _put(self, kind: str, key: str, value: str) -> None:
        try:
            with self._sessions.begin() as session:
                row = session.get(ChannelValue, (kind, key))
                if row is None:
                    session.add(
                        ChannelValue(kind=kind, key=key, value=value, updated_at=self._clock())
                    )
                else:
                    row.value, row.updated_at = value, self._clock()
        except IntegrityError:
            pass  # another replica stored it at the same moment; keys name their values
