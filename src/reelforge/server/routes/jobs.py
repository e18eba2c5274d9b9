"""/v1/jobs: submit, list, read, cancel, and estimate a video job."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Query
from starlette.concurrency import run_in_threadpool

from reelforge.domain import Brief
from reelforge.server.deps import PlatformDep, allowed
from reelforge.server.errors import error_responses
from reelforge.server.schemas import (
    BRIEF_EXAMPLE,
    UUID_PATTERN,
    EstimateOut,
    JobId,
    JobList,
    JobOut,
)
from reelforge.services import jobs as job_service
from reelforge.services.estimate import estimate_cost
from reelforge.store import jobs as job_rows
from reelforge.store.artifacts import job_artifacts
from reelforge.store.tenants import Principal

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
Reader = Annotated[Principal, Depends(allowed("jobs:read"))]
Writer = Annotated[Principal, Depends(allowed("jobs:write"))]
BriefBody = Annotated[Brief, Body(openapi_examples={"short": {"summary": "A 30 s short",
                                                               "value": BRIEF_EXAMPLE}})]


@router.post("", status_code=202, response_model=JobOut,
             responses=error_responses(400, 401, 403, 422, 429))
def create_job(brief: BriefBody, who: Writer, platform: PlatformDep) -> JobOut:
    """Queue a video job; poll it, or follow its events. Quotas and budget are checked first."""
    job = job_service.submit(platform, who.tenant_id, brief, created_by=who.key_prefix)
    return JobOut.of(job)


@router.get("", response_model=JobList, responses=error_responses(401, 403, 422, 429))
def list_jobs(who: Reader, platform: PlatformDep,
              state: Annotated[Literal["queued", "running", "succeeded", "failed", "canceled"]
                               | None, Query()] = None,
              batch_id: Annotated[str | None, Query(pattern=UUID_PATTERN)] = None,
              limit: Annotated[int, Query(ge=1, le=200)] = 50,
              offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> JobList:
    """The tenant's jobs, newest first."""
    with platform.db.engine.connect() as connection:
        rows = job_rows.list_jobs(connection, who.tenant_id, state=state, batch_id=batch_id,
                                  limit=limit, offset=offset)
        return JobList(jobs=[JobOut.of(j) for j in rows], limit=limit, offset=offset)


@router.post("/estimate", response_model=EstimateOut,
             responses=error_responses(400, 401, 403, 422, 429))
async def estimate(brief: BriefBody, who: Annotated[Principal, Depends(allowed("catalog:read"))],
                   platform: PlatformDep) -> EstimateOut:
    """What the brief would cost at the engines this server uses, before running it."""
    found = await run_in_threadpool(estimate_cost, brief, platform.settings)
    return EstimateOut(cost_usd=found.cost_usd, by_provider=found.by_provider,
                       scenes=found.scenes, engines=found.engines,
                       min_cost_usd=found.min_cost_usd, note=found.note)


@router.get("/{job_id}", response_model=JobOut,
            responses=error_responses(401, 403, 404, 422, 429))
def get_job(job_id: JobId, who: Reader, platform: PlatformDep) -> JobOut:
    """One job: state, current step, progress, result or error."""
    return JobOut.of(job_service.get(platform, who.tenant_id, job_id))


@router.delete("/{job_id}", response_model=JobOut,
               responses=error_responses(401, 403, 404, 422, 429))
def delete_job(job_id: JobId, who: Writer, platform: PlatformDep) -> JobOut:
    """Cancel a queued or running job (a running render is killed); for a finished job,
    delete its stored artifacts (frees the tenant's storage)."""
    job = job_service.cancel(platform, who.tenant_id, job_id)
    if job.state in job_rows.TERMINAL and not job.cancel_requested:
        with platform.db.session() as session:
            for artifact in job_artifacts(session, who.tenant_id, job_id):
                session.delete(artifact)
            platform.artifacts.delete_prefix(f"{who.tenant_id}/{job_id}")
            job = job_rows.get_job(session, who.tenant_id, job_id)
            if job.result:
                job.result = {**job.result, "artifacts": [], "deleted": True}
    return JobOut.of(job)
