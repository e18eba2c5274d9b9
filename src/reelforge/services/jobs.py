"""Submitting, listing, canceling and batching jobs, with quotas and budgets checked first.

The API and the CLI both call these. A job's row is committed before its message is sent
(DESIGN "Delivery"); if sending fails the row stays queued and the sweep sends it later.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import structlog

from reelforge.domain import FOOTAGE_LIBRARY, Brief, FootageChoice, JobSpec, Plan
from reelforge.errors import InputError, InvalidField, NotFound, QuotaExceeded, StorageQuotaExceeded
from reelforge.jobs.platform import Platform
from reelforge.services.briefs import check_brief
from reelforge.services.estimate import estimate_cost
from reelforge.store import jobs as job_rows
from reelforge.store.jobs import Job
from reelforge.store.tenants import Tenant, now

log = structlog.get_logger("reelforge.jobs")
MAX_BATCH = 100
#: The job kinds the daily job quota counts: what a tenant asks for (a library analysis is not)
QUOTA_KINDS = ("make", "clips")


def lock_tenant(db: Any, tenant_id: int) -> Any:
    """Take the tenant's row lock until the transaction ends; returns the tenant's limits.

    The first statement of every submit: concurrent submits of one tenant queue here, so each
    counts the jobs the one before it committed (without it, READ COMMITTED let 20 simultaneous
    submits all pass a quota of 3). An UPDATE rather than SELECT … FOR UPDATE because SQLite has
    no row locks: there the UPDATE takes the database's write lock, which serialises the same way.
    """
    from sqlalchemy import Table, update

    table = cast(Table, Tenant.__table__)  # Core, not ORM: no session bookkeeping
    row = db.execute(update(table).where(table.c.id == tenant_id).values(id=table.c.id)
                     .returning(table.c.jobs_per_day, table.c.storage_mb,
                                table.c.budget_usd_per_day)).first()
    if row is None:
        raise NotFound(f"no tenant {tenant_id}")
    return row


def spent_since(db: Any, tenant_id: int, since: datetime) -> float:
    """Money the tenant has spent since ``since``, from the spend ledger: every paid call
    confirmed or that may have been billed, whether its job succeeded, failed or was canceled."""
    from reelforge.store.usage import spent_since as ledger_spent_since

    return ledger_spent_since(db, tenant_id, since)


def tenant_usage_today(db: Any, tenant_id: int) -> Any:
    """One round trip: jobs made in 24 h, money held by unfinished jobs, bytes stored.

    A queued or running job holds its whole estimate; when it ends, the hold goes (its state
    leaves queued/running) and only what it spent stays counted, so nothing is released by
    hand and nothing can drift."""
    from sqlalchemy import func, select

    from reelforge.store.artifacts import Artifact

    day_ago = now() - timedelta(days=1)
    return db.execute(select(
        select(func.count()).select_from(Job)
        .where(Job.tenant_id == tenant_id, Job.created_at >= day_ago,
               Job.kind.in_(QUOTA_KINDS))
        .scalar_subquery().label("jobs"),
        select(func.coalesce(func.sum(Job.estimated_cost_usd), 0.0))
        .where(Job.tenant_id == tenant_id, Job.state.in_(("queued", "running")))
        .scalar_subquery().label("held"),
        select(func.coalesce(func.sum(Artifact.size), 0)).where(Artifact.tenant_id == tenant_id)
        .scalar_subquery().label("stored"),
    )).one()


def check_limits(platform: Platform, db: Any, tenant_id: int, estimated_usd: float,
                 new_jobs: int = 1) -> None:
    """Quotas (jobs/day, storage) and the daily cost budget, before anything is queued.

    Call it first in the transaction that inserts the jobs: when jobs are added it locks the
    tenant (``lock_tenant``), so the count it checks is still true when that transaction
    commits and the inserted rows become the reservation the next submit counts."""
    from sqlalchemy import select

    settings = platform.settings
    if new_jobs > 0 or estimated_usd > 0:
        limits = lock_tenant(db, tenant_id)
    else:  # an upload checks storage only; it needs no lock
        limits = db.execute(select(Tenant.jobs_per_day, Tenant.storage_mb,
                                   Tenant.budget_usd_per_day).where(Tenant.id == tenant_id)).one()
    row = tenant_usage_today(db, tenant_id)
    jobs_per_day = limits.jobs_per_day if limits.jobs_per_day is not None else (
        settings.quota_jobs_per_day)
    used = int(row.jobs)
    if new_jobs > 0 and used + new_jobs > jobs_per_day:
        raise QuotaExceeded(f"the tenant's quota of {jobs_per_day} jobs a day is used up "
                            f"({used} in the last 24 h)", retry_after=3600,
                            hint="wait, or ask an admin to raise the tenant's jobs_per_day")
    storage_mb = limits.storage_mb if limits.storage_mb is not None else (
        settings.quota_storage_mb)
    stored = int(row.stored) / 1e6
    if stored >= storage_mb:
        raise StorageQuotaExceeded(
            f"the tenant stores {stored:.0f} MB, its quota is {storage_mb:.0f} MB",
            hint="waiting frees nothing: delete old jobs' files (DELETE /v1/jobs/{id}) or "
                 "library items, or ask an operator to raise the tenant's storage_mb")
    if new_jobs == 0 and estimated_usd <= 0:
        return
    budget = limits.budget_usd_per_day if limits.budget_usd_per_day is not None else (
        settings.budget_usd_per_day)
    committed = spent_since(db, tenant_id, now() - timedelta(days=1)) + float(row.held)
    if committed + estimated_usd > budget + 1e-9:
        raise QuotaExceeded(f"this job (about ${estimated_usd:.2f}) would pass the tenant's "
                            f"daily budget of ${budget:.2f} (${committed:.2f} spent or committed)",
                            retry_after=3600, hint="wait, use offline engines, or raise the budget")


def check_served_footage(brief: Brief) -> None:
    """A queued job may use the footage library, never a folder: a path would be read on the
    server's disk (another tenant's files, or the server's own)."""
    if brief.footage is not None and brief.footage != FOOTAGE_LIBRARY:
        raise InvalidField(f"footage {brief.footage!r}: a queued job takes only "
                           f"{FOOTAGE_LIBRARY!r}", field="footage",
                           hint="upload the footage to the library, then give footage: "
                                "\"library\" (a folder works only with `reelforge make`)")


