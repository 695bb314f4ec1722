"""The one path every channel's message takes: clean it, store it, rate-limit it, send it to
the dialogue core one message per conversation at a time, store the replies."""

from __future__ import annotations

import logging
import re
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool

from bot.dialogue import (
    DialogueClient,
    DialogueUnavailable,
    SenderLocks,
    join_split_custom_messages,
)
from bot.transcripts import TranscriptStore
from retrieval.facts import SupportFacts

log = logging.getLogger(__name__)

# a button payload such as /create_ticket or /how_to{"x": 1}
PAYLOAD = re.compile(r"^/(\w+)(\{.*\})?$", re.DOTALL)
# characters that show nothing: a message of only these is empty
INVISIBLE = re.compile("[\u0000-\u0008\u000b-\u001f\u007f\u200b-\u200f\u2060-\u2064\ufeff]")


class MessageRejected(Exception):
    """The message cannot be sent on: `error` is a stable code, `detail` says what to do."""

    def __init__(self, status_code: int, error: str, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.error = error
        self.detail = detail


class RateLimited(MessageRejected):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            429,
            "rate_limited",
            "You're sending messages faster than I can answer. Please wait about "
            f"{retry_after_seconds} seconds and send it again.",
        )
        self.retry_after_seconds = retry_after_seconds


def dialogue_text(text: str, allowed_intents: frozenset[str]) -> str:
    """Pass button payloads of our own intents; take any other leading slash as plain text, so
    typing `/restart` or `/session_start` cannot reset or steer the conversation."""
    match = PAYLOAD.match(text)
    if match and match.group(1) in allowed_intents:
        return text
    return text.lstrip("/").strip() if text.startswith("/") else text


def unavailable_text(facts: SupportFacts) -> str:
    """What a chat channel says when the dialogue core is down."""
    return (
        "Sorry, the assistant is temporarily unavailable; your message was saved. Please try "
        "again in a minute. If money is at risk, call the 24/7 emergency line "
        f"{facts.get('phone.emergency.display')}."
    )


class SenderRateLimit:
    """At most `limit` messages per sender in any `window_seconds` (sliding window)."""

    def __init__(self, limit: int, window_seconds: float) -> None:
        self._limit = limit
        self._window = window_seconds
        self._sent: dict[str, deque[float]] = {}

    def retry_after(self, key: str, now: float | None = None) -> int:
        """Whole seconds until `key` may send again (0 when it may now)."""
        now = time.monotonic() if now is None else now
        sent = self._sent.get(key)
        if not sent or len(sent) < self._limit:
            return 0
        return max(1, int(self._window - (now - sent[0]) + 0.999))

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        sent = self._sent.setdefault(key, deque())
        while sent and now - sent[0] >= self._window:
            sent.popleft()
        if len(sent) >= self._limit:
            return False
        sent.append(now)
        if len(self._sent) > 100_000:  # forget idle senders
            for idle in [k for k, v in self._sent.items() if not v]:
                del self._sent[idle]
        return True


@dataclass
class ConversationPipeline:
    transcripts: TranscriptStore
    dialogue: DialogueClient
    sender_locks: SenderLocks
    payload_intents: frozenset[str]
    rate_limit: SenderRateLimit
    max_message_chars: int

    def prepare(self, raw_text: str) -> str:
        """The text to send, or MessageRejected saying why not."""
        text = dialogue_text(raw_text.strip(), self.payload_intents)
        if not INVISIBLE.sub("", text).strip():
            raise MessageRejected(
                422, "empty_message", "The message is empty; type a question and send it again."
            )
        if len(text) > self.max_message_chars:
            raise MessageRejected(
                413,
                "message_too_long",
                f"The message has {len(text)} characters; the limit is "
                f"{self.max_message_chars}. Please shorten it or split it into several messages.",
            )
        return text

    async def handle(
        self, channel: str, sender: str, raw_text: str, metadata: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """The bot's replies. Raises MessageRejected (nothing stored or sent) or RateLimited and
        DialogueUnavailable (the user's message is stored either way)."""
        # NUL cannot be stored in PostgreSQL text and means nothing in a chat message
        raw_text = raw_text.replace("\x00", "")
        text = self.prepare(raw_text)
        # the transcript keeps what the user typed; Rasa gets the cleaned text
        message_id = await self._record_user_message(channel, sender, raw_text.strip(), metadata)
        if not self.rate_limit.allow(f"{channel}:{sender}"):
            await self._mark_undelivered(message_id, "rate limited")
            raise RateLimited(self.rate_limit.retry_after(f"{channel}:{sender}"))
        key = f"{channel}:{sender}"
        try:
            async with self.sender_locks.hold(key):
                messages = await self.dialogue.send(key, text, {**metadata, "channel": channel})
        except DialogueUnavailable as error:
            log.warning("dialogue core failed for %s: %s", key, error)
            await self._mark_undelivered(message_id, str(error))
            raise
        messages = join_split_custom_messages(messages)
        for message in messages:
            message["recipient_id"] = sender
        try:
            await run_in_threadpool(self.transcripts.record_bot_messages, channel, sender, messages)
        except Exception:  # the user still gets the reply; the log says what was not stored
            log.exception("could not store bot replies for %s", key)
        return messages

    async def _record_user_message(
        self, channel: str, sender: str, text: str, metadata: dict[str, Any]
    ) -> int | None:
        try:
            return int(
                await run_in_threadpool(
                    self.transcripts.record_user_message, channel, sender, text, metadata
                )
            )
        except Exception:
            # Rasa's tracker store still keeps the message; the reply must not be lost too
            log.exception("could not store the user message for %s:%s", channel, sender)
            return None

    async def _mark_undelivered(self, message_id: int | None, reason: str) -> None:
        if message_id is None:
            return
        try:
            await run_in_threadpool(self.transcripts.mark_undelivered, message_id, reason)
        except Exception:
            log.exception("could not mark message %s undelivered", message_id)
