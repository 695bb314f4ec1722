"""Building Rasa action-server calls the way Rasa sends them, and running them through
rasa_sdk's executor against the real actions."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rasa_sdk.executor import ActionExecutor

from actions.answering import build_actions
from bot.db import create_schema, make_engine, make_session_factory
from bot.desk import SupportDesk
from bot.outbound import OutboundDeliveries
from bot.pending_tickets import PendingTickets
from bot.tickets import TicketService
from connectors.oncall import OnCallNotifier
from connectors.phone import PhoneCallbacks
from retrieval.facts import SupportFacts
from retrieval.retriever import Retriever

ROOT = Path(__file__).resolve().parent.parent
FACTS = SupportFacts.load(ROOT / "data" / "support_facts.yml")
# a Saturday: markets shut, so urgency is not raised by market hours
SATURDAY_NOON = datetime(2026, 12, 5, 17, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = SATURDAY_NOON) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def make_desk(
    database_url: str,
    spool: Path,
    clock: Clock,
    phone: PhoneCallbacks | None = None,
    notifiers: list[OnCallNotifier] | None = None,
) -> tuple[SupportDesk, OutboundDeliveries, TicketService]:
    engine = make_engine(database_url)
    create_schema(engine)
    sessions = make_session_factory(engine)
    tickets = TicketService(sessions, FACTS, clock)
    outbound = OutboundDeliveries(
        sessions, phone=phone, notifiers=notifiers, clock=clock, retry_base_seconds=1
    )
    return SupportDesk(tickets, PendingTickets(spool), outbound, clock), outbound, tickets


def user_event(
    text: str,
    intent: str,
    urgency: str = "low",
    ranking: list[str] | None = None,
    screen: str | None = None,
    **metadata: Any,
) -> dict[str, Any]:
    names = ranking or [intent]
    if screen:
        metadata["current_screen"] = screen
    return {
        "event": "user",
        "text": text,
        "metadata": metadata,
        "parse_data": {
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "intent_ranking": [
                {"name": n, "confidence": 0.9 - i * 0.1} for i, n in enumerate(names)
            ],
            "urgency": {"name": urgency, "confidence": 0.8},
            "entities": [],
            "metadata": metadata,
        },
    }


class ActionRunner:
    """Runs actions for one conversation; slots persist between calls as in Rasa."""

    def __init__(
        self,
        desk: SupportDesk,
        retriever: Retriever | None = None,
        sender_id: str = "widget:sender-aaaaaaaaaaaaaaaa",
    ) -> None:
        self.executor = ActionExecutor()
        for action in build_actions(FACTS, lambda: retriever, 0.45, desk):
            self.executor.register_action(action)
        self.sender_id = sender_id
        self.events: list[dict[str, Any]] = []
        self.slots: dict[str, Any] = {}

    def say(self, event: dict[str, Any]) -> None:
        self.events.append(event)

    def run(self, action: str) -> dict[str, Any]:
        latest = next(e for e in reversed(self.events) if e["event"] == "user")
        tracker = {
            "sender_id": self.sender_id,
            "slots": dict(self.slots),
            "latest_message": latest["parse_data"],
            "events": list(self.events),
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
        call = {"next_action": action, "tracker": tracker, "domain": DOMAIN, "version": "3.6.21"}
        result = asyncio.run(self.executor.run(call))
        body = result.model_dump() if result else {"events": [], "responses": []}
        for event in body["events"]:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]
        return body

    def texts(self, body: dict[str, Any]) -> str:
        return "\n".join(r.get("text") or "" for r in body["responses"])


def _domain() -> dict[str, Any]:
    import yaml

    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


DOMAIN = _domain()