def submit(platform: Platform, tenant_id: int, brief: Brief, *, created_by: str = "",
           batch_id: str | None = None, engines: dict[str, str] | None = None,
           plan: Plan | None = None) -> Job:
    """Check the brief, then create the job row (after the limits pass), commit it, then send
    its message. The row holds the job's ``JobSpec``: brief, engines and an edited plan."""
    spec = JobSpec(kind="make", brief=brief, engines=engines or {}, plan=plan)
    check_brief(brief, platform.settings, spec.engines)
    check_served_footage(brief)
    if brief.footage_swaps:
        from reelforge.services.footage import check_swaps

        check_swaps(platform.settings, tenant_id, brief)
    estimate = estimate_cost(brief, platform.settings, spec.engines, plan)
    # One pooled connection for the whole call: the row's transaction, then the message, then
    # the "sent" mark (a checkout costs a ping; the ORM session cost more than the SQL).
    with platform.db.engine.connect() as connection:
        with connection.begin():
            if batch_id is None:
                check_limits(platform, connection, tenant_id, estimate.cost_usd)
            job = job_rows.new_job(connection, tenant_id, spec.document(),
                                   created_by=created_by, batch_id=batch_id,
                                   estimated_cost_usd=estimate.cost_usd)
        sent = enqueue(platform, [job.id])
        if sent:
            with connection.begin():
                job_rows.mark_enqueued(connection, sent)
    return job


def _video_spec(platform: Platform, tenant_id: int, job_id: str, only: str) -> JobSpec:
    """The spec of the tenant's video job ``job_id``; a library analysis is refused with
    ``only`` saying what works on videos alone."""
    with platform.db.session() as session:
        old = job_rows.get_job(session, tenant_id, job_id)
        if old.kind != "make":
            raise InputError(f"job {job_id!r} is a library analysis; {only}")
        return JobSpec.of_row(old)


def rerun(platform: Platform, tenant_id: int, job_id: str, *, created_by: str = "",
          plan: Plan | None = None, engines: dict[str, str] | None = None) -> Job:
    """A new job from an earlier one's brief and engines (and an edited plan, or other engines
    for some steps, if given); every step whose inputs did not change comes from the step
    cache, so changing the music engine redoes only the score and what follows it."""
    spec = _video_spec(platform, tenant_id, job_id, "only video jobs re-run")
    assert spec.brief is not None
    return submit(platform, tenant_id, spec.brief, created_by=created_by,
                  engines={**spec.engines, **(engines or {})}, plan=plan or spec.plan)


