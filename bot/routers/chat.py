"""The widget's chat API: forward a message to the dialogue core, keep the transcript."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Query, Request
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from bot.dialogue import DialogueUnavailable, join_split_custom_messages
from bot.errors import ApiError
from bot.schemas import ChatRequest

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/chat", tags=["chat"])

CHANNEL = "widget"


def dialogue_sender(sender: str) -> str:
    # one namespace per channel, so a widget user cannot write into a Telegram conversation
    return f"{CHANNEL}:{sender}"


def _clean_sender(raw: str, max_chars: int) -> str:
    sender = raw.strip()
    if not sender:
        raise ApiError(422, "invalid_sender", "The field 'sender' must not be empty.")
    if len(sender) > max_chars:
        raise ApiError(
            422, "invalid_sender", f"The field 'sender' is longer than {max_chars} characters."
        )
    return sender


@router.post("")
async def chat(body: ChatRequest, request: Request) -> list[dict[str, Any]]:
    settings = request.app.state.settings
    sender = _clean_sender(body.sender, settings.max_sender_chars)
    text = body.message.strip()
    if not text:
        raise ApiError(
            422, "empty_message", "The message is empty; type a question and send it again."
        )
    if len(text) > settings.max_message_chars:
        raise ApiError(
            413,
            "message_too_long",
            f"The message has {len(text)} characters; the limit is {settings.max_message_chars}. "
            "Please shorten it or split it into several messages.",
        )
    metadata = body.metadata.model_dump(exclude_none=True)
    store = request.app.state.transcripts
    message_id = await _record_user_message(store, sender, text, metadata)

    try:
        messages = await request.app.state.dialogue.send(
            dialogue_sender(sender), text, {**metadata, "channel": CHANNEL}
        )
    except DialogueUnavailable as error:
        log.warning("dialogue core unavailable: %s", error)
        if message_id is not None:
            await run_in_threadpool(store.mark_undelivered, message_id, str(error))
        raise ApiError(
            503,
            "assistant_unavailable",
            "The assistant is temporarily unavailable. Your message was saved; "
            "please try again in a minute.",
            reason=str(error),
        ) from None

    messages = join_split_custom_messages(messages)
    for message in messages:
        message["recipient_id"] = sender
    try:
        await run_in_threadpool(store.record_bot_messages, CHANNEL, sender, messages)
    except SQLAlchemyError:
        log.exception("could not store bot replies for %s", sender)
    return messages


async def _record_user_message(
    store: Any, sender: str, text: str, metadata: dict[str, Any]
) -> int | None:
    try:
        return int(
            await run_in_threadpool(store.record_user_message, CHANNEL, sender, text, metadata)
        )
    except SQLAlchemyError:
        # Rasa's tracker store still keeps the message; the reply must not be lost too
        log.exception("could not store the user message for %s", sender)
        return None


@router.get("/history")
async def history(
    request: Request, sender: str = Query(min_length=1, max_length=128)
) -> dict[str, Any]:
    store = request.app.state.transcripts
    messages = await run_in_threadpool(store.history, CHANNEL, sender.strip())
    return {"sender": sender, "messages": messages}
