"""What every fake server shares: knobs, request counters, and fault injection.

A fault is planned per route (``state.inject("POST /v0/tts", "429", times=2)``, or over HTTP with
``POST /_fake/faults``) or asked for by one request with the ``X-Fake-Fault`` header. Kinds:
``429`` (with Retry-After), ``500``/``502``/``503``/``504``, ``slow`` (take the whole request, then
wait ``slow_response_s`` before working: a client that gives up meanwhile is still billed, as by a
real provider), ``drop`` (close the connection mid-reply), ``malformed`` (broken JSON), ``truncate``
(a download cut short), plus service-specific ones (``task-error`` for Runware,
``refusal``/``invalid-output`` for OpenAI chat, ``expired-token`` for Spotify). An unknown
kind is an error wherever it is planned, never silently ignored.
"""

from __future__ import annotations

import asyncio
import math
import re
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from reelforge.errors import InputError
from reelforge.settings import Settings

FAULT_HEADER = "x-fake-fault"
HTTP_FAULTS = ("429", "500", "502", "503", "504", "slow", "drop", "malformed")
#: Faults one service's handlers act on (``service_fault``).
SERVICE_FAULTS = ("truncate", "drop-after", "task-error", "task-error-top", "refusal",
                  "invalid-output", "expired-token")
FAULT_KINDS = HTTP_FAULTS + SERVICE_FAULTS
_TIMES = re.compile(r"^(?P<kind>.+?)x(?P<times>\d+)$")


def check_fault_kind(kind: str) -> str:
    """``kind`` if a fake knows it; else a clear error listing the kinds that exist."""
    if kind not in FAULT_KINDS:
        raise InputError(f"unknown fault kind {kind!r}",
                         hint=f"use one of {', '.join(FAULT_KINDS)}")
    return kind


@dataclass
class FakeConfig:
    """Knobs of the fakes. Tests make the waits tiny; ``api_key=None`` accepts any key."""

    api_key: str | None = None
    task_delay_s: float = 1.0
    retry_after_s: float = 1.0
    slow_response_s: float = 5.0
    spotify_search_max_limit: int = 10
    audio_features_status: int = 403
    token_expires_in_s: int = 3600
    faults: tuple[tuple[str, str, str, int], ...] = ()  # (service, route, kind, times)

    @classmethod
    def from_settings(cls, settings: Settings, *, api_key: str | None = None) -> FakeConfig:
        return cls(
            api_key=api_key,
            task_delay_s=settings.fake_task_delay_s,
            retry_after_s=settings.fake_retry_after_s,
            slow_response_s=settings.fake_slow_response_s,
            spotify_search_max_limit=settings.spotify_search_max_limit,
            audio_features_status=settings.fake_audio_features_status,
            faults=parse_fault_plan(settings.fake_faults),
        )


def parse_fault_plan(text: str) -> tuple[tuple[str, str, str, int], ...]:
    """``service:ROUTE=kind[xN]`` items separated by ``;`` → (service, route, kind, times).

    The count is an ``x`` followed by digits at the very end, so kinds that contain an ``x``
    (``expired-token``) read whole.
    """
    plan = []
    for item in filter(None, (part.strip() for part in text.split(";"))):
        service, _, rest = item.partition(":")
        route, _, fault = rest.rpartition("=")
        fault = fault.strip()
        counted = _TIMES.match(fault)
        kind, times = (counted["kind"], int(counted["times"])) if counted else (fault, 1)
        if not service.strip() or not route.strip() or not kind or times < 1:
            raise InputError(f"cannot read the fault {item!r}",
                             hint="write service:ROUTE=kind[xN], e.g. hume:POST /v0/tts=429x2")
        plan.append((service.strip(), route.strip(), check_fault_kind(kind), times))
    return tuple(plan)


