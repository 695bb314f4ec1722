"""Tickets: created idempotently with SLA due times, looked up by their owner, moved through
their statuses by agents, reported against the SLA."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.models import Notification, Ticket, TicketEvent, utcnow
from bot.sla import PRIORITIES, sla_terms
from retrieval.facts import SupportFacts

STATUSES = ("new", "in_progress", "waiting_for_customer", "resolved", "closed")
NEXT_STATUSES = {
    "new": {"in_progress", "waiting_for_customer", "resolved"},
    "in_progress": {"waiting_for_customer", "resolved"},
    "waiting_for_customer": {"in_progress", "resolved"},
    "resolved": {"closed", "in_progress"},  # reopened when the fix did not hold
    "closed": set(),
}
TICKET_ID_PATTERN = re.compile(r"\bTKT[-\s]?(\d{6})\b|(?<![\d-])(\d{6})(?![\d-])", re.IGNORECASE)
MAX_SUBJECT_CHARS = 80
# an on-call notification with this target is kept in the database for agents, not sent
DATABASE_TARGET = "database"
OPEN_STATUSES = ("new", "in_progress", "waiting_for_customer")


class TicketNotFound(Exception):
    pass


class InvalidTransition(Exception):
    pass


@dataclass(frozen=True)
class TicketRequest:
    channel: str
    sender: str
    description: str
    priority: str
    user_id: str | None = None
    support_tier: str | None = None
    intent: str | None = None
    contact_email: str | None = None
    emergency: bool = False
    escalation_reason: str | None = None
    # on-call targets to notify about this ticket, in the same transaction
    notify: tuple[str, ...] = field(default=())

    def idempotency_key(self) -> str:
        """Same user (or, anonymous, same conversation) + same description = same ticket,
        however often and from however many conversations it is asked."""
        normalised = " ".join(self.description.lower().split())
        owner = f"user\n{self.user_id}" if self.user_id else f"{self.channel}\n{self.sender}"
        raw = f"{owner}\n{normalised}"
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def parse_ticket_number(text: str) -> int | None:
    """The row id from `TKT-000123`, `tkt 000123` or a bare six-digit number; None otherwise."""
    match = TICKET_ID_PATTERN.search(text or "")
    if not match:
        return None
    return int(match.group(1) or match.group(2))


def format_ticket_id(number: int) -> str:
    return f"TKT-{number:06d}"


def subject_from(description: str) -> str:
    first_line = " ".join(description.split())
    if len(first_line) <= MAX_SUBJECT_CHARS:
        return first_line
    return first_line[: MAX_SUBJECT_CHARS - 1].rsplit(" ", 1)[0] + "…"


class TicketService:
    def __init__(
        self,
        session_factory: sessionmaker,
        facts: SupportFacts,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = session_factory
        self._facts = facts
        self._clock = clock

    def create(self, request: TicketRequest) -> tuple[Ticket, bool]:
        """The ticket for this request, and whether it was created now (False = it existed)."""
        if request.priority not in PRIORITIES:
            raise ValueError(f"unknown priority {request.priority!r}")
        key = request.idempotency_key()
        existing = self._by_key(key)
        # the same problem again after its ticket was resolved is a new ticket
        while existing is not None and existing.status not in OPEN_STATUSES:
            key = hashlib.sha256(f"{key}\nafter {existing.id}".encode()).hexdigest()
            existing = self._by_key(key)
        if existing is not None:
            return existing, False
        try:
            return self._insert(request, key), True
        except IntegrityError:
            # another replica or a retried action created it between our look-up and insert
            existing = self._by_key(key)
            if existing is None:
                raise
            return existing, False

    def _insert(self, request: TicketRequest, key: str) -> Ticket:
        now = self._clock()
        first_response_due, resolution_due = sla_terms(self._facts, request.priority).due_times(now)
        with self._sessions.begin() as session:
            ticket = Ticket(
                idempotency_key=key,
                subject=subject_from(request.description),
                description=request.description,
                priority=request.priority,
                status="new",
                channel=request.channel,
                sender=request.sender,
                user_id=request.user_id,
                support_tier=request.support_tier,
                intent=request.intent,
                contact_email=request.contact_email,
                emergency=request.emergency,
                escalation_reason=request.escalation_reason,
                created_at=now,
                updated_at=now,
                first_response_due=first_response_due,
                resolution_due=resolution_due,
            )
            session.add(ticket)
            session.flush()
            session.add(
                TicketEvent(
                    ticket_id=ticket.id,
                    kind="created",
                    to_status="new",
                    note=request.escalation_reason,
                    author="assistant",
                    created_at=now,
                )
            )
            for target in request.notify:
                session.add(
                    Notification(
                        ticket_id=ticket.id,
                        target=target,
                        payload=alert_payload(ticket),
                        status="queued" if target == DATABASE_TARGET else "pending",
                        next_attempt_at=None if target == DATABASE_TARGET else now,
                        created_at=now,
                        updated_at=now,
                    )
                )
        return ticket

    def _by_key(self, key: str) -> Ticket | None:
        with self._sessions() as session:
            return session.scalars(select(Ticket).where(Ticket.idempotency_key == key)).first()

    def get(self, number: int) -> Ticket:
        with self._sessions() as session:
            ticket = session.get(Ticket, number)
        if ticket is None:
            raise TicketNotFound(format_ticket_id(number))
        return ticket

    def find_for_owner(
        self, number: int, *, user_id: str | None, channel: str, sender: str
    ) -> Ticket | None:
        """The ticket only when it belongs to this user (or, anonymous, to this conversation)."""
        with self._sessions() as session:
            ticket = session.get(Ticket, number)
        if ticket is None:
            return None
        if user_id:
            return ticket if ticket.user_id == user_id else None
        return ticket if (ticket.channel, ticket.sender) == (channel, sender) else None

    def open_emergency_for(self, channel: str, sender: str) -> Ticket | None:
        """The conversation's emergency ticket that is still being worked on, if any."""
        with self._sessions() as session:
            return session.scalars(
                select(Ticket)
                .where(
                    Ticket.channel == channel,
                    Ticket.sender == sender,
                    Ticket.emergency.is_(True),
                    Ticket.status.in_(OPEN_STATUSES),
                )
                .order_by(Ticket.id.desc())
            ).first()

    def list_for(self, *, user_id: str | None = None, sender: str | None = None) -> list[Ticket]:
        conditions = []
        if user_id:
            conditions.append(Ticket.user_id == user_id)
        if sender:
            conditions.append(Ticket.sender == sender)
        if not conditions:
            return []
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(Ticket).where(or_(*conditions)).order_by(Ticket.id.desc()).limit(200)
                )
            )

    def events(self, number: int) -> list[TicketEvent]:
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(TicketEvent)
                    .where(TicketEvent.ticket_id == number)
                    .order_by(TicketEvent.id)
                )
            )

    def update(
        self, number: int, *, author: str, status: str | None = None, note: str | None = None
    ) -> Ticket:
        now = self._clock()
        with self._sessions.begin() as session:
            ticket = session.get(Ticket, number, with_for_update=True)
            if ticket is None:
                raise TicketNotFound(format_ticket_id(number))
            changed = status is not None and status != ticket.status
            if changed:
                assert status is not None
                _check_transition(ticket.status, status)
                session.add(_status_event(ticket, status, author, now))
                ticket.status = status
                if status == "resolved":
                    ticket.resolved_at = now
                elif status == "in_progress":
                    ticket.resolved_at = None
                if ticket.first_responded_at is None and author != "assistant":
                    # an agent taking the ticket on (or answering it) is its first response;
                    # internal notes and no-op updates are not
                    ticket.first_responded_at = now
            if note:
                session.add(
                    TicketEvent(
                        ticket_id=ticket.id, kind="note", note=note, author=author, created_at=now
                    )
                )
            if changed or note:
                ticket.updated_at = now
        return ticket

    def sla_report(self, now: datetime | None = None) -> dict[str, Any]:
        """Per priority: tickets, first responses and resolutions met / breached / still open
        within their due time, and compliance (met ÷ decided), as the SLA manager reports it."""
        now = now or self._clock()
        with self._sessions() as session:
            tickets = list(session.scalars(select(Ticket)))
        return {
            "generated_at": now.isoformat(),
            "priorities": {
                p: _compliance([t for t in tickets if t.priority == p], now) for p in PRIORITIES
            },
            "overall": _compliance(tickets, now),
        }


