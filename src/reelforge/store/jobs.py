"""Jobs: the row is the source of truth for delivery (lease + heartbeat), plus its events and steps.

Huey does not acknowledge tasks, so a queue message only says "look at job X". A worker runs a
job only after ``claim`` wins a conditional UPDATE (queued, or running with an expired lease);
two messages for one job therefore never run it twice at the same time.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from reelforge.errors import NotFound
from reelforge.store.db import Base
from reelforge.store.tenants import now

JobState = Literal["queued", "running", "succeeded", "failed", "canceled"]
JOB_STATES: tuple[JobState, ...] = ("queued", "running", "succeeded", "failed", "canceled")
TERMINAL: frozenset[str] = frozenset({"succeeded", "failed", "canceled"})
_JOB_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class Job(Base):
    """One unit of work of a tenant: make a video, or analyse a library item."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="make")
    state: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    step: Mapped[str | None] = mapped_column(String(64), nullable=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    brief: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    batch_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    created_by: Mapped[str] = mapped_column(String(16), default="")  # key prefix or "cli"
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: When the queue message was sent (NULL: committed but never enqueued; the sweep sends it).
    enqueued_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[float | None] = mapped_column(Float, nullable=True, index=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    estimated_cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)


class JobEvent(Base):
    """What a job did, in order: state changes, step starts/ends, progress, log lines (SSE)."""

    __tablename__ = "job_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    at: Mapped[float] = mapped_column(Float, default=time.time)
    kind: Mapped[str] = mapped_column(String(16))  # state | step | progress | log
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class JobStep(Base):
    """One finished pipeline step of a job, from its manifest (durations, cost, cache hits)."""

    __tablename__ = "job_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(64))
    engine: Mapped[str] = mapped_column(String(64))
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    cache_hit: Mapped[bool] = mapped_column(Boolean, default=False)
    detail: Mapped[str] = mapped_column(Text, default="")


def new_job(db: Session | Connection, tenant_id: int, brief: dict[str, Any], *,
            kind: str = "make", created_by: str = "", batch_id: str | None = None,
            estimated_cost_usd: float = 0.0) -> Job:
    """Insert a queued job and its first event; returns a detached copy of the row.

    Core inserts, not ``session.add``: submitting is the API's hottest write, and the ORM's
    unit of work cost more CPU than the rest of the request (measured with py-spy)."""
    job = Job(id=str(uuid.uuid4()), tenant_id=tenant_id, kind=kind, brief=brief,
              created_by=created_by, batch_id=batch_id, estimated_cost_usd=estimated_cost_usd,
              state="queued", attempts=0, progress=0.0, cancel_requested=False, cost_usd=0.0,
              duration_s=0.0, created_at=now())
    db.execute(insert(Job).values(
        {column.name: getattr(job, column.name) for column in Job.__table__.columns}))
    db.execute(insert(JobEvent).values(job_id=job.id, at=time.time(), kind="state",
                                                 data={"state": "queued"}))
    return job


def get_job(session: Session, tenant_id: int, job_id: str) -> Job:
    """The tenant's job; another tenant's id is NotFound, exactly like a missing one."""
    _check_id(job_id)
    job = session.scalar(select(Job).where(Job.id == job_id, Job.tenant_id == tenant_id))
    if job is None:
        raise NotFound(f"no job {job_id!r}", hint="list your jobs with GET /v1/jobs")
    return job


def read_job(session: Session | Connection, tenant_id: int, job_id: str) -> Any:
    """A read-only view of the tenant's job (a Core row: no ORM bookkeeping on the hot path)."""
    _check_id(job_id)
    row = session.execute(select(Job.__table__).where(Job.id == job_id,
                                                      Job.tenant_id == tenant_id)).first()
    if row is None:
        raise NotFound(f"no job {job_id!r}", hint="list your jobs with GET /v1/jobs")
    return row


def _check_id(job_id: str) -> None:
    """Job ids are UUIDs; anything else cannot name a job (and must not reach the database:
    PostgreSQL refuses a NUL byte with an error, not an empty answer)."""
    if not _JOB_ID.fullmatch(job_id):
        raise NotFound(f"no job {job_id[:40]!r}", hint="list your jobs with GET /v1/jobs")


def list_jobs(session: Session | Connection, tenant_id: int, *, state: str | None = None,
              batch_id: str | None = None, limit: int = 50, offset: int = 0) -> list[Any]:
    """The tenant's jobs, newest first, as read-only rows."""
    query = select(Job.__table__).where(Job.tenant_id == tenant_id)
    if state:
        query = query.where(Job.state == state)
    if batch_id:
        query = query.where(Job.batch_id == batch_id)
    query = query.order_by(Job.created_at.desc(), Job.id).limit(limit).offset(offset)
    return list(session.execute(query).all())


def add_event(session: Session, job_id: str, kind: str, data: dict[str, Any]) -> None:
    session.add(JobEvent(job_id=job_id, kind=kind, data=data, at=time.time()))


def events_after(session: Session, job_id: str, after: int, limit: int = 500) -> list[JobEvent]:
    """The job's events after its first ``after`` ones, in order. Callers number events by
    their position in the job (1, 2, 3, …): row ids are one counter over every tenant, and a
    tenant must not learn from them how busy the platform is."""
    return list(session.scalars(select(JobEvent).where(JobEvent.job_id == job_id)
                                .order_by(JobEvent.id).offset(after).limit(limit)))


def claim(session: Session, job_id: str, owner: str, lease_s: float) -> bool:
    """Take the job for ``owner`` if it is queued or its lease expired; True when we won."""
    t = time.time()
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.cancel_requested.is_(False),
               or_(Job.state == "queued", (Job.state == "running") & (Job.lease_until < t)))
        .values(state="running", lease_owner=owner, lease_until=t + lease_s,
                attempts=Job.attempts + 1, started_at=func.coalesce(Job.started_at, now()))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def renew(session: Session, job_id: str, owner: str, lease_s: float) -> tuple[bool, bool]:
    """Extend our lease; returns (still ours, cancel requested)."""
    result = session.execute(
        update(Job).where(Job.id == job_id, Job.lease_owner == owner, Job.state == "running")
        .values(lease_until=time.time() + lease_s).execution_options(synchronize_session=False)
    )
    canceled = session.scalar(select(Job.cancel_requested).where(Job.id == job_id))
    return result.rowcount == 1, bool(canceled)  # type: ignore[attr-defined]


