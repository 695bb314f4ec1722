"""Webhooks of the chat channels: they check where a request came from, decode it and hand it
on; the channel objects (connectors/) do the rest."""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from bot.errors import ApiError
from connectors.slack import SlackChannel, SlackRequestRefused
from connectors.telegram import TelegramChannel

log = logging.getLogger(__name__)

router = APIRouter(prefix="/webhooks", tags=["channels"])


def _telegram(request: Request) -> TelegramChannel:
    channel: TelegramChannel | None = request.app.state.telegram
    if channel is None:
        raise ApiError(404, "channel_disabled", "Telegram is off: TELEGRAM_BOT_TOKEN is not set.")
    return channel


def _slack(request: Request) -> SlackChannel:
    channel: SlackChannel | None = request.app.state.slack
    if channel is None:
        raise ApiError(
            404,
            "channel_disabled",
            "Slack is off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET.",
        )
    return channel


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        raise ApiError(400, "invalid_json", "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_body", "The body must be a JSON object.")
    return data


@router.post("/telegram")
async def telegram_update(request: Request) -> Response:
    channel = _telegram(request)
    expected = channel.webhook_secret
    given = request.headers.get("x-telegram-bot-api-secret-token", "")
    if expected and not secrets.compare_digest(given.encode(), expected.encode()):
        log.warning("Telegram webhook refused: wrong secret token")
        raise ApiError(401, "unauthorized", "Wrong or missing X-Telegram-Bot-Api-Secret-Token.")
    data = _json_object(await request.body())
    if not isinstance(data.get("update_id"), int):
        raise ApiError(400, "invalid_update", "A Telegram update needs an integer update_id.")
    try:
        await channel.accept(data)
    except (KeyError, TypeError, ValueError) as error:
        # answering 200 stops Telegram redelivering an update we can never read
        log.warning("unreadable Telegram update %s: %s", data.get("update_id"), error)
    return Response(status_code=200)


async def _verified_slack_body(request: Request, channel: SlackChannel) -> bytes:
    body = await request.body()
    try:
        channel.verify(
            body,
            request.headers.get("x-slack-request-timestamp"),
            request.headers.get("x-slack-signature"),
        )
    except SlackRequestRefused as refused:
        log.warning("Slack request refused: %s", refused)
        raise ApiError(401, "unauthorized", f"Slack request refused: {refused}.") from None
    return body


@router.post("/slack/events")
async def slack_events(request: Request) -> Response:
    channel = _slack(request)
    envelope = _json_object(await _verified_slack_body(request, channel))
    kind = envelope.get("type")
    if kind == "url_verification":
        return JSONResponse({"challenge": envelope.get("challenge")})
    if kind != "event_callback" or not isinstance(envelope.get("event"), dict):
        return Response(status_code=200)
    event_id = str(envelope.get("event_id") or "")
    retry = request.headers.get("x-slack-retry-num")
    if not event_id or not await channel.first_sighting(event_id):
        log.info("Slack event %s already handled (retry %s)", event_id, retry)
        return Response(status_code=200)
    event = envelope["event"]
    if channel.wanted(event) and isinstance(event.get("channel"), str):
        channel.in_background(channel.handle_event(event))
    return Response(status_code=200)


@router.post("/slack/interactivity")
async def slack_interactivity(request: Request) -> Response:
    channel = _slack(request)
    body = await _verified_slack_body(request, channel)
    form = parse_qs(body.decode("utf-8", errors="replace"))
    interaction = _json_object((form.get("payload") or [""])[0].encode())
    if interaction.get("type") == "block_actions":
        channel.in_background(channel.handle_action(interaction))
    return Response(status_code=200)
