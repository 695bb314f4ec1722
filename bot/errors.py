"""Every error leaves the gateway as JSON `{"error", "detail"}` with no stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status_code: int, error: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.error = error
        self.detail = detail
        self.extra = extra


def error_response(status_code: int, error: str, detail: str, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"error": error, "detail": detail, **extra}
    return JSONResponse(status_code=status_code, content=body)


def _describe_validation(error: RequestValidationError) -> tuple[str, str]:
    problems = error.errors()
    first = problems[0] if problems else {}
    kind = str(first.get("type", ""))
    if kind == "json_invalid":
        return "invalid_json", "The request body is not valid JSON."
    location = [str(part) for part in first.get("loc", ()) if part != "body"]
    field = ".".join(location) or "body"
    if field == "body" and kind == "missing":
        return "invalid_body", "The request body is empty; send a JSON object."
    if field == "body" and (kind == "model_attributes_type" or kind.endswith("_type")):
        if isinstance(first.get("input"), str | bytes):
            return (
                "invalid_body",
                "The request body must be a JSON object sent with Content-Type: application/json.",
            )
        return "invalid_body", "The request body must be a JSON object."
    if kind == "model_attributes_type":
        return "invalid_field", f"The field '{field}' must be a JSON object."
    if kind == "missing":
        return "missing_field", f"The field '{field}' is required."
    return "invalid_field", f"The field '{field}' is invalid: {first.get('msg', 'bad value')}."


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status_code, exc.error, exc.detail, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        error, detail = _describe_validation(exc)
        return error_response(
            400 if error in ("invalid_json", "invalid_body") else 422, error, detail
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        names = {400: "invalid_json", 404: "not_found", 405: "method_not_allowed"}
        return error_response(
            exc.status_code, names.get(exc.status_code, "http_error"), str(exc.detail)
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return error_response(
            500, "internal_error", "Something went wrong on our side; it has been logged."
        )
