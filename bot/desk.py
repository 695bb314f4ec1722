"""The support desk as the assistant's actions see it: open tickets (kept on disk while the
database is down), raise emergencies, look tickets up for their owner, queue callbacks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from bot.market_hours import market_window_reason
from bot.models import Callback, Ticket, utcnow
from bot.outbound import CallbackRequest, OutboundDeliveries
from bot.pending_tickets import PendingTickets
from bot.sla import raise_one_level
from bot.tickets import TicketRequest, TicketService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Conversation:
    """Who is asking, as the channel identifies them."""

    channel: str
    sender: str
    user_id: str | None = None
    support_tier: str | None = None


@dataclass(frozen=True)
class TicketOutcome:
    ticket: Ticket | None  # None when the request was kept because the database is down
    created: bool
    kept: bool = False


def effective_priority(urgency: str, at: datetime) -> tuple[str, str | None]:
    """Urgency raised one level for a trading-impacting problem (anything above `low`, which is
    questions and how-tos) reported while the market is open or about to be, with the reason."""
    if urgency == "low":
        return urgency, None
    reason = market_window_reason(at)
    if reason is None:
        return urgency, None
    raised = raise_one_level(urgency)
    if raised == urgency:
        return urgency, None
    return raised, f"raised from {urgency} to {raised}: trading-impacting problem {reason}"


class SupportDesk:
    def __init__(
        self,
        tickets: TicketService,
        pending: PendingTickets,
        outbound: OutboundDeliveries,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._tickets = tickets
        self._pending = pending
        self._outbound = outbound
        self.clock = clock

    def open_ticket(self, request: TicketRequest) -> TicketOutcome:
        try:
            ticket, created = self._tickets.create(request)
        except SQLAlchemyError as error:
            log.warning("database unavailable, ticket request kept on disk: %s", error)
            self._pending.keep(request)
            return TicketOutcome(None, created=False, kept=True)
        return TicketOutcome(ticket, created)

    def raise_emergency(
        self,
        conversation: Conversation,
        text: str,
        reason: str,
        contact_email: str | None = None,
        intent: str | None = None,
    ) -> TicketOutcome:
        """One emergency ticket per conversation while it is open; later messages become notes."""
        try:
            existing = self._tickets.open_emergency_for(conversation.channel, conversation.sender)
            if existing is not None:
                self._tickets.update(existing.id, author="assistant", note=f"User: {text}")
                return TicketOutcome(existing, created=False)
        except SQLAlchemyError as error:
            log.warning("database unavailable while raising an emergency: %s", error)
        return self.open_ticket(
            TicketRequest(
                channel=conversation.channel,
                sender=conversation.sender,
                description=text,
                priority="critical",
                user_id=conversation.user_id,
                support_tier=conversation.support_tier,
                intent=intent,
                contact_email=contact_email,
                emergency=True,
                escalation_reason=reason,
                notify=self._outbound.notification_targets(),
            )
        )

    def notification_targets(self) -> tuple[str, ...]:
        return self._outbound.notification_targets()

    def find_ticket(self, number: int, conversation: Conversation) -> Ticket | None:
        return self._tickets.find_for_owner(
            number,
            user_id=conversation.user_id,
            channel=conversation.channel,
            sender=conversation.sender,
        )

    def tickets_of(self, conversation: Conversation) -> list[Ticket]:
        if conversation.user_id:
            return self._tickets.list_for(user_id=conversation.user_id)
        return [
            t
            for t in self._tickets.list_for(sender=conversation.sender)
            if t.channel == conversation.channel
        ]

    def request_callback(
        self, conversation: Conversation, phone_number: str, reason: str
    ) -> Callback:
        return self._outbound.request_callback(
            CallbackRequest(conversation.channel, conversation.sender, phone_number, reason)
        )

    def nudge_deliveries(self) -> None:
        self._outbound.nudge()