def _check_transition(current: str, wanted: str) -> None:
    if wanted not in STATUSES:
        raise InvalidTransition(f"unknown status {wanted!r}; expected one of {list(STATUSES)}")
    if wanted not in NEXT_STATUSES[current]:
        allowed = sorted(NEXT_STATUSES[current]) or ["none: the ticket is closed"]
        raise InvalidTransition(f"a {current} ticket cannot become {wanted}; allowed: {allowed}")


def _status_event(ticket: Ticket, status: str, author: str, now: datetime) -> TicketEvent:
    return TicketEvent(
        ticket_id=ticket.id,
        kind="status_change",
        from_status=ticket.status,
        to_status=status,
        author=author,
        created_at=now,
    )


def _aware(moment: datetime) -> datetime:
    # SQLite gives naive datetimes back; they were stored as UTC
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _met(done_at: datetime | None, due: datetime, now: datetime) -> str:
    if done_at is not None:
        return "met" if _aware(done_at) <= _aware(due) else "breached"
    return "breached" if now > _aware(due) else "open"


def _compliance(tickets: list[Ticket], now: datetime) -> dict[str, Any]:
    result: dict[str, Any] = {"tickets": len(tickets)}
    for name, outcomes in (
        (
            "first_response",
            [_met(t.first_responded_at, t.first_response_due, now) for t in tickets],
        ),
        ("resolution", [_met(t.resolved_at, t.resolution_due, now) for t in tickets]),
    ):
        met, breached = outcomes.count("met"), outcomes.count("breached")
        result[name] = {
            "met": met,
            "breached": breached,
            "open": outcomes.count("open"),
            "compliance": round(met / (met + breached), 4) if met + breached else None,
        }
    return result


def alert_payload(ticket: Ticket) -> dict[str, Any]:
    return {
        "ticket_id": ticket.public_id,
        "priority": ticket.priority,
        "subject": ticket.subject,
        "summary": ticket.description[:1000],
        "channel": ticket.channel,
        "sender": ticket.sender,
        "reason": ticket.escalation_reason,
    }
