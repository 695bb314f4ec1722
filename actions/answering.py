"""Actions that answer from the knowledge base, escalate urgent problems and clarify misses."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.conversation import (
    latest_intent,
    latest_metadata,
    latest_user_text,
    previous_user_intent,
    urgency_of_latest_typed_message,
)
from actions.escalation import (
    ActionRequestCallback,
    ActionRequestHuman,
    EmergencyRoute,
    ValidateCallbackForm,
)
from actions.tickets import (
    ActionAskTicketConfirmed,
    ActionCreateTicket,
    ActionTicketStatus,
    ValidateTicketForm,
)
from bot.desk import SupportDesk, effective_priority
from bot.support_hours import channel_schedule
from nlu.readable import is_readable
from retrieval.facts import SupportFacts
from retrieval.retriever import Retriever

INTENT_LABELS = {
    "how_to": "How to do something",
    "configuration": "Change a setting",
    "troubleshooting": "Something isn't working",
    "error_report": "I'm getting an error",
    "general_question": "About support (hours, plans, contacts)",
    "request_human": "Talk to a person",
    "request_callback": "Get a phone call",
    "create_ticket": "Open a support ticket",
    "ticket_status": "Check a ticket",
    "investment_advice": "Investment advice",
    "greet": "Just saying hello",
    "goodbye": "I'm done",
    "thank_you": "Say thanks",
    "bot_challenge": "Am I talking to a bot?",
    "affirm": "Yes",
    "deny": "No",
    "out_of_scope": "Something else",
}

OPEN_NOW = re.compile(
    r"\b(open|available|closed|staffed)\b.*\b(now|today|tonight|at the moment|currently)\b"
    r"|\b(now|currently|still)\b.*\b(open|available|closed)\b"
    r"|\b(call|reach|talk to)\b.*\b(right now|now|at the moment)\b",
    re.IGNORECASE,
)
CHAT_WORDS = re.compile(r"\bchat\b", re.IGNORECASE)
PHONE_WORDS = re.compile(r"\b(phone|call|ring|telephone)\b", re.IGNORECASE)


def channels_asked_open(question: str) -> tuple[str, ...]:
    """The channels a "is it open now?" question asks about; () for any other question."""
    if not OPEN_NOW.search(question):
        return ()
    asked = tuple(
        channel
        for channel, words in (("live_chat", CHAT_WORDS), ("phone", PHONE_WORDS))
        if words.search(question)
    )
    return asked or ("live_chat", "phone")


CURRENT_PAGE = re.compile(r"\b(this|current|that)\s+(page|screen|view|tab|window)\b", re.IGNORECASE)

# what a confused user can be offered; small talk is never a useful guess
SUGGESTIBLE_INTENTS = (
    "how_to",
    "configuration",
    "troubleshooting",
    "error_report",
    "general_question",
    "request_human",
    "request_callback",
    "create_ticket",
    "ticket_status",
)

RetrieverSource = Callable[[], Retriever | None]


def asks_about_support(tracker: Tracker) -> bool:
    """Hours, numbers, prices: a question about the support programme, not a problem report."""
    return latest_intent(tracker) == "general_question"


class ActionAnswerQuestion(Action):
    """Answers a support question from the KB; a critical problem gets the emergency route."""

    def __init__(
        self,
        facts: SupportFacts,
        retriever: RetrieverSource,
        min_score: float,
        desk: SupportDesk,
        emergency: EmergencyRoute,
    ) -> None:
        self._facts = facts
        self._retriever = retriever
        self._min_score = min_score
        self._desk = desk
        self._emergency = emergency

    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        now = self._desk.clock()
        urgency, _ = effective_priority(urgency_of_latest_typed_message(tracker), now)
        if urgency == "critical" and not asks_about_support(tracker):
            await self._emergency.handle(dispatcher, tracker)
            return []
        # a question about support itself ("is live chat open now?") reports no incident, so
        # nobody is paged; the emergency line still comes first in case money is at risk
        lead = replies.emergency_line_note(self._facts) + "\n\n" if urgency == "critical" else ""
        retriever = self._retriever()
        if retriever is None:
            dispatcher.utter_message(
                text="My knowledge base is still loading, so I can't look that up yet. "
                "Please ask again in a minute, or talk to a person.",
                buttons=[replies.TICKET_BUTTON, replies.HUMAN_BUTTON],
            )
            return []
        question = latest_user_text(tracker)
        screen = latest_metadata(tracker).get("current_screen")
        if screen and CURRENT_PAGE.search(question):
            self._contextual_help(dispatcher, retriever, screen)
            return []
        asked = channels_asked_open(question) if asks_about_support(tracker) else ()
        if asked:
            tier = latest_metadata(tracker).get("support_tier")
            lead += replies.open_now_text(self._facts, tier, now, asked) + "\n\n"
        passages = retriever.search(question, k=3, screen=screen)
        good = [p for p in passages if p.score >= self._min_score]
        if not good:
            dispatcher.utter_message(
                text=lead + "I don't have an answer to that in my knowledge base, and I'd rather "
                "not guess. I can open a ticket for you or put you in touch with a person.",
                buttons=[replies.TICKET_BUTTON, replies.HUMAN_BUTTON],
                json_message={"urgency": urgency, "answered": False},
            )
            return []
        best, related = good[0], good[1:3]
        buttons = [{"title": p.title, "payload": p.title} for p in related]
        if urgency == "high":
            buttons = [*high_urgency_buttons(latest_metadata(tracker), now), *buttons]
        dispatcher.utter_message(
            text=lead + replies.passage_text(best),
            buttons=buttons,
            json_message={"urgency": urgency, "answered": True, **replies.sources_payload([best])},
        )
        return []

    def _contextual_help(
        self, dispatcher: CollectingDispatcher, retriever: Retriever, screen: str
    ) -> None:
        articles = retriever.articles_for_screen(screen, k=3)
        label = screen.replace("_", " ")
        link = (self._facts.get("docs.contextual_help") or {}).get(screen)
        text = f"Here is help for the {label} screen."
        if link:
            text += f" The full guide for this screen is at {link}."
        dispatcher.utter_message(
            text=text + " Pick a topic, or ask me your question in your own words.",
            buttons=[{"title": a.title, "payload": a.title} for a in articles],
            json_message={
                "sources": [{"title": a.title, "url": a.url, "score": a.score} for a in articles]
            },
        )


class ActionClarify(Action):
    """First miss: offer the two likeliest intents. Second miss in a row: a ticket or a human."""

    def __init__(self, facts: SupportFacts, emergency: EmergencyRoute) -> None:
        self._facts = facts
        self._emergency = emergency

    def name(self) -> str:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        # an urgent problem is never answered with "did you mean?"
        if urgency_of_latest_typed_message(tracker) == "critical":
            await self._emergency.handle(dispatcher, tracker)
            return []
        if not is_readable(latest_user_text(tracker)):
            dispatcher.utter_message(
                text=replies.unreadable_text(self._facts),
                buttons=[replies.HUMAN_BUTTON],
            )
            return []
        if previous_user_intent(tracker) == "nlu_fallback":
            dispatcher.utter_message(
                text="I'm still not sure what you need. I can open a ticket so the support "
                "team can look at it, or put you in touch with a person.",
                buttons=[replies.TICKET_BUTTON, replies.HUMAN_BUTTON],
            )
            return []
        ranking = (tracker.latest_message or {}).get("intent_ranking") or []
        candidates = [r["name"] for r in ranking if r.get("name") in SUGGESTIBLE_INTENTS][:2]
        dispatcher.utter_message(
            text="Sorry, I'm not sure I understood. Did you mean one of these?",
            buttons=[{"title": INTENT_LABELS[name], "payload": f"/{name}"} for name in candidates],
        )
        return []


def high_urgency_buttons(metadata: dict[str, Any], now: datetime) -> list[replies.Button]:
    """A core function is broken: live chat while it is open, and a callback where the tier
    has phone support."""
    tier = metadata.get("support_tier")
    buttons = []
    live_chat = channel_schedule("live_chat", tier)
    if live_chat is not None and live_chat.is_open(now):
        buttons.append({"title": "Live chat with an agent", "payload": "/request_human"})
    if channel_schedule("phone", tier) is not None:
        buttons.append(replies.CALLBACK_BUTTON)
    return buttons or [replies.TICKET_BUTTON]


def build_actions(
    facts: SupportFacts, retriever: RetrieverSource, min_score: float, desk: SupportDesk
) -> list[Action]:
    emergency = EmergencyRoute(facts, desk)
    return [
        ActionAnswerQuestion(facts, retriever, min_score, desk, emergency),
        ActionClarify(facts, emergency),
        ActionRequestHuman(facts, desk, emergency),
        ValidateCallbackForm(facts),
        ActionRequestCallback(facts, desk),
        ValidateTicketForm(facts, desk, emergency),
        ActionAskTicketConfirmed(facts, desk),
        ActionCreateTicket(facts, desk),
        ActionTicketStatus(desk),
    ]
