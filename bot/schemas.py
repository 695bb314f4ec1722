"""Request and response shapes of the gateway's HTTP API."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
    model_validator,
)

SupportTier = Literal["bronze", "silver", "gold", "platinum"]
Screen = Literal[
    "trading_interface",
    "order_management",
    "risk_settings",
    "strategy_configuration",
    "broker_setup",
]
MAX_METADATA_BYTES = 4096


def clean_text(value: Any) -> Any:
    """Replace lone UTF-16 surrogates (valid in JSON, not encodable as UTF-8) with U+FFFD."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, dict):
        return {clean_text(k): clean_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_text(v) for v in value]
    return value


class ChatMetadata(BaseModel):
    model_config = ConfigDict(extra="allow")

    user_id: str | None = Field(default=None, max_length=128)
    # the platform's HMAC of user_id (bot/identity.py); without it user_id is not believed
    user_hash: str | None = Field(default=None, max_length=128)
    support_tier: SupportTier | None = None
    current_screen: Screen | None = None
    locale: str | None = Field(default=None, max_length=35)
    # the title of the button the user clicked, shown instead of its payload in the history
    button_title: str | None = Field(default=None, max_length=200)

    @field_validator("support_tier", "current_screen", mode="before")
    @classmethod
    def _lower_case(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _small_enough(self) -> ChatMetadata:
        try:
            encoded = json.dumps(
                self.model_dump(exclude_none=True), ensure_ascii=False, allow_nan=False
            )
        except ValueError:
            raise ValueError("metadata must not contain NaN or Infinity") from None
        size = len(encoded.encode())
        if size > MAX_METADATA_BYTES:
            raise ValueError(f"metadata is {size} bytes; the limit is {MAX_METADATA_BYTES}")
        return self


class ChatRequest(BaseModel):
    sender: str = Field(min_length=1)
    message: str
    metadata: ChatMetadata = Field(default_factory=ChatMetadata)

    @model_validator(mode="before")
    @classmethod
    def _clean(cls, data: Any) -> Any:
        return clean_text(data)


TicketStatus = Literal["new", "in_progress", "waiting_for_customer", "resolved", "closed"]


class TicketUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: TicketStatus | None = None
    note: str | None = Field(default=None, min_length=1, max_length=10_000)

    @model_validator(mode="after")
    def _something_to_do(self) -> TicketUpdate:
        if self.status is None and self.note is None:
            raise ValueError("give a status, a note, or both")
        return self


def _as_utc(value: Any) -> Any:
    # SQLite gives back naive datetimes; they were stored as UTC
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class TicketEventPublic(BaseModel):
    kind: str
    from_status: str | None
    to_status: str | None
    note: str | None
    author: str
    created_at: datetime

    _utc = field_validator("created_at", mode="before")(_as_utc)


class TicketPublic(BaseModel):
    id: str
    subject: str
    description: str
    priority: str
    status: str
    channel: str
    user_id: str | None
    support_tier: str | None
    intent: str | None
    emergency: bool
    escalation_reason: str | None
    created_at: datetime
    updated_at: datetime
    first_response_due: datetime
    resolution_due: datetime
    first_responded_at: datetime | None
    resolved_at: datetime | None
    events: list[TicketEventPublic] = Field(default_factory=list)

    _utc = field_validator(
        "created_at",
        "updated_at",
        "first_response_due",
        "resolution_due",
        "first_responded_at",
        "resolved_at",
        mode="before",
    )(_as_utc)


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sender: str = Field(min_length=1, max_length=128)
    helpful: StrictBool
    # the rated answer's article URL
    about: str | None = Field(default=None, max_length=300, pattern=r"^https://\S+$")
    comment: str | None = Field(default=None, max_length=2000)
    ticket_id: str | None = Field(default=None, max_length=20)
