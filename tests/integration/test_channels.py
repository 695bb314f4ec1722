"""Telegram and Slack end to end: the platform's webhook into the gateway, the real Rasa model
and KB, the reply out through the real client library to a local stand-in of the platform."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
from slack_sdk.signature import SignatureVerifier

from tests.stack import SLACK_SIGNING_SECRET, TELEGRAM_SECRET


def wait_for(found: Callable[[], list[Any]], count: int, timeout: float = 60) -> list[Any]:
    deadline = time.monotonic() + timeout
    while len(found()) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return found()


def test_a_telegram_question_gets_a_kb_answer_with_its_source(stack) -> None:
    chat_id = 900001
    update = {
        "update_id": 5001,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Ann"},
            "text": "how do I set up a bracket order",
        },
    }
    response = httpx.post(
        f"{stack.gateway_url}/webhooks/telegram",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
    )
    assert response.status_code == 200
    mine = lambda: [m for m in stack.telegram_api.sent() if m["chat_id"] == str(chat_id)]  # noqa: E731
    [answer, *_] = wait_for(mine, 1)
    assert "bracket" in answer["text"].lower() and "Source:" in answer["text"]
    assert any(c[0] == "setWebhook" for c in stack.telegram_api.calls)


def test_a_slack_dm_is_answered_in_thread_once_despite_a_retry(stack) -> None:
    envelope = {
        "type": "event_callback",
        "event_id": "EvINTEGRATION1",
        "event": {
            "type": "message",
            "channel_type": "im",
            "channel": "DINT1",
            "user": "UINT1",
            "text": "what are your phone support hours",
            "ts": "1700000100.000100",
        },
    }
    body = json.dumps(envelope).encode()
    for retry in (None, "1"):
        timestamp = str(int(time.time()))
        signature = SignatureVerifier(SLACK_SIGNING_SECRET).generate_signature(
            timestamp=timestamp, body=body
        )
        headers = {
            "content-type": "application/json",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": str(signature),
        }
        if retry:
            headers["X-Slack-Retry-Num"] = retry
        assert (
            httpx.post(
                f"{stack.gateway_url}/webhooks/slack/events", content=body, headers=headers
            ).status_code
            == 200
        )
    mine = lambda: [p for p in stack.slack_api.posts if p["channel"] == "DINT1"]  # noqa: E731
    posts = wait_for(mine, 1)
    time.sleep(1)
    assert len(mine()) == 1
    assert posts[0]["thread_ts"] == "1700000100.000100"
    assert "8 AM - 8 PM" in json.dumps(posts[0]["blocks"])