def finish(session: Session, job_id: str, owner: str, state: JobState, **values: Any) -> bool:
    """Move our running job to a final (or back to queued) state; False if the lease was lost."""
    result = session.execute(
        update(Job).where(Job.id == job_id, Job.lease_owner == owner, Job.state == "running")
        .values(state=state, lease_owner=None, lease_until=None,
                finished_at=now() if state in TERMINAL else None, **values)
        .execution_options(synchronize_session=False)
    )
    won = result.rowcount == 1  # type: ignore[attr-defined]
    if won:
        add_event(session, job_id, "state", {"state": state, **_public(values)})
    return won


def _public(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k in ("error", "cost_usd", "duration_s")}


def request_cancel(session: Session, job: Job) -> None:
    """A queued job is canceled at once; a running one is told to stop (the worker ends it)."""
    if job.state in TERMINAL:
        return
    if job.state == "queued":
        job.state, job.finished_at = "canceled", now()
        add_event(session, job.id, "state", {"state": "canceled"})
    job.cancel_requested = True
    add_event(session, job.id, "log", {"message": "cancel requested"})


def expired_running(session: Session, limit: int = 100) -> Sequence[str]:
    """Running jobs whose worker stopped renewing its lease (killed, or lost)."""
    return list(session.scalars(select(Job.id).where(Job.state == "running",
                                                     Job.lease_until < time.time()).limit(limit)))


def never_enqueued(session: Session, older_than_s: float, limit: int = 100, *,
                   resend_after_s: float | None = None) -> Sequence[str]:
    """Queued jobs committed but whose queue message was never sent (a crash between the two),
    and, with ``resend_after_s``, those whose message may be gone (a queue that lost its data,
    a worker killed between taking a message and claiming its job)."""
    cutoff = now() - timedelta(seconds=older_than_s)
    lost = Job.enqueued_at.is_(None) & (Job.created_at < cutoff)
    if resend_after_s is not None:
        lost = lost | (Job.enqueued_at < time.time() - resend_after_s)
    return list(session.scalars(select(Job.id).where(Job.state == "queued", lost).limit(limit)))


def requeue_expired(session: Session, job_id: str) -> bool:
    """Hand an expired running job back to the queue (the sweep then sends a message)."""
    result = session.execute(
        update(Job).where(Job.id == job_id, Job.state == "running", Job.lease_until < time.time())
        .values(state="queued", lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False))
    won = result.rowcount == 1  # type: ignore[attr-defined]
    if won:
        add_event(session, job_id, "log", {"message": "worker lost; job re-queued"})
        add_event(session, job_id, "state", {"state": "queued"})
    return won


def mark_enqueued(db: Session | Connection, job_ids: Sequence[str]) -> None:
    if job_ids:
        db.execute(update(Job).where(Job.id.in_(job_ids))
                   .values(enqueued_at=time.time()))


def count_by_state(session: Session) -> dict[str, int]:
    rows = session.execute(select(Job.state, func.count()).group_by(Job.state)).all()
    return {state: count for state, count in rows}


def jobs_since(session: Session, tenant_id: int, since: datetime) -> int:
    return session.scalar(select(func.count()).select_from(Job).where(
        Job.tenant_id == tenant_id, Job.created_at >= since, Job.kind == "make")) or 0


def cost_since(session: Session, tenant_id: int, since: datetime) -> float:
    """Money spent plus money committed (estimates of jobs not finished yet)."""
    spent = session.scalar(select(func.coalesce(func.sum(Job.cost_usd), 0.0)).where(
        Job.tenant_id == tenant_id, Job.created_at >= since)) or 0.0
    pending = session.scalar(select(func.coalesce(func.sum(Job.estimated_cost_usd), 0.0)).where(
        Job.tenant_id == tenant_id, Job.created_at >= since,
        Job.state.in_(("queued", "running")))) or 0.0
    return float(spent) + float(pending)
