"""Rasa's action-server webhook protocol, served by the gateway with rasa_sdk's executor."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import (
    ActionExecutionRejection,
    ActionMissingDomainException,
    ActionNotFoundException,
)

log = logging.getLogger(__name__)

router = APIRouter(tags=["actions"])


@router.post("/webhook")
async def run_action(request: Request) -> JSONResponse:
    expected_token = request.app.state.settings.action_endpoint_token
    if expected_token and not secrets.compare_digest(
        request.query_params.get("token", "").encode(), expected_token.encode()
    ):
        return JSONResponse({"error": "missing or wrong action endpoint token"}, status_code=401)
    executor: ActionExecutor = request.app.state.action_executor
    try:
        action_call = await request.json()
    except ValueError:
        return JSONResponse({"error": "Invalid body request"}, status_code=400)
    if not isinstance(action_call, dict):
        return JSONResponse({"error": "Invalid body request"}, status_code=400)
    try:
        result = await executor.run(action_call)
    except ActionExecutionRejection as error:
        return JSONResponse({"error": error.message, "action_name": error.action_name}, 400)
    except ActionNotFoundException as error:
        log.error("unknown action requested: %s", error.action_name)
        return JSONResponse({"error": error.message, "action_name": error.action_name}, 404)
    except ActionMissingDomainException as error:
        return JSONResponse({"error": error.message, "action_name": error.action_name}, 449)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        # a malformed action call (no tracker, wrong types); Rasa itself never sends one
        log.warning("malformed action call: %s: %s", type(error).__name__, error)
        return JSONResponse({"error": f"malformed action call ({type(error).__name__})"}, 400)
    return JSONResponse(result.model_dump() if result else None)


@router.get("/actions")
async def list_actions(request: Request) -> list[dict[str, Any]]:
    executor: ActionExecutor = request.app.state.action_executor
    return [item.model_dump() for item in executor.list_actions()]