@dataclass
class FakeState:
    """One fake's memory: counters tests assert on, the fault plan, and the service's own data."""

    config: FakeConfig
    requests: Counter[str] = field(default_factory=Counter)
    paid: Counter[str] = field(default_factory=Counter)
    faults: dict[str, list[str]] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    bodies: dict[str, list[Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def inject(self, route: str, kind: str, times: int = 1) -> None:
        """Make the next ``times`` requests to ``route`` fail with ``kind``."""
        check_fault_kind(kind)
        with self.lock:
            self.faults.setdefault(route, []).extend([kind] * times)

    def count(self, route: str) -> None:
        with self.lock:
            self.requests[route] += 1

    def remember(self, route: str, body: Any) -> None:
        """Keep the last request bodies per route, so tests can check what a client sent."""
        with self.lock:
            kept = self.bodies.setdefault(route, [])
            kept.append(body)
            del kept[:-20]

    def pay(self, operation: str, n: int = 1) -> None:
        with self.lock:
            self.paid[operation] += n

    def take_fault(self, route: str, request: Request | None = None) -> str | None:
        """The fault for this request: its header first, then the route's plan."""
        if request is not None and request.headers.get(FAULT_HEADER):
            return request.headers[FAULT_HEADER].strip().lower()
        with self.lock:
            queue = self.faults.get(route)
            return queue.pop(0) if queue else None

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.paid.clear()
            self.faults.clear()
            self.bodies.clear()

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {"requests": dict(self.requests), "paid": dict(self.paid),
                    "pending_faults": {k: list(v) for k, v in self.faults.items() if v}}


class DroppedResponse(Response):
    """Sends headers promising a body, part of it, then drops the connection."""

    def __init__(self, body: bytes = b'{"data": [', declared: int | None = None,
                 media_type: str = "application/json") -> None:
        super().__init__(content=body, media_type=media_type)
        self.declared = declared if declared is not None else len(body) + 4096

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", self.media_type.encode()),  # type: ignore[union-attr]
                   (b"content-length", str(self.declared).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": self.body, "more_body": True})
        raise ConnectionAbortedError("fake: connection dropped on purpose")


ErrorBody = Callable[[int, str], Any]


async def http_fault(
    state: FakeState, route: str, request: Request, error_body: ErrorBody
) -> Response | None:
    """Count the request and apply a generic HTTP fault, if one is planned; None means go on."""
    state.count(route)
    kind = state.take_fault(route, request)
    if kind is not None and kind not in FAULT_KINDS:  # only a header can carry one
        return JSONResponse({"error": f"unknown fault kind {kind!r} in {FAULT_HEADER}",
                             "kinds": list(FAULT_KINDS)}, status_code=400)
    if kind is None or kind not in HTTP_FAULTS:
        if kind is not None:  # a service-specific fault: hand it back through request.state
            request.state.fault = kind
        return None
    if kind == "slow":
        # Read the body first (Starlette keeps it for the handler): the request has arrived, so
        # the work goes on and is billed even if the client gives up waiting meanwhile.
        await request.body()
        await asyncio.sleep(state.config.slow_response_s)
        return None
    if kind == "drop":
        return DroppedResponse()
    if kind == "malformed":
        return Response(b'{"oops": [1, 2', media_type="application/json", headers=request_id())
    status = int(kind)
    headers = request_id()
    message = {429: "Rate limit reached; slow down.", 500: "Internal server error.",
               502: "Bad gateway.", 503: "Service temporarily unavailable.",
               504: "Gateway timeout."}[status]
    if status in (429, 503):
        # Real services send whole seconds; a fractional setting (tests) adds retry-after-ms,
        # which clients that follow the OpenAI/Hume SDKs read first.
        wait = state.config.retry_after_s
        headers["retry-after"] = str(max(1, math.ceil(wait)))
        if wait != int(wait):
            headers["retry-after-ms"] = str(round(wait * 1000))
    return JSONResponse(error_body(status, message), status_code=status, headers=headers)


def service_fault(request: Request) -> str | None:
    """A service-specific fault that ``http_fault`` passed on for this request."""
    return getattr(request.state, "fault", None)


def request_id() -> dict[str, str]:
    return {"x-request-id": f"req_{uuid.uuid4().hex[:24]}"}


def add_admin_routes(app: FastAPI, state: FakeState, service: str) -> None:
    """``GET /_fake/stats``, ``POST /_fake/faults``, ``POST /_fake/reset`` for demos and tests.

    Also plans the faults the config names for ``service``.
    """
    for planned_service, route, kind, times in state.config.faults:
        if planned_service == service:
            state.inject(route, kind, times)

    @app.get("/_fake/stats", include_in_schema=False)
    async def stats() -> dict[str, Any]:
        return state.stats()

    @app.post("/_fake/faults", include_in_schema=False)
    async def faults(payload: dict[str, Any]) -> Any:
        try:
            state.inject(str(payload["route"]), str(payload["kind"]),
                         int(payload.get("times", 1)))
        except (KeyError, ValueError, InputError) as exc:
            return JSONResponse({"error": f"cannot plan this fault: {exc}",
                                 "kinds": list(FAULT_KINDS)}, status_code=400)
        return state.stats()

    @app.post("/_fake/reset", include_in_schema=False)
    async def reset() -> dict[str, Any]:
        state.reset()
        return state.stats()


def key_matches(state: FakeState, presented: str | None) -> bool:
    """Any non-empty key, or exactly the configured one."""
    if not presented:
        return False
    return state.config.api_key is None or presented == state.config.api_key
