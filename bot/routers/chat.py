"""The widget's chat API: forward a message to the dialogue core, keep the transcript."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from bot.conversations import ConversationPipeline, MessageRejected, RateLimited
from bot.dialogue import DialogueTimeout, DialogueUnavailable
from bot.errors import ApiError
from bot.identity import verified_user_id
from bot.schemas import ChatRequest

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/chat", tags=["chat"])

CHANNEL = "widget"
# history is readable by whoever knows the sender id, so it must not be guessable
MIN_HISTORY_SENDER_CHARS = 16


def _clean_sender(raw: str, max_chars: int) -> str:
    sender = raw.strip()
    if not sender:
        raise ApiError(422, "invalid_sender", "The field 'sender' must not be empty.")
    if any(ord(c) < 32 or ord(c) == 127 for c in sender):
        raise ApiError(
            422, "invalid_sender", "The field 'sender' must not contain control characters."
        )
    if len(sender) > max_chars:
        raise ApiError(
            422, "invalid_sender", f"The field 'sender' is longer than {max_chars} characters."
        )
    return sender


@router.post("")
async def chat(body: ChatRequest, request: Request) -> list[dict[str, Any]]:
    state = request.app.state
    sender = _clean_sender(body.sender, state.settings.max_sender_chars)
    pipeline: ConversationPipeline = state.conversations
    metadata = body.metadata.model_dump(exclude_none=True)
    claimed = metadata.pop("user_id", None)
    user_id = verified_user_id(
        claimed, metadata.pop("user_hash", None), state.settings.user_id_secret
    )
    if user_id:
        metadata["user_id"] = user_id
    elif claimed:
        log.info("ignored an unsigned or wrongly signed user_id from the widget")
    try:
        return await pipeline.handle(CHANNEL, sender, body.message, metadata)
    except RateLimited as limited:
        raise ApiError(
            429, limited.error, limited.detail, retry_after_seconds=limited.retry_after_seconds
        ) from None
    except MessageRejected as rejected:
        raise ApiError(rejected.status_code, rejected.error, rejected.detail) from None
    except DialogueTimeout:
        raise ApiError(
            504,
            "assistant_timeout",
            "The assistant is taking too long to answer. Your message was saved; please try again.",
        ) from None
    except DialogueUnavailable:
        raise ApiError(
            503,
            "assistant_unavailable",
            "The assistant is temporarily unavailable. Your message was saved; please try again in a minute.",
        ) from None


@router.get("/history")
async def history(request: Request, sender: str = Query(max_length=128)) -> dict[str, Any]:
    sender = sender.strip()
    if len(sender) < MIN_HISTORY_SENDER_CHARS:
        raise ApiError(
            422,
            "invalid_sender",
            f"History needs the conversation's sender id (at least {MIN_HISTORY_SENDER_CHARS} characters).",
        )
    messages = await run_in_threadpool(request.app.state.transcripts.history, CHANNEL, sender)
    return {"sender": sender, "messages": messages}
