"""Request and response shapes of the gateway's HTTP API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SupportTier = Literal["bronze", "silver", "gold", "platinum"]
Screen = Literal[
    "trading_interface",
    "order_management",
    "risk_settings",
    "strategy_configuration",
    "broker_setup",
]


class ChatMetadata(BaseModel):
    model_config = ConfigDict(extra="allow")

    user_id: str | None = Field(default=None, max_length=128)
    support_tier: SupportTier | None = None
    current_screen: Screen | None = None
    locale: str | None = Field(default=None, max_length=35)


class ChatRequest(BaseModel):
    sender: str = Field(min_length=1)
    message: str
    metadata: ChatMetadata = Field(default_factory=ChatMetadata)


class ErrorBody(BaseModel):
    error: str
    detail: str
    extra: dict[str, Any] | None = None
