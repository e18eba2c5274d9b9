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
from collections.abc import MutableMapping
from typing import Any

import structlog
from fastapi import FastAPI
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


def scrub_keys(_logger: Any, _name: str,
               event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Replace anything shaped like an API key, in any field, with its prefix."""
    for field, value in list(event.items()):
        if isinstance(value, str) and "rf_" in value:
            event[field] = _KEY_SHAPE.sub(lambda m: m.group(0)[:11] + "…", value)
    return event


def _stderr_logger(*_args: Any) -> structlog.PrintLogger:
    """Whatever sys.stderr is now (a test's capture, a redirected stream), not at configure."""
    return structlog.PrintLogger(sys.stderr)


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
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )


class ObserveMiddleware:
    """Pure ASGI (cheaper than BaseHTTPMiddleware): request id, latency metric, one log line,
    and the audit entry of a mutating call, written before the call counts as answered."""

    def __init__(self, app: Any, platform: Any) -> None:
        self.app, self.platform = app, platform

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"x-request-id"),
                     "")
        request_id = re.sub(r"[^A-Za-z0-9_.-]", "", given)[:64] or uuid.uuid4().hex[:16]
        status = 500

        async def send_with_id(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []),
                                      (b"x-request-id", request_id.encode())]
            await send(message)

        structlog.contextvars.bind_contextvars(request_id=request_id)
        # For whoever answers outside this middleware (the crash handler of a 500).
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            template = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            HTTP_SECONDS.labels(method, template, str(status)).observe(elapsed)
            who = scope.get("state", {}).get("principal")
            log.info("request", method=method, route=template, status=status,
                     ms=round(elapsed * 1000, 2), key=who.key_prefix if who else None,
                     tenant=who.tenant if who else None)
            if method in MUTATING and template != "unmatched":
                client = scope.get("client")
                await run_in_threadpool(_audit, self.platform, who, f"{method} {template}",
                                        scope["path"], client[0] if client else "", status,
                                        request_id)
            structlog.contextvars.unbind_contextvars("request_id")


def install_middleware(app: FastAPI) -> None:
    app.add_middleware(ObserveMiddleware, platform=app.state.platform)


def _audit(platform: Any, who: Any, action: str, path: str, source: str, status: int,
           request_id: str) -> None:
    """Append who/what/when/where for a mutating call (refused ones too)."""
    try:
        with platform.db.engine.begin() as connection:
            audit.append(connection, tenant_id=who.tenant_id if who else None,
                         actor=f"key:{who.key_prefix}" if who else "anonymous", action=action,
                         target=path[:256], source=source, status=status,
                         details={"request_id": request_id})
    except Exception as exc:
        log.error("audit write failed", error=str(exc))
