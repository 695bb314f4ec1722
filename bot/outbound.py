"""Delivering what the assistant promised: phone callbacks and on-call notifications, stored
first and sent after, retried with backoff, so a failing connector never loses a request."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from bot.models import Callback, Notification, utcnow
from bot.pending_tickets import PendingTickets
from bot.tickets import DATABASE_TARGET, TicketService
from connectors.base import ConnectorError
from connectors.oncall import OnCallAlert, OnCallNotifier
from connectors.phone import CallbackCall, PhoneCallbacks
from connectors.retry import MAX_ATTEMPTS, backoff_delay

log = logging.getLogger(__name__)

# where a callback waits when no telephony API is configured: agents call back from the queue
QUEUE_TARGET = "queue"
BATCH_SIZE = 20


@dataclass(frozen=True)
class CallbackRequest:
    channel: str
    sender: str
    phone_number: str  # E.164
    reason: str
    ticket_id: int | None = None


class OutboundDeliveries:
    def __init__(
        self,
        session_factory: sessionmaker,
        *,
        phone: PhoneCallbacks | None = None,
        notifiers: list[OnCallNotifier] | None = None,
        clock: Callable[[], datetime] = utcnow,
        retry_base_seconds: float = 30.0,
    ) -> None:
        self._sessions = session_factory
        self._phone = phone
        self._notifiers = {n.name: n for n in notifiers or []}
        self._clock = clock
        self._retry_base = retry_base_seconds
        self._wake = asyncio.Event()

    def notification_targets(self) -> tuple[str, ...]:
        """Whom an emergency is sent to; with nothing configured it is kept in the database."""
        return tuple(self._notifiers) or (DATABASE_TARGET,)

    def request_callback(self, request: CallbackRequest) -> Callback:
        now = self._clock()
        target = self._phone.name if self._phone else QUEUE_TARGET
        with self._sessions.begin() as session:
            callback = Callback(
                ticket_id=request.ticket_id,
                channel=request.channel,
                sender=request.sender,
                phone_number=request.phone_number,
                reason=request.reason,
                target=target,
                status="pending" if self._phone else "queued",
                next_attempt_at=now if self._phone else None,
                created_at=now,
                updated_at=now,
            )
            session.add(callback)
        return callback

    def nudge(self) -> None:
        """Deliver now instead of at the next poll (call from the event loop)."""
        self._wake.set()

    def deliver_due(self) -> int:
        """One pass over everything due; returns how many deliveries succeeded."""
        delivered = 0
        for model, send in ((Notification, self._send_notification), (Callback, self._call)):
            for row_id in self._due_ids(model):
                delivered += self._attempt(model, row_id, send)
        return delivered

    def _due_ids(self, model: type[Callback] | type[Notification]) -> list[int]:
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(model.id)
                    .where(model.status == "pending", model.next_attempt_at <= self._clock())
                    .order_by(model.id)
                    .limit(BATCH_SIZE)
                )
            )

    def _attempt(
        self,
        model: type[Callback] | type[Notification],
        row_id: int,
        send: Callable[[Callback | Notification], str],
    ) -> int:
        with self._sessions.begin() as session:
            # a row another replica is sending right now is skipped, not sent twice
            row = session.scalars(
                select(model)
                .where(model.id == row_id, model.status == "pending")
                .with_for_update(skip_locked=True)
            ).first()
            if row is None:
                return 0
            now = self._clock()
            row.attempts += 1
            row.updated_at = now
            try:
                row.reference = send(row)
            except ConnectorError as error:
                row.last_error = str(error)[:500]
                if error.retryable and row.attempts < MAX_ATTEMPTS:
                    delay = backoff_delay(row.attempts, self._retry_base)
                    row.next_attempt_at = now + timedelta(seconds=delay)
                    log.warning(
                        "%s %s failed, retrying in %.0f s: %s", model.__name__, row_id, delay, error
                    )
                else:
                    row.status = "failed"
                    row.next_attempt_at = None
                    log.error("%s %s failed for good: %s", model.__name__, row_id, error)
                return 0
            row.status = "sent"
            row.next_attempt_at = None
            row.last_error = None
            return 1

    def _send_notification(self, row: Callback | Notification) -> str:
        assert isinstance(row, Notification)
        notifier = self._notifiers.get(row.target)
        if notifier is None:
            raise ConnectorError(f"no on-call target named {row.target!r} is configured", False)
        payload = row.payload
        return notifier.notify(
            OnCallAlert(
                ticket_id=payload["ticket_id"],
                priority=payload["priority"],
                subject=payload["subject"],
                summary=payload["summary"],
                channel=payload["channel"],
                sender=payload["sender"],
                reason=payload.get("reason"),
            )
        )

    def _call(self, row: Callback | Notification) -> str:
        assert isinstance(row, Callback)
        if self._phone is None or row.target != self._phone.name:
            raise ConnectorError(f"no phone connector named {row.target!r} is configured", False)
        ticket = f"TKT-{row.ticket_id:06d}" if row.ticket_id else None
        return self._phone.place_call(CallbackCall(row.phone_number, ticket, row.reason))

    async def run_forever(
        self, poll_seconds: float, pending: PendingTickets, tickets: TicketService
    ) -> None:
        """Background loop of the gateway: kept ticket requests first, then deliveries."""
        while True:
            try:
                created = await asyncio.to_thread(pending.create_all, tickets)
                if created:
                    log.info("created %d ticket(s) kept while the database was down", created)
                await asyncio.to_thread(self.deliver_due)
            except SQLAlchemyError as error:
                log.warning("outbound deliveries paused, database unavailable: %s", error)
            except Exception:  # the loop must outlive any one bad row
                log.exception("outbound delivery pass failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=poll_seconds)
