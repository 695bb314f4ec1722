"""Escalation by urgency: the emergency route, reaching a person, and phone callbacks."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.conversation import (
    conversation_of,
    is_cancel,
    latest_metadata,
    latest_problem,
    latest_user_text,
    urgency_of_latest_typed_message,
)
from bot.desk import SupportDesk
from bot.support_hours import channel_schedule
from connectors.phone import to_e164
from retrieval.facts import SupportFacts

# something that may be a phone number inside a sentence: "call me on +44 20 7946 0958 pls"
PHONE_CANDIDATE = re.compile(r"\+?\(?\d[\d\s().\-]{5,}\d")
# invalid numbers a user may type before being offered another way
MAX_PHONE_RETRIES = 2
# paging the on-call team is costly: a message too short to say what is wrong ("help",
# "stop") gets the emergency line at once, and an emergency ticket once it is described
MIN_WORDS_TO_PAGE = 3


def says_enough_to_page(text: str) -> bool:
    return len(text.split()) >= MIN_WORDS_TO_PAGE


class EmergencyRoute:
    """Money at risk: an emergency ticket, the on-call team alerted, the emergency line shown."""

    def __init__(self, facts: SupportFacts, desk: SupportDesk) -> None:
        self._facts = facts
        self._desk = desk

    async def handle(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, with_buttons: bool = True
    ) -> None:
        conversation = conversation_of(tracker)
        text = latest_user_text(tracker) or "(no text)"
        confidence = ((tracker.latest_message or {}).get("urgency") or {}).get("confidence")
        if not says_enough_to_page(text):
            dispatcher.utter_message(
                text=replies.emergency_text(self._facts)
                + " If that's not what's happening, tell me in a sentence what's wrong.",
                buttons=replies.emergency_buttons() if with_buttons else [],
                json_message={"urgency": "critical", "escalation": "emergency_line"},
            )
            return
        reason = "critical urgency" + (f" (confidence {confidence:.2f})" if confidence else "")
        outcome = await asyncio.to_thread(self._desk.raise_emergency, conversation, text, reason)
        self._desk.nudge_deliveries()
        dispatcher.utter_message(
            text=replies.emergency_text(self._facts, outcome),
            buttons=replies.emergency_buttons() if with_buttons else [],
            json_message={
                "urgency": "critical",
                "escalation": "emergency",
                "ticket_id": outcome.ticket.public_id if outcome.ticket else None,
            },
        )


class ActionRequestHuman(Action):
    """How to reach a person now: live chat and phone, open or closed, for the user's tier."""

    def __init__(self, facts: SupportFacts, desk: SupportDesk, emergency: EmergencyRoute) -> None:
        self._facts = facts
        self._desk = desk
        self._emergency = emergency

    def name(self) -> str:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if urgency_of_latest_typed_message(tracker) == "critical":
            await self._emergency.handle(dispatcher, tracker, with_buttons=False)
        tier = latest_metadata(tracker).get("support_tier")
        now = self._desk.clock()
        buttons = [replies.TICKET_BUTTON]
        if channel_schedule("phone", tier) is not None:
            buttons.insert(0, replies.CALLBACK_BUTTON)
        dispatcher.utter_message(
            text=replies.reach_a_person_text(self._facts, tier, now), buttons=buttons
        )
        return []


def phone_from_text(text: str, locale: str | None) -> str | None:
    """The first valid phone number in the text, in E.164; the locale's country is the default
    for numbers typed without a country code."""
    region = "US"
    if locale and re.fullmatch(r"[a-z]{2}[-_][A-Za-z]{2}", locale):
        region = locale[-2:].upper()
    for candidate in PHONE_CANDIDATE.findall(text):
        number = to_e164(candidate.strip(), region) or to_e164(candidate.strip(), "US")
        if number:
            return number
    return None


class ValidateCallbackForm(FormValidationAction):
    """Asks for the number to call, at most twice more when it is not valid; Bronze has no
    phone support, so it is told what it has instead (the emergency line is open to all)."""

    def __init__(self, facts: SupportFacts) -> None:
        self._facts = facts

    def name(self) -> str:
        return "validate_callback_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        metadata = latest_metadata(tracker)
        text = latest_user_text(tracker)
        asking = tracker.get_slot("requested_slot")
        if asking is None:
            if channel_schedule("phone", metadata.get("support_tier")) is None:
                dispatcher.utter_message(
                    text=replies.no_phone_in_tier_text(self._facts),
                    buttons=[replies.TICKET_BUTTON, replies.HUMAN_BUTTON],
                )
                return [SlotSet("callback_phone", None), SlotSet("requested_slot", None)]
        elif is_cancel(tracker):
            dispatcher.utter_message(text="OK, no callback. Anything else I can help with?")
            return [SlotSet("callback_phone", None), SlotSet("requested_slot", None)]
        number = phone_from_text(text, metadata.get("locale"))
        if number:
            return [SlotSet("callback_phone", number), SlotSet("requested_slot", None)]
        if asking is None:
            return [SlotSet("callback_attempts", 0.0), SlotSet("requested_slot", "callback_phone")]
        attempts = int(tracker.get_slot("callback_attempts") or 0) + 1
        if attempts > MAX_PHONE_RETRIES:
            dispatcher.utter_message(
                text=replies.callback_gave_up_text(self._facts),
                buttons=[replies.TICKET_BUTTON, replies.HUMAN_BUTTON],
            )
            return [SlotSet("callback_phone", None), SlotSet("requested_slot", None)]
        dispatcher.utter_message(text=replies.invalid_phone_text())
        return [
            SlotSet("callback_attempts", float(attempts)),
            SlotSet("requested_slot", "callback_phone"),
        ]


class ActionRequestCallback(Action):
    """After the callback form: queue (or place) the call and say when it will come."""

    def __init__(self, facts: SupportFacts, desk: SupportDesk) -> None:
        self._facts = facts
        self._desk = desk

    def name(self) -> str:
        return "action_request_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        reset = [SlotSet("callback_phone", None), SlotSet("callback_attempts", None)]
        number = tracker.get_slot("callback_phone")
        if not number:
            return reset
        conversation = conversation_of(tracker)
        reason = latest_problem(tracker) or "callback requested in chat"
        try:
            callback = await asyncio.to_thread(
                self._desk.request_callback, conversation, number, reason
            )
        except Exception:  # database down: say so, never pretend a call is booked
            dispatcher.utter_message(
                text=replies.callback_not_booked_text(self._facts),
                buttons=[replies.TICKET_BUTTON],
            )
            return reset
        self._desk.nudge_deliveries()
        schedule = channel_schedule("phone", conversation.support_tier)
        dispatcher.utter_message(
            text=replies.callback_booked_text(self._facts, number, schedule, self._desk.clock()),
            json_message={"callback_id": callback.id, "phone_number": number},
        )
        return reset
