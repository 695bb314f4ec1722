"""Tickets from the chat: the ticket form, creating the ticket once, and looking one up."""

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
    latest_intent,
    latest_user_text,
    urgency_of_latest_typed_message,
    urgency_of_text,
    user_events,
)
from actions.escalation import MIN_WORDS_TO_PAGE, EmergencyRoute
from bot.desk import SupportDesk, effective_priority
from bot.sla import SlaTerms, sla_terms
from bot.tickets import TicketRequest, format_ticket_id, parse_ticket_number
from nlu.readable import is_readable
from retrieval.facts import SupportFacts

TICKET_SLOTS = ("ticket_description", "ticket_email", "ticket_confirmed", "ticket_urgency")
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
SKIP = re.compile(r"^\s*(skip|no|none|nope|no thanks|no email|n/?a|-)\s*[.!]*\s*$", re.IGNORECASE)
# "open a ticket", "can you file a bug report for me:" - what is left after it is the problem
TICKET_REQUEST = re.compile(
    r"^\W*(hi|hello|hey)?\W*(please\s+)?((can|could|would) you\s+|i\s*(want|need|would like|'d like)"
    r" to\s+|i\s*(want|need)\s+|let'?s\s+)?(please\s+)?(open|create|file|raise|submit|log|make|start"
    r"|put in|lodge)?\s*(me\s+)?(a|an)?\s*(new\s+)?(support\s+|bug\s+|emergency\s+|urgent\s+)?"
    r"(ticket|case|report|bug report|complaint)(\s+(for|about)\s+(me|this|it|that))?(\s+please)?[\s:,.\-!]*",
    re.IGNORECASE,
)
MIN_DESCRIPTION_WORDS = 3
SKIPPED = "skipped"


def problem_just_before(tracker: Tracker) -> str | None:
    """The user's previous message, when it described a problem (not a question answered
    already, not an earlier ticket's description)."""
    events = user_events(tracker)
    if len(events) < 2:
        return None
    previous = events[-2]
    text = (previous.get("text") or "").strip()
    parse = previous.get("parse_data") or {}
    intent = (parse.get("intent") or {}).get("name")
    urgency = (parse.get("urgency") or {}).get("name")
    if not text or text.startswith("/"):
        return None
    if intent in ("troubleshooting", "error_report") or urgency in ("critical", "high", "medium"):
        return text if len(text.split()) >= MIN_DESCRIPTION_WORDS else None
    return None


def description_in_request(text: str) -> str | None:
    """The problem the user described along with asking for a ticket, if any."""
    match = TICKET_REQUEST.match(text)
    if match is None:
        # not worded as a ticket request: a long message is itself the problem
        return text.strip() if len(text.split()) >= 8 else None
    rest = text[match.end() :].strip()
    return rest if len(rest.split()) >= MIN_DESCRIPTION_WORDS else None


