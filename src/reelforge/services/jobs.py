"""Submitting, listing, canceling and batching jobs, with quotas and budgets checked first.

The API and the CLI both call these. A job's row is committed before its message is sent
(DESIGN "Delivery"); if sending fails the row stays queued and the sweep sends it later.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import structlog
from pydantic import ValidationError

from reelforge.domain import Brief
from reelforge.errors import InputError, QuotaExceeded
from reelforge.services.estimate import estimate_cost
from reelforge.services.platform import Platform
from reelforge.store import jobs as job_rows
from reelforge.store.artifacts import storage_used
from reelforge.store.jobs import Job
from reelforge.store.tenants import Tenant, now

log = structlog.get_logger("reelforge.jobs")
MAX_BATCH = 100


def parse_brief(data: Any, where: str = "brief") -> Brief:
    """A Brief from JSON-like data; a bad field is one InputError naming it."""
    try:
        return Brief.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field_name = ".".join(str(p) for p in first["loc"]) or "brief"
        raise InputError(f"invalid {where}.{field_name}: {first['msg']}",
                         hint="see POST /v1/jobs in /docs for the fields a brief takes") from None


def check_limits(platform: Platform, session: Any, tenant_id: int, estimated_usd: float,
                 new_jobs: int = 1) -> None:
    """Quotas (jobs/day, storage) and the daily cost budget, before anything is queued."""
    settings = platform.settings
    tenant = session.get(Tenant, tenant_id)
    day_ago = now() - timedelta(days=1)
    jobs_per_day = tenant.jobs_per_day if tenant.jobs_per_day is not None else (
        settings.quota_jobs_per_day)
    used = job_rows.jobs_since(session, tenant_id, day_ago)
    if used + new_jobs > jobs_per_day:
        raise QuotaExceeded(f"the tenant's quota of {jobs_per_day} jobs a day is used up "
                            f"({used} in the last 24 h)", retry_after=3600,
                            hint="wait, or ask an admin to raise the tenant's jobs_per_day")
    storage_mb = tenant.storage_mb if tenant.storage_mb is not None else settings.quota_storage_mb
    stored = storage_used(session, tenant_id) / 1e6
    if stored >= storage_mb:
        raise QuotaExceeded(f"the tenant stores {stored:.0f} MB, its quota is {storage_mb:.0f} MB",
                            hint="delete old jobs (DELETE /v1/jobs/{id}) to free space")
    budget = tenant.budget_usd_per_day if tenant.budget_usd_per_day is not None else (
        settings.budget_usd_per_day)
    committed = job_rows.cost_since(session, tenant_id, day_ago)
    if committed + estimated_usd > budget:
        raise QuotaExceeded(f"this job (about ${estimated_usd:.2f}) would pass the tenant's "
                            f"daily budget of ${budget:.2f} (${committed:.2f} spent or committed)",
                            retry_after=3600, hint="wait, use offline engines, or raise the budget")


def submit(platform: Platform, tenant_id: int, brief: Brief, *, created_by: str = "",
           batch_id: str | None = None) -> Job:
    """Create the job row (after the limits pass), commit it, then send its message."""
    estimate = estimate_cost(brief, platform.settings)
    with platform.db.session() as session:
        if batch_id is None:
            check_limits(platform, session, tenant_id, estimate.cost_usd)
        job = job_rows.new_job(session, tenant_id, brief.model_dump(mode="json"),
                               created_by=created_by, batch_id=batch_id,
                               estimated_cost_usd=estimate.cost_usd)
    send(platform, [job.id])
    return job


def send(platform: Platform, job_ids: list[str]) -> None:
    """Enqueue committed jobs; a failure leaves them for the sweep (never loses a job)."""
    sent: list[str] = []
    for job_id in job_ids:
        try:
            platform.queue.enqueue(job_id)
            sent.append(job_id)
        except Exception as exc:
            log.warning("enqueue failed; the sweep will retry", job_id=job_id, error=str(exc))
    with platform.db.session() as session:
        job_rows.mark_enqueued(session, sent)


@dataclass
class BatchResult:
    batch_id: str
    jobs: list[Job] = field(default_factory=list)


def submit_batch(platform: Platform, tenant_id: int, briefs: list[Brief], *,
                 created_by: str = "") -> BatchResult:
    """All briefs or none: limits are checked for the whole batch, then every job is queued."""
    if not briefs:
        raise InputError("the batch is empty", hint="send 1 to 100 briefs")
    if len(briefs) > MAX_BATCH:
        raise InputError(f"the batch has {len(briefs)} briefs; the limit is {MAX_BATCH}",
                         hint="split it into several batches")
    batch = BatchResult(batch_id=str(uuid.uuid4()))
    estimates = [estimate_cost(b, platform.settings).cost_usd for b in briefs]
    with platform.db.session() as session:
        check_limits(platform, session, tenant_id, sum(estimates), new_jobs=len(briefs))
        for brief, cost in zip(briefs, estimates, strict=True):
            batch.jobs.append(job_rows.new_job(
                session, tenant_id, brief.model_dump(mode="json"), created_by=created_by,
                batch_id=batch.batch_id, estimated_cost_usd=cost))
    send(platform, [j.id for j in batch.jobs])
    return batch


def cancel(platform: Platform, tenant_id: int, job_id: str) -> Job:
    with platform.db.session() as session:
        job = job_rows.get_job(session, tenant_id, job_id)
        job_rows.request_cancel(session, job)
        return job


def get(platform: Platform, tenant_id: int, job_id: str) -> Job:
    with platform.db.session() as session:
        return job_rows.get_job(session, tenant_id, job_id)
