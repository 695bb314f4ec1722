"""Reading what the user said, and how urgent it is, from a Rasa tracker."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

URGENCY_LEVELS = ("critical", "high", "medium", "low")


def latest_urgency(tracker: Tracker) -> str:
    urgency = (tracker.latest_message or {}).get("urgency") or {}
    name = urgency.get("name")
    return name if name in URGENCY_LEVELS else "low"


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
