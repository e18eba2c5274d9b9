"""/v1/batches: many briefs at once, and a per-brief result report."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Depends

from reelforge.server.deps import PlatformDep, allowed
from reelforge.server.errors import error_responses
from reelforge.server.schemas import BatchId, BatchIn, BatchItem, BatchOut
from reelforge.services import jobs as job_service
from reelforge.store import jobs as job_rows
from reelforge.store.jobs import Job
from reelforge.store.tenants import Principal

router = APIRouter(prefix="/v1/batches", tags=["batches"])


def report(batch_id: str, jobs: list[Job]) -> BatchOut:
    ordered = sorted(jobs, key=lambda j: (j.created_at, j.id))
    items = [BatchItem(index=i, job_id=j.id, state=j.state, error=j.error,
                       artifacts=list((j.result or {}).get("artifacts", [])))
             for i, j in enumerate(ordered)]
    return BatchOut(batch_id=batch_id, total=len(items),
                    counts=dict(Counter(i.state for i in items)), items=items)


@router.post("", status_code=202, response_model=BatchOut,
             responses=error_responses(400, 401, 403, 422, 429))
def create_batch(body: BatchIn,
                 who: Annotated[Principal, Depends(allowed("jobs:write"))],
                 platform: PlatformDep) -> BatchOut:
    """Queue one job per brief (all or none: limits are checked for the whole batch)."""
    batch = job_service.submit_batch(platform, who.tenant_id, body.briefs,
                                     created_by=who.key_prefix)
    return report(batch.batch_id, batch.jobs)


@router.get("/{batch_id}", response_model=BatchOut,
            responses=error_responses(401, 403, 404, 422, 429))
def get_batch(batch_id: BatchId, who: Annotated[Principal, Depends(allowed("jobs:read"))],
              platform: PlatformDep) -> BatchOut:
    """The batch's report: each brief's job, state, error and artifacts."""
    from reelforge.errors import NotFound

    with platform.db.session() as session:
        jobs = job_rows.list_jobs(session, who.tenant_id, batch_id=batch_id, limit=1000)
    if not jobs:
        raise NotFound(f"no batch {batch_id!r}")
    return report(batch_id, jobs)
