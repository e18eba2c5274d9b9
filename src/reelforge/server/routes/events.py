"""GET /v1/jobs/{id}/events: server-sent events (state, step, progress, log lines).

The stream replays the job's events from the start (or after ``Last-Event-ID``), then follows
new ones until the job ends. Each event's ``id`` is its number within the job (1, 2, 3, …),
never a row id: a platform-wide counter would tell every tenant how busy the others are. A
client that reconnects with Last-Event-ID misses nothing.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from reelforge.errors import InputError
from reelforge.jobs.platform import Platform
from reelforge.server.deps import PlatformDep, allowed
from reelforge.server.errors import error_responses
from reelforge.server.schemas import JobId
from reelforge.store import jobs as job_rows
from reelforge.store.tenants import Principal

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
POLL_S = 0.5
KEEPALIVE_S = 15.0
#: Event numbers are positions (an OFFSET), never stored: ten digits are plenty.
EVENT_NUMBER_MAX = 9_999_999_999


def _batch(platform: Platform, tenant_id: int, job_id: str, after: int) -> tuple[list[str], int,
                                                                              bool]:
    with platform.db.session() as session:
        job = job_rows.get_job(session, tenant_id, job_id)
        done = job.state in job_rows.TERMINAL
        events = job_rows.events_after(session, job_id, after)
        lines = []
        for number, event in enumerate(events, start=after + 1):
            payload = json.dumps({"at": event.at, **event.data}, separators=(",", ":"))
            lines.append(f"id: {number}\nevent: {event.kind}\ndata: {payload}\n\n")
        return lines, after + len(events), done and not events


def start_after(last_event_id: str | None, after: int) -> int:
    """Where a stream resumes: Last-Event-ID (what a reconnecting browser sends) wins over
    ``after``; the header is checked here too, as the studio calls this route directly."""
    if not last_event_id:
        return after
    text = last_event_id.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 10):
        raise InputError(f"Last-Event-ID {last_event_id[:24]!r} is not an event number",
                         hint="send back the id of the last event you received (1, 2, 3, …)")
    return int(text)


@router.get("/{job_id}/events", responses={
    200: {"content": {"text/event-stream": {"example": "id: 7\nevent: step\ndata: "
                                            "{\"step\":\"plan\",\"state\":\"done\"}\n\n"}},
          "description": "A stream of server-sent events"},
    **error_responses(400, 401, 403, 404, 422, 429)}, response_class=StreamingResponse)
async def job_events(
    job_id: JobId, who: Annotated[Principal, Depends(allowed("jobs:read"))],
    platform: PlatformDep,
    last_event_id: Annotated[str, Header(
        alias="Last-Event-ID", pattern=r"^[0-9]{0,10}$",
        description="The id of the last event received; the stream resumes after it")] = "",
    after: Annotated[int, Query(ge=0, le=EVENT_NUMBER_MAX, description="Only events after "
                                "this event number")] = 0,
) -> StreamingResponse:
    """Follow a job live: ``event: state|step|progress|log``, JSON data, until it ends."""
    start = start_after(last_event_id, after)
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
