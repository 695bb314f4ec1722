"""Stores every user and bot message of every conversation."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from bot.models import TranscriptMessage


class TranscriptStore:
    def __init__(self, session_factory: sessionmaker) -> None:
        self._sessions = session_factory

    def record_user_message(
        self, channel: str, conversation_id: str, text: str, metadata: dict[str, Any]
    ) -> int:
        with self._sessions.begin() as session:
            row = TranscriptMessage(
                channel=channel,
                conversation_id=conversation_id,
                author="user",
                text=text,
                payload={"metadata": metadata} if metadata else None,
            )
            session.add(row)
            session.flush()
            return row.id

    def mark_undelivered(self, message_id: int, reason: str) -> None:
        with self._sessions.begin() as session:
            session.execute(
                update(TranscriptMessage)
                .where(TranscriptMessage.id == message_id)
                .values(delivery_error=reason[:255])
            )

    def record_bot_messages(
        self, channel: str, conversation_id: str, messages: list[dict[str, Any]]
    ) -> None:
        with self._sessions.begin() as session:
            for message in messages:
                extra = {k: v for k, v in message.items() if k not in ("text", "recipient_id")}
                session.add(
                    TranscriptMessage(
                        channel=channel,
                        conversation_id=conversation_id,
                        author="bot",
                        text=message.get("text"),
                        payload=extra or None,
                    )
                )

    def history(self, channel: str, conversation_id: str, limit: int = 200) -> list[dict[str, Any]]:
        with self._sessions() as session:
            rows = session.scalars(
                select(TranscriptMessage)
                .where(
                    TranscriptMessage.channel == channel,
                    TranscriptMessage.conversation_id == conversation_id,
                )
                .order_by(TranscriptMessage.id.desc())
                .limit(limit)
            ).all()
        return [_as_public(row) for row in reversed(rows)]


def _as_public(row: TranscriptMessage) -> dict[str, Any]:
    item: dict[str, Any] = {
        "author": row.author,
        "text": row.text,
        # SQLite gives back naive datetimes; they were stored as UTC
        "created_at": (
            row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
        ).isoformat(),
    }
    if row.author == "bot" and row.payload:
        item.update({k: v for k, v in row.payload.items() if k in ("buttons", "custom")})
    if row.author == "user" and row.payload:
        title = (row.payload.get("metadata") or {}).get("button_title")
        if title:
            item["display_text"] = title
    if row.delivery_error:
        item["delivery_error"] = row.delivery_error
    return item
