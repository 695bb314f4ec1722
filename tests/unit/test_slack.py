"""Slack through slack_sdk against a local server speaking the Web API; events and button
clicks posted to the gateway signed the way Slack signs them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from slack_sdk.signature import SignatureVerifier

from bot.app import create_app
from bot.knowledge import KnowledgeBase
from bot.settings import Settings
from connectors.slack import SlackRequestRefused, verify_request
from tests.fakes import FixedRetriever, RecordingDialogue, settings_for
from tests.unit.chat_servers import FakeSlackAPI
from tests.unit.local_servers import LocalHTTPServer

TOKEN = "xoxb-test-token"
SIGNING_SECRET = "slack-signing-secret-0123456789"


def signed_headers(body: bytes, secret: str = SIGNING_SECRET, age: float = 0) -> dict[str, str]:
    timestamp = str(int(time.time() - age))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": str(signature)}


class Slack:
    def __init__(self, client: TestClient, api: FakeSlackAPI, dialogue: RecordingDialogue):
        self.client = client
        self.api = api
        self.dialogue = dialogue
        self._n = 0

    def event(self, **event: Any) -> dict[str, Any]:
        self._n += 1
        return {
            "type": "event_callback",
            "team_id": "T1",
            "event_id": f"Ev{self._n:04d}",
            "event_time": int(time.time()),
            "event": {"ts": f"1700000000.{self._n:06d}", **event},
        }

    def post_event(self, envelope: dict[str, Any], retry: int | None = None, **signing: Any):
        body = json.dumps(envelope).encode()
        headers = {"content-type": "application/json", **signed_headers(body, **signing)}
        if retry is not None:
            headers["X-Slack-Retry-Num"] = str(retry)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        return self.client.post("/webhooks/slack/events", content=body, headers=headers)

    def click(self, value: str, thread_ts: str = "1700000000.000001"):
        payload = {
            "type": "block_actions",
            "user": {"id": "U1"},
            "channel": {"id": "D1"},
            "container": {
                "type": "message",
                "message_ts": "1700000001.000001",
                "thread_ts": thread_ts,
            },
            "message": {"ts": "1700000001.000001", "thread_ts": thread_ts},
            "actions": [{"action_id": "dto_0_0", "type": "button", "value": value}],
        }
        body = urlencode({"payload": json.dumps(payload)}).encode()
        headers = {"content-type": "application/x-www-form-urlencoded", **signed_headers(body)}
        return self.client.post("/webhooks/slack/interactivity", content=body, headers=headers)

    def wait_for_posts(self, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.api.posts) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.2)
        return self.api.posts


def slack_settings(database_url: str, tmp_path: Path, api_url: str) -> Settings:
    return settings_for(
        database_url,
        tmp_path,
        slack_bot_token=TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=api_url + "/api/",
    )


@pytest.fixture
def slack(database_url: str, tmp_path: Path) -> Iterator[Slack]:
    api = FakeSlackAPI(TOKEN)
    dialogue = RecordingDialogue(
        replies=[
            {
                "recipient_id": "x",
                "text": "Check <@channel> & the *stop* leg",
                "buttons": [{"title": "Open a support ticket", "payload": "/create_ticket"}],
                "custom": {
                    "sources": [
                        {"title": "Bracket orders", "url": "https://docs.example/b", "score": 0.8}
                    ]
                },
            }
        ]
    )
    with LocalHTTPServer(api.answer) as server:
        settings = slack_settings(database_url, tmp_path, server.url)
        app = create_app(settings, dialogue=dialogue, knowledge=KnowledgeBase(FixedRetriever()))
        with TestClient(app) as client:
            yield Slack(client, api, dialogue)


def dm(slack: Slack, text: str = "how do I set a stop", **extra: Any) -> dict[str, Any]:
    fields = {"type": "message", "channel_type": "im", "channel": "D1", "user": "U1", **extra}
    return slack.event(text=text, **fields)


def test_url_verification_is_answered(slack: Slack) -> None:
    response = slack.post_event({"type": "url_verification", "challenge": "c-123", "token": "x"})
    assert response.status_code == 200 and response.json() == {"challenge": "c-123"}


def test_a_dm_is_answered_in_thread_with_escaped_text_sources_and_buttons(slack: Slack) -> None:
    envelope = dm(slack)
    assert slack.post_event(envelope).status_code == 200
    [post] = slack.wait_for_posts(1)
    assert post["channel"] == "D1" and post["thread_ts"] == envelope["event"]["ts"]
    section, context, actions = post["blocks"]
    assert section["text"]["text"] == "Check &lt;@channel&gt; &amp; the *stop* leg"
    assert context["elements"][0]["text"] == "Source: <https://docs.example/b|Bracket orders>"
    assert actions["elements"][0]["value"] == "/create_ticket"
    assert slack.dialogue.calls[0]["sender"] == "slack:D1:U1"


def test_an_event_delivered_three_times_is_answered_once(slack: Slack) -> None:
    envelope = dm(slack, "only once please")
    assert [slack.post_event(envelope, retry=r).status_code for r in (None, 1, 2)] == [200] * 3
    assert len(slack.wait_for_posts(1)) == 1
    assert [c["text"] for c in slack.dialogue.calls] == ["only once please"]


def test_a_mention_is_answered_once_without_the_mention(slack: Slack) -> None:
    mention = slack.event(
        type="app_mention", channel="C1", user="U2", text="<@UBOT> is live chat open?"
    )
    channel_copy = slack.event(
        type="message",
        channel_type="channel",
        channel="C1",
        user="U2",
        text="<@UBOT> is live chat open?",
    )
    slack.post_event(mention)
    slack.post_event(channel_copy)
    [post] = slack.wait_for_posts(1)
    assert post["channel"] == "C1" and post["thread_ts"] == mention["event"]["ts"]
    assert [c["text"] for c in slack.dialogue.calls] == ["is live chat open?"]


def test_bots_ourselves_edits_and_deletions_are_ignored(slack: Slack) -> None:
    for envelope in (
        dm(slack, "echo", bot_id="BBOT"),
        dm(slack, "from us", user="UBOT"),
        dm(slack, "edit", subtype="message_changed"),
        dm(slack, "gone", subtype="message_deleted"),
        dm(slack, "bot", subtype="bot_message"),
    ):
        assert slack.post_event(envelope).status_code == 200
    assert slack.wait_for_posts(1, timeout=1) == []
    assert slack.dialogue.calls == []


def test_a_button_click_is_sent_on_and_answered_in_its_thread(slack: Slack) -> None:
    assert slack.click("/create_ticket").status_code == 200
    [post] = slack.wait_for_posts(1)
    assert post["thread_ts"] == "1700000000.000001"
    assert slack.dialogue.calls[0]["text"] == "/create_ticket"


def test_stale_and_forged_requests_are_refused(
    slack: Slack, caplog: pytest.LogCaptureFixture
) -> None:
    envelope = dm(slack, "replayed")
    stale = slack.post_event(envelope, age=6 * 60)
    forged = slack.post_event(envelope, secret="not-the-secret")
    assert stale.status_code == 401 and "stale timestamp" in stale.json()["detail"]
    assert forged.status_code == 401 and "bad signature" in forged.json()["detail"]
    assert "stale timestamp" in caplog.text and "bad signature" in caplog.text
    unsigned = slack.client.post("/webhooks/slack/events", content=b"{}")
    assert unsigned.status_code == 401
    assert slack.dialogue.calls == []


def test_malformed_bodies_get_a_clear_error(slack: Slack) -> None:
    body = b"{not json"
    response = slack.client.post(
        "/webhooks/slack/events",
        content=body,
        headers={"content-type": "application/json", **signed_headers(body)},
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_json"


def test_rasa_down_gets_an_apology(slack: Slack) -> None:
    slack.dialogue.down = True
    slack.post_event(dm(slack, "help"))
    [post] = slack.wait_for_posts(1)
    assert "temporarily unavailable" in post["blocks"][0]["text"]["text"]


def test_signature_checks_name_the_reason() -> None:
    body = b'{"a": 1}'
    now = 1_700_000_000
    good = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=str(now), body=body)
    verify_request(SIGNING_SECRET, body, str(now), good, now=lambda: now + 299)
    for timestamp, signature, clock, reason in (
        (str(now), good, now + 301, "stale timestamp"),
        (str(now), "v0=deadbeef", now, "bad signature"),
        ("yesterday", good, now, "bad timestamp"),
        (None, good, now, "missing signature headers"),
    ):
        with pytest.raises(SlackRequestRefused, match=reason):
            verify_request(SIGNING_SECRET, body, timestamp, signature, now=lambda c=clock: c)


def test_a_retry_landing_on_another_replica_is_not_answered_again(
    database_url: str, tmp_path: Path
) -> None:
    api = FakeSlackAPI(TOKEN)
    dialogues = [RecordingDialogue(), RecordingDialogue()]
    with LocalHTTPServer(api.answer) as server:
        settings = slack_settings(database_url, tmp_path, server.url)
        apps = [
            create_app(settings, dialogue=d, knowledge=KnowledgeBase(FixedRetriever()))
            for d in dialogues
        ]
        with TestClient(apps[0]) as first, TestClient(apps[1]) as second:
            replica_a = Slack(first, api, dialogues[0])
            replica_b = Slack(second, api, dialogues[1])
            envelope = dm(replica_a, "asked once, delivered twice")
            assert replica_a.post_event(envelope).status_code == 200
            assert replica_b.post_event(envelope, retry=1).status_code == 200
            replica_a.wait_for_posts(1)
    assert len(api.posts) == 1
    assert len(dialogues[0].calls) + len(dialogues[1].calls) == 1
