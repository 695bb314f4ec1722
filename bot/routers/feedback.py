"""Was this answer helpful? From the widget; the summary is for the content writers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from bot.errors import ApiError
from bot.feedback import FeedbackStore
from bot.routers.tickets import require_agent
from bot.schemas import FeedbackCreate
from bot.tickets import TICKET_ID_PATTERN

router = APIRouter(prefix="/api", tags=["feedback"])


@router.post("/feedback", status_code=201)
async def give_feedback(body: FeedbackCreate, request: Request) -> JSONResponse:
    sender = body.sender.strip()
    if not sender:
        raise ApiError(422, "invalid_sender", "The field 'sender' must not be empty.")
    ticket = None
    if body.ticket_id:
        match = TICKET_ID_PATTERN.fullmatch(body.ticket_id.strip())
        if not match:
            raise ApiError(422, "invalid_ticket_id", "Use TKT- and six digits, e.g. TKT-000123.")
        ticket = int(match.group(1) or match.group(2))
    store: FeedbackStore = request.app.state.feedback
    await run_in_threadpool(
        store.record, "widget", sender, body.helpful, body.about, body.comment, ticket
    )
    return JSONResponse({"ok": True}, status_code=201)


@router.get("/reports/feedback", dependencies=[Depends(require_agent)])
async def feedback_report(request: Request) -> dict[str, Any]:
    store: FeedbackStore = request.app.state.feedback
    return {"articles": await run_in_threadpool(store.summary)}
