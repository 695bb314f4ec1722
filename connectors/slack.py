"""Slack: Events API messages (DMs and mentions) and Block Kit button clicks, answered in
thread through the Web API (slack_sdk)."""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier

from bot.channel_state import ChannelState
from bot.conversations import ConversationPipeline, MessageRejected, unavailable_text
from bot.dialogue import DialogueUnavailable
from connectors.oncall import slack_escape
from connectors.text_split import split_text
from retrieval.facts import SupportFacts

log = logging.getLogger(__name__)

CHANNEL = "slack"
# Slack's own replay window for signed requests
MAX_REQUEST_AGE_SECONDS = 5 * 60
SECTION_LIMIT = 3000
MAX_BUTTONS = 25
BUTTON_VALUE_LIMIT = 2000
IGNORED_SUBTYPES = frozenset(
    {"message_changed", "message_deleted", "bot_message", "channel_join", "channel_leave"}
)
MENTION = re.compile(r"<@[A-Z0-9]+>")


class SlackRequestRefused(Exception):
    """A request that did not come from Slack (or came too late to trust)."""


def verify_request(
    signing_secret: str,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    now: Callable[[], float] = time.time,
) -> None:
    """Raises SlackRequestRefused naming why: missing headers, a stale timestamp (a replay
    older than five minutes) or a bad signature."""
    if not timestamp or not signature:
        raise SlackRequestRefused("missing signature headers")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise SlackRequestRefused("bad timestamp") from None
    if abs(now() - sent_at) > MAX_REQUEST_AGE_SECONDS:
        raise SlackRequestRefused("stale timestamp")
    expected = SignatureVerifier(signing_secret).generate_signature(timestamp=timestamp, body=body)
    if expected is None or not hmac.compare_digest(expected, signature):
        raise SlackRequestRefused("bad signature")


def blocks_for(message: dict[str, Any], action_prefix: str) -> list[dict[str, Any]]:
    """A Rasa message as Block Kit: escaped text sections, sources as links, buttons."""
    blocks: list[dict[str, Any]] = []
    text = message.get("text") or ""
    for piece in split_text(text, SECTION_LIMIT, lambda t: len(slack_escape(t))):
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": slack_escape(piece)}})
    sources = (message.get("custom") or {}).get("sources") or []
    if sources:
        links = ", ".join(
            f"<{s['url']}|{slack_escape(s['title'])}>" for s in sources if s.get("url")
        )
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Source: {links}"}]}
        )
    buttons = (message.get("buttons") or [])[:MAX_BUTTONS]
    if buttons:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": b["title"][:75]},
                        "value": b["payload"][:BUTTON_VALUE_LIMIT],
                        "action_id": f"{action_prefix}{index}",
                    }
                    for index, b in enumerate(buttons)
                ],
            }
        )
    return blocks


class SlackChannel:
    def __init__(
        self,
        token: str,
        signing_secret: str,
        pipeline: ConversationPipeline,
        state: ChannelState,
        facts: SupportFacts,
        *,
        api_url: str | None = None,
    ) -> None:
        base = (api_url.rstrip("/") + "/") if api_url else WebClient.BASE_URL
        self.client = WebClient(token=token, base_url=base)
        self.signing_secret = signing_secret
        self._pipeline = pipeline
        self._state = state
        self._facts = facts
        self.bot_user_id: str | None = None
        self.bot_id: str | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        try:
            identity = await asyncio.to_thread(self.client.auth_test)
        except SlackApiError as error:
            log.error(
                "Slack auth.test failed (%s); check SLACK_BOT_TOKEN", error.response.get("error")
            )
            return
        except Exception as error:  # unreachable API: our own messages are still told by bot_id
            log.error("Slack auth.test failed: %s", error)
            return
        self.bot_user_id = identity.get("user_id")
        self.bot_id = identity.get("bot_id")

    async def stop(self) -> None:
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=10)

    def verify(self, body: bytes, timestamp: str | None, signature: str | None) -> None:
        verify_request(self.signing_secret, body, timestamp, signature)

    def in_background(self, work: Any) -> None:
        """Slack wants an answer within 3 seconds; the reply is posted afterwards."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def first_sighting(self, event_id: str) -> bool:
        return await asyncio.to_thread(self._state.first_sighting, CHANNEL, event_id)

    def wanted(self, event: dict[str, Any]) -> bool:
        """DMs and mentions from people; not bots, not us, not edits or deletions."""
        if event.get("bot_id") or event.get("subtype") in IGNORED_SUBTYPES:
            return False
        if event.get("subtype"):
            return False  # joins, topic changes, file shares without text...
        user = event.get("user")
        if not user or user == self.bot_user_id:
            return False
        if event.get("type") == "app_mention":
            return True
        # a mention in a channel also arrives as a plain message event: answer it once
        return event.get("type") == "message" and event.get("channel_type") == "im"

    async def handle_event(self, event: dict[str, Any]) -> None:
        text = MENTION.sub("", event.get("text") or "").strip()
        thread = event.get("thread_ts") or event.get("ts")
        await self._converse(event["channel"], event["user"], text, thread)

    async def handle_action(self, interaction: dict[str, Any]) -> None:
        actions = interaction.get("actions") or []
        user = (interaction.get("user") or {}).get("id")
        channel = (interaction.get("channel") or {}).get("id")
        container = interaction.get("container") or {}
        message = interaction.get("message") or {}
        thread = container.get("thread_ts") or message.get("thread_ts") or message.get("ts")
        if not actions or not user or not channel:
            return
        value = actions[0].get("value") or ""
        await self._converse(channel, user, value, thread)

    async def _converse(self, channel: str, user: str, text: str, thread: str | None) -> None:
        try:
            messages = await self._pipeline.handle(CHANNEL, f"{channel}:{user}", text, {})
        except MessageRejected as rejected:
            messages = [{"text": rejected.detail}]
        except DialogueUnavailable:
            messages = [{"text": unavailable_text(self._facts)}]
        for index, message in enumerate(messages):
            blocks = blocks_for(message, action_prefix=f"dto_{index}_")
            fallback = (message.get("text") or "Here are some options.")[:3000]
            try:
                await asyncio.to_thread(
                    self.client.chat_postMessage,
                    channel=channel,
                    text=slack_escape(fallback),
                    blocks=blocks,
                    thread_ts=thread,
                )
            except SlackApiError as error:
                log.error("Slack chat.postMessage failed: %s", error.response.get("error"))
                return
            except Exception as error:
                log.error("Slack chat.postMessage failed: %s", error)
                return
