"""All gateway settings in one place, read from the environment and an optional `.env`."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from retrieval.retriever import SearchOptions

PROJECT_ROOT = Path(__file__).resolve().parent.parent

PLACEHOLDER_SECRETS = {"changeme", "change-me", "secret", "token", "xxx", ""}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'support.db'}"
    redis_url: str | None = None
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_seconds: float = 30.0

    kb_dir: Path = PROJECT_ROOT / "data" / "kb"
    support_facts_file: Path = PROJECT_ROOT / "data" / "support_facts.yml"
    domain_file: Path = PROJECT_ROOT / "domain.yml"
    # when set, Rasa must send it with every action call (endpoints.yml `token`)
    action_endpoint_token: str | None = None
    index_dir: Path = PROJECT_ROOT / "var" / "kb_index"
    # below this cosine similarity the assistant says it has no answer
    answer_min_score: float = 0.45
    kb_search_mode: Literal["dense", "bm25", "hybrid"] = "hybrid"
    # how hybrid mixes dense and BM25: by scores (default) or weighted reciprocal rank fusion
    kb_fusion: Literal["score", "rrf"] = "score"
    kb_score_weight: float = Field(default=0.1, ge=0)
    kb_lexical_weight: float = Field(default=0.25, ge=0)
    kb_rrf_k: int = Field(default=10, ge=1)
    kb_screen_boost: float = Field(default=0.2, ge=0)
    kb_index_type: Literal["flat", "hnsw"] = "flat"
    # how often to look for edited articles (0 = never); a change rebuilds the index in place
    kb_watch_seconds: float = Field(default=5.0, ge=0)
    # same vectors either way; ONNX is faster (bench/retrieval.py), torch needs no export
    kb_encoder: Literal["onnx", "torch"] = "onnx"

    max_message_chars: int = Field(default=4000, ge=1)
    max_sender_chars: int = Field(default=128, ge=1)
    # per conversation, on every channel: more than this many messages in the window are
    # stored but not answered (the user is asked to slow down)
    rate_limit_messages: int = Field(default=20, ge=1)
    rate_limit_seconds: float = Field(default=60.0, gt=0)

    # shared with the platform: the widget's user_id counts only with its HMAC (bot/identity.py)
    user_id_secret: str | None = None
    # agent-facing API (tickets, SLA report) until the agent console brings sign-in
    agent_api_token: str | None = None

    # phone callbacks: placed through a Twilio-compatible API when all four are set,
    # otherwise queued in the database for agents to call back
    twilio_api_url: str = "https://api.twilio.com"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from_number: str | None = None
    # on-call notifications: each configured target gets every emergency; none → kept in the DB
    oncall_slack_webhook_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_sender: str = "assistant@trading-orchestrator.com"
    oncall_emails: list[str] = Field(default_factory=list)
    # how often undelivered callbacks/notifications and kept ticket requests are retried
    outbound_poll_seconds: float = Field(default=5.0, gt=0)
    # first retry delay of a failed delivery; doubles with each attempt (capped at an hour)
    outbound_retry_base_seconds: float = Field(default=30.0, gt=0)
    # a fixed "now" for the hours-dependent replies (tests, demos); unset = the real clock
    support_clock: datetime | None = None
    pending_tickets_file: Path = PROJECT_ROOT / "var" / "pending_tickets.jsonl"

    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_webhook_url: str | None = None
    telegram_api_url: str | None = None
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_api_url: str | None = None

    def search_options(self) -> SearchOptions:
        return SearchOptions(
            mode=self.kb_search_mode,
            lexical_weight=self.kb_lexical_weight,
            rrf_k=self.kb_rrf_k,
            screen_boost=self.kb_screen_boost,
            fusion=self.kb_fusion,
            score_weight=self.kb_score_weight,
        )

    @field_validator("support_clock")
    @classmethod
    def _clock_in_utc(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if self.environment != "production":
            return self
        for name in (
            "telegram_webhook_secret",
            "slack_signing_secret",
            "agent_api_token",
            "twilio_auth_token",
            "user_id_secret",
        ):
            value = getattr(self, name)
            if value is not None and value.strip().lower() in PLACEHOLDER_SECRETS:
                raise ValueError(
                    f"{name.upper()} is a placeholder; set a real secret in production"
                )
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
