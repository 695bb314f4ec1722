"""Reading what the user said, and how urgent it is, from a Rasa tracker."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker

from bot.desk import Conversation

URGENCY_LEVELS = ("critical", "high", "medium", "low")


def latest_urgency(tracker: Tracker) -> str:
    urgency = (tracker.latest_message or {}).get("urgency") or {}
    name = urgency.get("name")
    return name if name in URGENCY_LEVELS else "low"


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def user_events(tracker: Tracker) -> list[dict[str, Any]]:
    return [event for event in tracker.events if event.get("event") == "user"]


def latest_user_text(tracker: Tracker) -> str:
    """The user's latest typed words, skipping button payloads such as `/how_to`."""
    for event in reversed(user_events(tracker)):
        text = (event.get("text") or "").strip()
        if text and not text.startswith("/"):
            return text
    return ""


def urgency_of_latest_typed_message(tracker: Tracker) -> str:
    """Urgency of what the user typed; a button click carries none of its own."""
    for event in reversed(user_events(tracker)):
        text = (event.get("text") or "").strip()
        if text and not text.startswith("/"):
            urgency = (event.get("parse_data") or {}).get("urgency") or {}
            name = urgency.get("name")
            return name if name in URGENCY_LEVELS else "low"
    return latest_urgency(tracker)


def previous_user_intent(tracker: Tracker) -> str | None:
    """Intent of the user message before the latest one."""
    events = user_events(tracker)
    if len(events) < 2:
        return None
    return ((events[-2].get("parse_data") or {}).get("intent") or {}).get("name")


def latest_metadata(tracker: Tracker) -> dict[str, Any]:
    """Metadata the channel sent with the latest user message (screen, tier, locale...)."""
    metadata = (tracker.latest_message or {}).get("metadata")
    if not metadata:
        events = user_events(tracker)
        metadata = events[-1].get("metadata") if events else None
    return metadata if isinstance(metadata, dict) else {}


PROBLEM_INTENTS = frozenset(
    {"troubleshooting", "error_report", "how_to", "configuration", "general_question"}
)
# the whole message is a way out ("stop" alone, not "stop loss isn't triggering")
CANCEL = re.compile(
    r"^\W*(cancel|stop|never ?mind|forget (it|that)|no thanks|abort|quit|exit)"
    r"( it| that| this| please)?\W*$",
    re.IGNORECASE,
)
MAX_DENY_WORDS = 3


def conversation_of(tracker: Tracker) -> Conversation:
    """Channel and sender from the gateway's `channel:sender` id, with user id and tier."""
    channel, _, sender = tracker.sender_id.partition(":")
    if not sender:
        channel, sender = "rest", tracker.sender_id
    metadata = latest_metadata(tracker)
    user_id = metadata.get("user_id")
    tier = metadata.get("support_tier")
    return Conversation(
        channel=str(metadata.get("channel") or channel),
        sender=sender,
        user_id=str(user_id) if user_id else None,
        support_tier=str(tier) if tier else None,
    )


def is_cancel(tracker: Tracker) -> bool:
    """The user wants out of what is being asked ("cancel", "never mind", the No button)."""
    intent = latest_intent(tracker)
    text = (tracker.latest_message or {}).get("text") or ""
    if CANCEL.match(text):
        return True
    return intent == "deny" and len(text.split()) <= MAX_DENY_WORDS


def latest_problem(tracker: Tracker, skip_latest: bool = False) -> str | None:
    """The last thing the user typed that describes a problem or question."""
    events = user_events(tracker)
    if skip_latest:
        events = events[:-1]
    for event in reversed(events):
        text = (event.get("text") or "").strip()
        parse = event.get("parse_data") or {}
        intent = (parse.get("intent") or {}).get("name")
        urgency = (parse.get("urgency") or {}).get("name")
        if (
            text
            and not text.startswith("/")
            and (intent in PROBLEM_INTENTS or urgency in ("critical", "high", "medium"))
        ):
            return text
    return None


def urgency_of_text(tracker: Tracker, text: str) -> str:
    """Urgency Rasa gave the latest user message this text comes from."""
    for event in reversed(user_events(tracker)):
        if text.strip() and text.strip() in (event.get("text") or ""):
            name = ((event.get("parse_data") or {}).get("urgency") or {}).get("name")
            return name if name in URGENCY_LEVELS else "low"
    return "low"
