"""Usage and cost records: one row per paid provider call and per finished job (analytics)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from reelforge.store.db import Base
from reelforge.store.tenants import now


class UsageRecord(Base):
    """A unit of account: a provider call (cost) or a rendered video (minutes)."""

    __tablename__ = "usage_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    job_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # provider_call | render
    provider: Mapped[str] = mapped_column(String(32), default="")
    operation: Mapped[str] = mapped_column(String(64), default="")
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


def record(session: Session, tenant_id: int, job_id: str | None, kind: str, *,
           provider: str = "", operation: str = "", cost_usd: float = 0.0,
           seconds: float = 0.0) -> None:
    session.add(UsageRecord(tenant_id=tenant_id, job_id=job_id, kind=kind, provider=provider,
                            operation=operation, cost_usd=cost_usd, seconds=seconds, at=now()))


@dataclass
class UsageSummary:
    """What a tenant used since a moment: jobs, minutes rendered, cost by provider."""

    tenant: str
    since: datetime
    jobs: dict[str, int] = field(default_factory=dict)
    minutes_rendered: float = 0.0
    cost_by_provider: dict[str, float] = field(default_factory=dict)

    @property
    def cost_usd(self) -> float:
        return round(sum(self.cost_by_provider.values()), 6)


def summarize(session: Session, tenant_id: int, tenant: str, since: datetime) -> UsageSummary:
    from reelforge.store.jobs import Job

    summary = UsageSummary(tenant=tenant, since=since)
    for state, count in session.execute(
        select(Job.state, func.count()).where(Job.tenant_id == tenant_id, Job.created_at >= since)
        .group_by(Job.state)
    ):
        summary.jobs[state] = count
    seconds = session.scalar(select(func.coalesce(func.sum(UsageRecord.seconds), 0.0)).where(
        UsageRecord.tenant_id == tenant_id, UsageRecord.at >= since,
        UsageRecord.kind == "render"))
    summary.minutes_rendered = round(float(seconds or 0.0) / 60, 3)
    for provider, cost in session.execute(
        select(UsageRecord.provider, func.sum(UsageRecord.cost_usd)).where(
            UsageRecord.tenant_id == tenant_id, UsageRecord.at >= since,
            UsageRecord.kind == "provider_call").group_by(UsageRecord.provider)
    ):
        summary.cost_by_provider[provider] = round(float(cost or 0.0), 6)
    return summary