class ValidateTicketForm(FormValidationAction):
    """The ticket form as one small state machine over `requested_slot`: description (taken
    from the request or an earlier message when there is one), e-mail for anonymous users,
    then a confirmation that shows priority and SLA. "cancel" leaves at any point."""

    def __init__(self, facts: SupportFacts, desk: SupportDesk, emergency: EmergencyRoute) -> None:
        self._facts = facts
        self._desk = desk
        self._emergency = emergency

    def name(self) -> str:
        return "validate_ticket_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        asking = tracker.get_slot("requested_slot")
        text = latest_user_text(tracker)
        slots: dict[str, Any] = {}
        if asking is None:
            description = description_in_request(text) or problem_just_before(tracker)
            if description:
                slots.update(self._description(tracker, description))
        elif asking == "ticket_email" and SKIP.match(text):
            slots["ticket_email"] = SKIPPED
        elif asking != "ticket_confirmed" and is_cancel(tracker):
            dispatcher.utter_message(text="OK, I won't open a ticket. Anything else?")
            return self._stop()
        elif (
            asking != "ticket_description"
            and urgency_of_latest_typed_message(tracker) == "critical"
            and len(text.split()) >= MIN_WORDS_TO_PAGE
            and not EMAIL.search(text)
        ):
            await self._emergency.handle(dispatcher, tracker)
            return self._stop()
        elif asking == "ticket_description":
            if len(text.split()) < MIN_DESCRIPTION_WORDS or not is_readable(text):
                dispatcher.utter_message(
                    text="Could you tell me a little more? A sentence or two about what you "
                    "were doing and what went wrong (any error message helps)."
                )
            else:
                slots.update(self._description(tracker, text))
        elif asking == "ticket_email":
            slots["ticket_email"] = self._email(dispatcher, text)
        elif asking == "ticket_confirmed":
            intent = latest_intent(tracker)
            if intent == "affirm":
                slots["ticket_confirmed"] = True
            elif is_cancel(tracker):
                dispatcher.utter_message(text="OK, I haven't opened a ticket. Anything else?")
                return self._stop()
            elif len(text.split()) >= MIN_DESCRIPTION_WORDS and is_readable(text):
                slots.update(self._description(tracker, text))  # a better description
            else:
                dispatcher.utter_message(text="Shall I open it? Please answer yes or no.")
        merged = {**{s: tracker.get_slot(s) for s in TICKET_SLOTS}, **slots}
        if merged["ticket_email"] is None and conversation_of(tracker).user_id:
            slots["ticket_email"] = merged["ticket_email"] = SKIPPED  # the account has one
        next_slot = next(
            (
                s
                for s in ("ticket_description", "ticket_email", "ticket_confirmed")
                if merged[s] is None
            ),
            None,
        )
        return [SlotSet(name, value) for name, value in slots.items()] + [
            SlotSet("requested_slot", next_slot)
        ]

    def _description(self, tracker: Tracker, text: str) -> dict[str, Any]:
        # a changed description must be confirmed again
        return {
            "ticket_description": text[:4000],
            "ticket_urgency": urgency_of_text(tracker, text),
            "ticket_confirmed": None,
        }

    def _email(self, dispatcher: CollectingDispatcher, text: str) -> str | None:
        found = EMAIL.search(text)
        if found and len(found.group(0)) <= 254:
            return found.group(0)
        if SKIP.match(text):
            return SKIPPED
        dispatcher.utter_message(
            text="That doesn't look like an e-mail address. Type it again (name@example.com), "
            "or say skip to follow the ticket here."
        )
        return None

    def _stop(self) -> list[dict[str, Any]]:
        return [SlotSet(name, None) for name in TICKET_SLOTS] + [SlotSet("requested_slot", None)]


def sla_text_for(terms: SlaTerms) -> str:
    return f"Its SLA: {replies.sla_text(terms)}."


def ticket_priority(desk: SupportDesk, tracker: Tracker) -> tuple[str, str | None]:
    urgency = tracker.get_slot("ticket_urgency") or "low"
    return effective_priority(urgency, desk.clock())


class ActionAskTicketConfirmed(Action):
    def __init__(self, facts: SupportFacts, desk: SupportDesk) -> None:
        self._facts = facts
        self._desk = desk

    def name(self) -> str:
        return "action_ask_ticket_confirmed"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        priority, reason = ticket_priority(self._desk, tracker)
        email = tracker.get_slot("ticket_email")
        dispatcher.utter_message(
            text=replies.ticket_summary_text(
                tracker.get_slot("ticket_description") or "",
                sla_terms(self._facts, priority),
                None if email in (None, SKIPPED) else email,
                reason,
            ),
            buttons=[
                {"title": "Yes, open it", "payload": "/affirm"},
                {"title": "No, cancel", "payload": "/deny"},
            ],
        )
        return []


