"""Logs, request ids, HTTP metrics and the audit trail of every mutating call.

Logs are structlog JSON lines carrying ``request_id`` (and ``job_id`` in workers). An API key
is never logged: only its 8-character prefix, and a last-line processor scrubs anything
shaped like a key from every event in case someone logs one by mistake.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from fastapi import FastAPI, Request, Response
from prometheus_client import Gauge, Histogram
from starlette.concurrency import run_in_threadpool

from reelforge.settings import Settings
from reelforge.store import audit

HTTP_SECONDS = Histogram(
    "reelforge_http_request_seconds", "API request latency by route template.",
    ["method", "route", "status"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
JOBS_BY_STATE = Gauge("reelforge_jobs", "Jobs in the database, by state.", ["state"])
QUEUE_DEPTH = Gauge("reelforge_queue_depth", "Messages waiting in the job queue.")

_KEY_SHAPE = re.compile(r"rf_[0-9a-f]{8}_[A-Za-z0-9_\-]{20,}")
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
log = structlog.get_logger("reelforge.server")


def scrub_keys(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    """Replace anything shaped like an API key, in any field, with its prefix."""
    for field, value in list(event.items()):
        if isinstance(value, str) and "rf_" in value:
            event[field] = _KEY_SHAPE.sub(lambda m: m.group(0)[:11] + "…", value)
    return event


def configure_logging(settings: Settings, *, json: bool | None = None) -> None:
    """structlog → stdout; JSON for services (or when asked), readable in a terminal."""
    as_json = json if json is not None else (
        settings.log_format == "json" or (settings.log_format == "auto"
                                          and not sys.stderr.isatty()))
    level = logging.getLevelName(settings.log_level.upper())
    level = level if isinstance(level, int) else logging.INFO
    renderer: Any = (structlog.processors.JSONRenderer() if as_json
                     else structlog.dev.ConsoleRenderer())
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, structlog.processors.add_log_level,
                    structlog.processors.TimeStamper(fmt="iso", utc=True),
                    structlog.processors.format_exc_info, scrub_keys, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def install_middleware(app: FastAPI) -> None:
    @app.middleware("http")
    async def observe(request: Request,
                      call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex[:16]
        request_id = re.sub(r"[^A-Za-z0-9_.-]", "", request_id)[:64] or uuid.uuid4().hex[:16]
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            response.headers["X-Request-ID"] = request_id
            return response
        finally:
            elapsed = time.perf_counter() - started
            route = request.scope.get("route")
            template = getattr(route, "path", "unmatched")
            HTTP_SECONDS.labels(request.method, template, str(status)).observe(elapsed)
            who = getattr(request.state, "principal", None)
            log.info("request", method=request.method, route=template, status=status,
                     ms=round(elapsed * 1000, 2), key=who.key_prefix if who else None,
                     tenant=who.tenant if who else None)
            if request.method in MUTATING and template not in ("unmatched",):
                await run_in_threadpool(_audit, request, template, status)
            structlog.contextvars.unbind_contextvars("request_id")


def _audit(request: Request, template: str, status: int) -> None:
    """Append who/what/when/where for a mutating call (refused ones too)."""
    who = getattr(request.state, "principal", None)
    platform = request.app.state.platform
    try:
        with platform.db.session() as session:
            audit.append(session, tenant_id=who.tenant_id if who else None,
                         actor=f"key:{who.key_prefix}" if who else "anonymous",
                         action=f"{request.method} {template}", target=request.url.path[:256],
                         source=request.client.host if request.client else "",
                         status=status,
                         details={"request_id": structlog.contextvars.get_contextvars().get(
                             "request_id", "")})
    except Exception as exc:
        log.error("audit write failed", error=str(exc))
