"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from bot.db import ping

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    state = request.app.state
    checks: dict[str, Any] = {
        "rasa": await state.dialogue.status(),
        "kb": state.knowledge.status(),
        "database": await _database_status(state.engine),
    }
    ready = all(check["ok"] for check in checks.values())
    return JSONResponse(status_code=200 if ready else 503, content={"ready": ready, **checks})


async def _database_status(engine: Any) -> dict[str, Any]:
    try:
        await run_in_threadpool(ping, engine)
    except Exception as error:  # any driver error means "not reachable"
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True}
