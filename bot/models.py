"""Table models. API schemas live in bot/schemas.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base


def utcnow() -> datetime:
    return datetime.now(UTC)


class TranscriptMessage(Base):
    """One message of a conversation, from the user or from the bot."""

    __tablename__ = "transcript_messages"
    __table_args__ = (Index("ix_transcript_conversation", "channel", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(32))
    conversation_id: Mapped[str] = mapped_column(String(128))
    author: Mapped[str] = mapped_column(String(16))  # "user" or "bot"
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # set on a user message when it could not be delivered to the dialogue core
    delivery_error: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