class ActionCreateTicket(Action):
    """Runs after the ticket form; creates the ticket once, however often it is retried."""

    def __init__(self, facts: SupportFacts, desk: SupportDesk) -> None:
        self._facts = facts
        self._desk = desk

    def name(self) -> str:
        return "action_create_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        reset = [SlotSet(name, None) for name in TICKET_SLOTS]
        if tracker.get_slot("ticket_confirmed") is not True:
            return reset
        conversation = conversation_of(tracker)
        priority, reason = ticket_priority(self._desk, tracker)
        critical = priority == "critical"
        email = tracker.get_slot("ticket_email")
        request = TicketRequest(
            channel=conversation.channel,
            sender=conversation.sender,
            description=tracker.get_slot("ticket_description") or "",
            priority=priority,
            user_id=conversation.user_id,
            support_tier=conversation.support_tier,
            intent="create_ticket",
            contact_email=None if email in (None, SKIPPED) else email,
            emergency=critical,
            escalation_reason=reason,
            notify=self._desk.notification_targets() if critical else (),
        )
        if critical:
            # one emergency ticket per conversation: a critical ticket joins the open one
            outcome = await asyncio.to_thread(
                self._desk.raise_emergency,
                conversation,
                request.description,
                reason or "critical urgency (ticket form)",
                request.contact_email,
                request.intent,
            )
        else:
            outcome = await asyncio.to_thread(self._desk.open_ticket, request)
        if outcome.ticket is None:
            dispatcher.utter_message(
                text=replies.emergency_text(self._facts, outcome)
                if critical
                else replies.ticket_kept_text()
            )
            return reset
        self._desk.nudge_deliveries()
        terms = sla_terms(self._facts, outcome.ticket.priority)
        if critical:
            text = replies.emergency_text(self._facts, outcome) + " " + sla_text_for(terms)
        else:
            text = replies.ticket_created_text(outcome.ticket, terms, outcome.created)
        dispatcher.utter_message(
            text=text,
            json_message={
                "ticket_id": outcome.ticket.public_id,
                "priority": outcome.ticket.priority,
                "created": outcome.created,
            },
        )
        return reset


class ActionTicketStatus(Action):
    """Status of a ticket the user owns; anyone else's ticket is simply "not found"."""

    def __init__(self, desk: SupportDesk) -> None:
        self._desk = desk

    def name(self) -> str:
        return "action_ticket_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        conversation = conversation_of(tracker)
        text = latest_user_text(tracker)
        entity = next(
            (
                e.get("value")
                for e in (tracker.latest_message or {}).get("entities", [])
                if e.get("entity") == "ticket_id"
            ),
            None,
        )
        number = parse_ticket_number(str(entity or "")) or parse_ticket_number(text)
        try:
            if number is None:
                tickets = await asyncio.to_thread(self._desk.tickets_of, conversation)
            else:
                ticket = await asyncio.to_thread(self._desk.find_ticket, number, conversation)
        except Exception:  # database down
            dispatcher.utter_message(
                text="Sorry, I can't reach our ticket system right now. Please ask again in a "
                "few minutes."
            )
            return []
        if number is None:
            self._list(dispatcher, text, tickets)
        elif ticket is None:
            dispatcher.utter_message(text=replies.ticket_not_found_text(format_ticket_id(number)))
        else:
            dispatcher.utter_message(
                text=replies.ticket_status_text(ticket),
                json_message={"ticket_id": ticket.public_id, "status": ticket.status},
            )
        return []

    def _list(self, dispatcher: CollectingDispatcher, text: str, tickets: list[Any]) -> None:
        if re.search(r"\bTKT\b|\d{3,}", text, re.IGNORECASE):
            dispatcher.utter_message(
                text="That doesn't look like a ticket number. Ticket numbers are TKT- and six "
                "digits, for example TKT-000123."
            )
            return
        if not tickets:
            dispatcher.utter_message(
                text="I can't find any tickets from you. Give me the number (like TKT-000123), "
                "or I can open a new one.",
                buttons=[replies.TICKET_BUTTON],
            )
            return
        shown = tickets[:5]
        dispatcher.utter_message(
            text="Your latest tickets:",
            buttons=[
                {
                    "title": f"{t.public_id}: {t.status.replace('_', ' ')}",
                    "payload": f"status of {t.public_id}",
                }
                for t in shown
            ],
        )
