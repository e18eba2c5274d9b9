"""GET /v1/jobs/{id}/events: server-sent events (state, step, progress, log lines).

The stream replays the job's events from the start (or after ``Last-Event-ID``), then follows
new ones until the job ends. Each event's ``id`` is its row id, so a client that reconnects
with Last-Event-ID misses nothing.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from reelforge.server.deps import PlatformDep, allowed
from reelforge.server.errors import error_responses
from reelforge.services.platform import Platform
from reelforge.store import jobs as job_rows
from reelforge.store.tenants import Principal

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
POLL_S = 0.5
KEEPALIVE_S = 15.0


def _batch(platform: Platform, tenant_id: int, job_id: str, after: int) -> tuple[list[str], int,
                                                                              bool]:
    with platform.db.session() as session:
        job = job_rows.get_job(session, tenant_id, job_id)
        done = job.state in job_rows.TERMINAL
        events = job_rows.events_after(session, job_id, after)
        lines = []
        for event in events:
            payload = json.dumps({"at": event.at, **event.data}, separators=(",", ":"))
            lines.append(f"id: {event.id}\nevent: {event.kind}\ndata: {payload}\n\n")
            after = event.id
        return lines, after, done and not events


@router.get("/{job_id}/events", responses={
    200: {"content": {"text/event-stream": {"example": "id: 7\nevent: step\ndata: "
                                            "{\"step\":\"plan\",\"state\":\"done\"}\n\n"}},
          "description": "A stream of server-sent events"},
    **error_responses(401, 403, 404, 429)}, response_class=StreamingResponse)
async def job_events(
    job_id: str, who: Annotated[Principal, Depends(allowed("jobs:read"))],
    platform: PlatformDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    after: Annotated[int, Query(ge=0, description="Only events after this id")] = 0,
) -> StreamingResponse:
    """Follow a job live: ``event: state|step|progress|log``, JSON data, until it ends."""
    start = int(last_event_id) if last_event_id and last_event_id.isdigit() else after
    first = await run_in_threadpool(_batch, platform, who.tenant_id, job_id, start)  # 404 early

    async def stream() -> AsyncIterator[str]:
        lines, cursor, finished = first
        idle = 0.0
        while True:
            for line in lines:
                yield line
            if finished:
                yield "event: end\ndata: {}\n\n"
                return
            if not lines:
                idle += POLL_S
                if idle >= KEEPALIVE_S:
                    idle = 0.0
                    yield ": keep-alive\n\n"
            else:
                idle = 0.0
            await asyncio.sleep(POLL_S)
            lines, cursor, finished = await run_in_threadpool(
                _batch, platform, who.tenant_id, job_id, cursor)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