def swap_footage(platform: Platform, tenant_id: int, job_id: str, scene_index: int,
                 shot_id: str, *, created_by: str = "") -> Job:
    """A new job like a finished one, with one scene showing another shot of the footage
    library (``Brief.footage_swaps``) and the finished job's plan kept: every other scene's
    clip comes from the step cache, so only that scene is rendered again (and the assembly)."""
    spec = _video_spec(platform, tenant_id, job_id, "only a video's shots swap")
    assert spec.brief is not None
    if spec.brief.footage is None:
        raise InputError(f"job {job_id!r} was made without footage, so it has no shots to swap",
                         hint='make it with footage "library" first')
    if not spec.brief.narration:
        raise InputError(f"job {job_id!r} is a montage: its shots are cut on the music's beats, "
                         "not chosen per scene, so there is no scene's shot to swap",
                         hint="make a narrated video to choose shots per scene")
    chosen = footage_of(platform, tenant_id, job_id)
    if chosen is None:
        raise InputError(f"job {job_id!r} has not finished, so its shots are not known yet",
                         hint="swap a shot once the job is ready")
    if not 0 <= scene_index < len(chosen):
        raise InvalidField(f"job {job_id!r} has {len(chosen)} scenes (index 0 to "
                           f"{len(chosen) - 1}), not scene index {scene_index}",
                           field="scene_index", hint="use a scene_index of the manifest's footage")
    elsewhere = [c.scene_index for c in chosen if c.scene_index != scene_index
                 and c.shot is not None and c.shot.shot_id == shot_id]
    if elsewhere:
        raise InvalidField(f"shot {shot_id!r} is already shown in scene {elsewhere[0] + 1}; "
                           "a shot is used once in a video", field="shot_id",
                           hint="pick another candidate, or swap that scene's shot first")
    swaps = {**spec.brief.footage_swaps, scene_index: shot_id}
    brief = Brief.model_validate({**spec.brief.model_dump(), "footage_swaps": swaps})
    return submit(platform, tenant_id, brief, created_by=created_by, engines=spec.engines,
                  plan=plan_of(platform, tenant_id, job_id) or spec.plan)


def footage_of(platform: Platform, tenant_id: int, job_id: str) -> list[FootageChoice] | None:
    """Each scene's footage choice of a finished job (its manifest), or None before it has one."""
    found = _artifact_json(platform, tenant_id, job_id, "manifest.json")
    if found is None:
        return None
    return [FootageChoice.model_validate(c) for c in found.get("footage", [])]


def _artifact_json(platform: Platform, tenant_id: int, job_id: str, name: str) -> Any:
    import json

    from reelforge.store.artifacts import job_artifacts

    with platform.db.session() as session:
        found = [a.path for a in job_artifacts(session, tenant_id, job_id) if a.name == name]
    return json.loads(platform.artifacts.read_bytes(found[0])) if found else None


def plan_of(platform: Platform, tenant_id: int, job_id: str) -> Plan | None:
    """The plan a finished job used (its plan.json), or None before the job has one."""
    import json

    from reelforge.store.artifacts import job_artifacts

    with platform.db.session() as session:
        found = [a.path for a in job_artifacts(session, tenant_id, job_id)
                 if a.name == "plan.json"]
    if not found:
        return None
    return Plan.model_validate(json.loads(platform.artifacts.read_bytes(found[0]))["plan"])


def send(platform: Platform, job_ids: list[str]) -> None:
    """Enqueue committed jobs; a failure leaves them for the sweep (never loses a job)."""
    sent = enqueue(platform, job_ids)
    with platform.db.session() as session:
        job_rows.mark_enqueued(session, sent)


def enqueue(platform: Platform, job_ids: list[str]) -> list[str]:
    """Send each committed job's message; the ids sent. A failure is left for the sweep."""
    sent: list[str] = []
    for job_id in job_ids:
        try:
            platform.queue.enqueue(job_id)
            sent.append(job_id)
        except Exception as exc:
            log.warning("enqueue failed; the sweep will retry", job_id=job_id, error=str(exc))
    return sent


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
    for number, brief in enumerate(briefs, 1):
        try:
            check_brief(brief, platform.settings)
            check_served_footage(brief)
        except InvalidField as exc:
            raise InvalidField(f"brief {number}: {exc.message}", field=exc.field,
                               hint=exc.hint) from None
    estimates = [estimate_cost(b, platform.settings).cost_usd for b in briefs]
    with platform.db.session() as session:
        check_limits(platform, session, tenant_id, sum(estimates), new_jobs=len(briefs))
        for brief, cost in zip(briefs, estimates, strict=True):
            batch.jobs.append(job_rows.new_job(
                session, tenant_id, JobSpec(brief=brief).document(), created_by=created_by,
                batch_id=batch.batch_id, estimated_cost_usd=cost))
    send(platform, [j.id for j in batch.jobs])
    return batch


def cancel(platform: Platform, tenant_id: int, job_id: str) -> Job:
    with platform.db.session() as session:
        job = job_rows.get_job(session, tenant_id, job_id)
        job_rows.request_cancel(session, job)
        return job


def get(platform: Platform, tenant_id: int, job_id: str) -> Any:
    """A read-only view of the tenant's job (NotFound for another tenant's id).

    A bare connection, no session and no COMMIT: this is what pollers call most."""
    with platform.db.engine.connect() as connection:
        return job_rows.read_job(connection, tenant_id, job_id)
