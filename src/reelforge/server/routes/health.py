"""/healthz (the process answers), /readyz (database, queue and storage reachable), /metrics."""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from reelforge.jobs.platform import Platform
from reelforge.server.deps import PlatformDep
from reelforge.server.observability import JOBS_BY_STATE, QUEUE_DEPTH
from reelforge.server.schemas import Health
from reelforge.store import jobs as job_rows

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


def _checks(platform: Platform) -> dict[str, str]:
    checks: dict[str, str] = {}
    for name, probe in (("database", lambda: _db(platform)), ("queue", platform.queue.reachable),
                        ("storage", platform.artifacts.reachable)):
        try:
            probe()
            checks[name] = "ok"
        except Exception as exc:
            checks[name] = f"failed: {type(exc).__name__}: {str(exc)[:200]}"
    return checks


def _db(platform: Platform) -> None:
    with platform.db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
async def readyz(platform: PlatformDep, response: Response) -> Health:
    """Ready when the database, the queue and the artifact store all answer."""
    checks = await run_in_threadpool(_checks, platform)
    ready = all(v == "ok" for v in checks.values())
    response.status_code = 200 if ready else 503
    return Health(status="ok" if ready else "unavailable", checks=checks)


def _refresh_gauges(platform: Platform) -> None:
    with platform.db.session() as session:
        counts = job_rows.count_by_state(session)
    for state in job_rows.JOB_STATES:
        JOBS_BY_STATE.labels(state).set(counts.get(state, 0))
    QUEUE_DEPTH.set(platform.queue.depth())


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text"}})
async def metrics(platform: PlatformDep) -> Response:
    """Prometheus metrics: HTTP latency by route, jobs by state, queue depth, steps, providers."""
    with contextlib.suppress(Exception):
        await run_in_threadpool(_refresh_gauges, platform)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
