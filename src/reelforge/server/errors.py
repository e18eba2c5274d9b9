"""Every error the API returns has one shape: ``{"error": {"code", "message", "details"}}``.

The status, details and headers come from the error class itself (``reelforge/errors.py``);
this module only adds the shapes of the web framework's own errors (request validation 422,
unknown routes 404, wrong methods 405).
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from reelforge.errors import Forbidden, ReelforgeError, Unauthorized, error_body

__all__ = ["ErrorBody", "Forbidden", "Unauthorized", "error_response", "error_responses",
           "install_error_handlers"]

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


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ReelforgeError)
    async def _reelforge(request: Request, exc: ReelforgeError) -> JSONResponse:
        body = error_body(exc)
        return error_response(exc.http_status, body["code"], body["message"], body["details"],
                              exc.headers())

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
        log.exception("unhandled error", path=request.url.path)
        return error_response(500, "internal", "the server failed; the error is logged with "
                              "this request's id", {"request_id": request.headers.get(
                                  "x-request-id", "")})


#: OpenAPI ``responses`` for routes: every documented error uses ErrorBody.
def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    text = {400: "Invalid input", 401: "Missing or invalid API key", 403: "Role not allowed",
            404: "Not found (also another tenant's id)", 413: "Upload too large",
            416: "Range not satisfiable", 422: "Request validation failed",
            429: "Rate limit, quota or budget exceeded (see Retry-After)",
            502: "A provider failed", 503: "Not ready"}
    return {s: {"model": ErrorBody, "description": text.get(s, "Error")} for s in statuses}
