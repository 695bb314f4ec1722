"""The widget's chat API: forward a message to the dialogue core, keep the transcript."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from bot.dialogue import DialogueTimeout, DialogueUnavailable, join_split_custom_messages
from bot.errors import ApiError
from bot.schemas import ChatRequest

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/chat", tags=["chat"])

CHANNEL = "widget"
# a button payload such as /create_ticket or /how_to{"x": 1}
PAYLOAD = re.compile(r"^/(\w+)(\{.*\})?$", re.DOTALL)
# history is readable by whoever knows the sender id, so it must not be guessable
MIN_HISTORY_SENDER_CHARS = 16


def dialogue_sender(sender: str) -> str:
    # one namespace per channel, so a widget user cannot write into a Telegram conversation
    return f"{CHANNEL}:{sender}"


def dialogue_text(text: str, allowed_intents: frozenset[str]) -> str:
    """Pass button payloads of our own intents; take any other leading slash as plain text, so
    typing `/restart` or `/session_start` cannot reset or steer the conversation."""
    match = PAYLOAD.match(text)
    if match and match.group(1) in allowed_intents:
        return text
    return text.lstrip("/").strip() if text.startswith("/") else text


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
    state = request.app.state
    settings = state.settings
    sender = _clean_sender(body.sender, settings.max_sender_chars)
    text = dialogue_text(body.message.strip(), state.payload_intents)
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
    store = state.transcripts
    message_id = await _record_user_message(store, sender, text, metadata)

    try:
        async with state.sender_locks.hold(sender):
            messages = await state.dialogue.send(
                dialogue_sender(sender), text, {**metadata, "channel": CHANNEL}
            )
    except DialogueUnavailable as error:
        log.warning("dialogue core failed for %s: %s", sender, error)
        if message_id is not None:
            await run_in_threadpool(store.mark_undelivered, message_id, str(error))
        if isinstance(error, DialogueTimeout):
            raise ApiError(
                504,
                "assistant_timeout",
                "The assistant is taking too long to answer. Your message was saved; please try again.",
            ) from None
        raise ApiError(
            503,
            "assistant_unavailable",
            "The assistant is temporarily unavailable. Your message was saved; please try again in a minute.",
        ) from None

    messages = join_split_custom_messages(messages)
    for message in messages:
        message["recipient_id"] = sender
    try:
        await run_in_threadpool(store.record_bot_messages, CHANNEL, sender, messages)
    except Exception:  # the user still gets the reply; the log says what was not stored
        log.exception("could not store bot replies for %s", sender)
    return messages


async def _record_user_message(
    store: Any, sender: str, text: str, metadata: dict[str, Any]
) -> int | None:
    try:
        return int(
            await run_in_threadpool(store.record_user_message, CHANNEL, sender, text, metadata)
        )
    except Exception:
        # Rasa's tracker store still keeps the message; the reply must not be lost too
        log.exception("could not store the user message for %s", sender)
        return None


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
