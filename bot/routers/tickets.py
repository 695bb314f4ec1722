"""Agent-facing ticket API: look up, list, update, and the SLA compliance report."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from bot.errors import ApiError
from bot.models import Ticket, TicketEvent
from bot.schemas import TicketEventPublic, TicketPublic, TicketUpdate
from bot.tickets import (
    TICKET_ID_PATTERN,
    InvalidTransition,
    TicketNotFound,
    TicketService,
    format_ticket_id,
)


def require_agent(request: Request) -> str:
    """Bearer token from settings until the agent console brings real sign-in."""
    expected = request.app.state.settings.agent_api_token
    if not expected:
        raise ApiError(503, "agent_api_disabled", "Set AGENT_API_TOKEN to use the agent API.")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(
        token.strip().encode(), expected.encode()
    ):
        raise ApiError(
            401,
            "unauthorized",
            "Send the agent token as 'Authorization: Bearer <AGENT_API_TOKEN>'.",
        )
    return "agent"


router = APIRouter(prefix="/api", tags=["tickets"], dependencies=[Depends(require_agent)])


def _service(request: Request) -> TicketService:
    service: TicketService = request.app.state.tickets
    return service


def ticket_number(ticket_id: str) -> int:
    match = TICKET_ID_PATTERN.fullmatch(ticket_id.strip())
    if not match:
        raise ApiError(
            422,
            "invalid_ticket_id",
            f"'{ticket_id[:40]}' is not a ticket id; use TKT- and six digits, e.g. TKT-000123.",
        )
    return int(match.group(1) or match.group(2))


def public(ticket: Ticket, events: list[TicketEvent] | None = None) -> dict[str, Any]:
    fields = {
        name: getattr(ticket, name)
        for name in TicketPublic.model_fields
        if name not in ("id", "events")
    }
    return TicketPublic(
        id=format_ticket_id(ticket.id),
        events=[TicketEventPublic.model_validate(e, from_attributes=True) for e in events or []],
        **fields,
    ).model_dump(mode="json")


@router.get("/tickets/{ticket_id}")
async def get_ticket(ticket_id: str, request: Request) -> dict[str, Any]:
    number = ticket_number(ticket_id)
    service = _service(request)
    try:
        ticket = await run_in_threadpool(service.get, number)
    except TicketNotFound:
        raise ApiError(404, "ticket_not_found", f"No ticket {format_ticket_id(number)}.") from None
    return public(ticket, await run_in_threadpool(service.events, number))


@router.get("/tickets")
async def list_tickets(
    request: Request,
    user_id: str | None = Query(default=None, max_length=128),
    sender: str | None = Query(default=None, max_length=128),
) -> dict[str, Any]:
    if not user_id and not sender:
        raise ApiError(422, "missing_field", "Give user_id (or sender) to list tickets.")
    tickets = await run_in_threadpool(
        lambda: _service(request).list_for(user_id=user_id, sender=sender)
    )
    return {"tickets": [public(t) for t in tickets]}


@router.patch("/tickets/{ticket_id}")
async def update_ticket(
    ticket_id: str, change: TicketUpdate, request: Request, agent: str = Depends(require_agent)
) -> dict[str, Any]:
    number = ticket_number(ticket_id)
    service = _service(request)
    try:
        ticket = await run_in_threadpool(
            lambda: service.update(number, author=agent, status=change.status, note=change.note)
        )
    except TicketNotFound:
        raise ApiError(404, "ticket_not_found", f"No ticket {format_ticket_id(number)}.") from None
    except InvalidTransition as error:
        raise ApiError(409, "invalid_transition", str(error)) from None
    return public(ticket, await run_in_threadpool(service.events, number))


@router.get("/reports/sla")
async def sla_report(request: Request) -> dict[str, Any]:
    now = datetime.now(UTC)
    return await run_in_threadpool(_service(request).sla_report, now)
