"""Every error the API returns has one shape: ``{"error": {"code", "message", "details"}}``.

ReelforgeError → status is mapped here, once: InputError 400 (422 for request validation),
NotFound 404, QuotaExceeded 429 with Retry-After, ProviderError 502, Canceled 409.
"""

from __future__ import annotations

import math
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from reelforge.errors import (
    Canceled,
    DependencyMissing,
    InputError,
    NotFound,
    ProviderError,
    QuotaExceeded,
    ReelforgeError,
)

log = structlog.get_logger("reelforge.server")


class ErrorDetail(BaseModel):
    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["no job '4f1c…'"])
    details: dict[str, Any] = Field(default_factory=dict, examples=[{"hint": "list your jobs"}])


class ErrorBody(BaseModel):
    """The one error shape of the API."""

    error: ErrorDetail


def error_response(status: int, code: str, message: str, details: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    return JSONResponse(body, status_code=status, headers=headers)


def status_of(exc: ReelforgeError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, QuotaExceeded):
        return 429
    if isinstance(exc, InputError):
        return 400
    if isinstance(exc, ProviderError):
        return 502
    if isinstance(exc, Canceled):
        return 409
    if isinstance(exc, DependencyMissing):
        return 503
    return 500


class Forbidden(ReelforgeError):
    """The key's role may not do this (403)."""

    code = "forbidden"


class Unauthorized(ReelforgeError):
    """No key, or a key that is unknown or revoked (401)."""

    code = "unauthorized"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ReelforgeError)
    async def _reelforge(request: Request, exc: ReelforgeError) -> JSONResponse:
        status = {Forbidden: 403, Unauthorized: 401}.get(type(exc)) or (
            413 if exc.code == "too_large" else status_of(exc))
        details: dict[str, Any] = {}
        if exc.hint:
            details["hint"] = exc.hint
        headers: dict[str, str] = {}
        if isinstance(exc, QuotaExceeded) and exc.retry_after is not None:
            headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
            details["retry_after"] = math.ceil(exc.retry_after)
        if isinstance(exc, ProviderError):
            details.update(provider=exc.provider, retryable=exc.retryable)
        if status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return error_response(status, exc.code, exc.message, details, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()))
        problems = [{"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg")}
                    for e in errors[:20]]
        return error_response(422, "invalid_input", f"invalid {where}: {first.get('msg')}",
                              {"problems": problems, "hint": "see /docs for this route's fields"})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized",
                416: "range_not_satisfiable"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail),
                              headers=dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        # Runs outside the middleware that sets the request id, so it passes the id itself.
        request_id = str(request.scope.get("state", {}).get("request_id") or
                         request.headers.get("x-request-id", ""))[:64]
        log.exception("unhandled error", path=request.url.path, request_id=request_id)
        return error_response(500, "internal", "the server failed; the error is logged with "
                              "this request's id", {"request_id": request_id},
                              headers={"X-Request-ID": request_id} if request_id else None)


#: OpenAPI ``responses`` for routes: every documented error uses ErrorBody.
def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    text = {400: "Invalid input", 401: "Missing or invalid API key", 403: "Role not allowed",
            404: "Not found (also another tenant's id)", 413: "Upload too large",
            416: "Range not satisfiable", 422: "Request validation failed",
            429: "Rate limit, quota or budget exceeded (see Retry-After)",
            502: "A provider failed", 503: "Not ready"}
    return {s: {"model": ErrorBody, "description": text.get(s, "Error")} for s in statuses}
