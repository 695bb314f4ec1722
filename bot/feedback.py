"""Users' ratings of answers: stored, and summed per article for the content writers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.models import Feedback


class FeedbackStore:
    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory

    def record(
        self,
        channel: str,
        sender: str,
        helpful: bool,
        about: str | None = None,
        comment: str | None = None,
        ticket_id: int | None = None,
    ) -> int:
        with self._sessions.begin() as session:
            row = Feedback(
                channel=channel,
                sender=sender,
                helpful=helpful,
                about=about,
                comment=comment,
                ticket_id=ticket_id,
            )
            session.add(row)
            session.flush()
            return row.id

    def summary(self) -> list[dict[str, Any]]:
        """Per rated article: how often it helped and how often not, least helpful first."""
        with self._sessions() as session:
            rows = session.execute(
                select(Feedback.about, Feedback.helpful, func.count()).group_by(
                    Feedback.about, Feedback.helpful
                )
            ).all()
        totals: dict[str | None, dict[str, Any]] = {}
        for about, helpful, count in rows:
            entry = totals.setdefault(about, {"about": about, "helpful": 0, "not_helpful": 0})
            entry["helpful" if helpful else "not_helpful"] += count
        return sorted(
            totals.values(), key=lambda e: (e["helpful"] - e["not_helpful"], str(e["about"]))
        )
