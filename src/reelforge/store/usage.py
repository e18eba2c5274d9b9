"""Usage and cost: what a tenant's jobs rendered and what their paid calls cost.

Cost comes from the spend ledger (``store/ledger.py``), so the calls of failed, cancelled and
resumed jobs count as much as those of jobs that succeeded. A call that may have been billed
(sent and never settled after a crash, or failed after it may have reached the provider) is
shown apart, at its estimate, never hidden. ``usage_records`` keeps rendered minutes, and the
provider calls of jobs that ran before the ledger existed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    and_,
    case,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from reelforge.store.db import Base
from reelforge.store.ledger import SpendCall
from reelforge.store.tenants import now

MAY_HAVE_BEEN_BILLED = "may have been billed"


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
    cost_by_provider: dict[str, float] = field(default_factory=dict)  # confirmed
    may_have_been_billed_by_provider: dict[str, float] = field(default_factory=dict)
    paid_calls: dict[str, int] = field(default_factory=dict)  # confirmed | failed | MAY_HAVE...

    @property
    def cost_usd(self) -> float:
        """Confirmed spend."""
        return round(sum(self.cost_by_provider.values()), 6)

    @property
    def may_have_been_billed_usd(self) -> float:
        """The estimate of calls whose billing is unknown (counted against the budget)."""
        return round(sum(self.may_have_been_billed_by_provider.values()), 6)


# --- what counts -------------------------------------------------------------------------------


def _maybe_billed() -> ColumnElement[bool]:
    """A call not confirmed that may still cost: sent and never settled, or failed unsure."""
    return or_(SpendCall.state == "sent",
               and_(SpendCall.state == "failed", SpendCall.may_have_billed.is_(True)))


def _call_kind() -> ColumnElement[Any]:
    return case((SpendCall.state == "confirmed", "confirmed"),
                (_maybe_billed(), MAY_HAVE_BEEN_BILLED), else_="failed")


def _legacy_calls(tenant_id: int, since: datetime) -> ColumnElement[bool]:
    """Provider calls in ``usage_records`` of jobs the ledger knows nothing of (older jobs)."""
    ledgered = select(SpendCall.job_id).where(SpendCall.tenant_id == tenant_id,
                                              SpendCall.job_id.is_not(None))
    return and_(UsageRecord.tenant_id == tenant_id, UsageRecord.at >= since,
                UsageRecord.kind == "provider_call",
                or_(UsageRecord.job_id.is_(None), UsageRecord.job_id.not_in(ledgered)))


def spent_since(connection: Any, tenant_id: int, since: datetime) -> float:
    """USD a tenant's paid calls cost since ``since``: confirmed plus may-have-been-billed.

    For budget checks; ``connection`` is a Session or a Connection (inside the caller's
    transaction, so a lock it holds covers the read).
    """
    ledger = connection.execute(
        select(func.coalesce(func.sum(func.coalesce(SpendCall.cost_usd,
                                                    SpendCall.estimated_cost_usd)), 0.0))
        .where(SpendCall.tenant_id == tenant_id, SpendCall.sent_at >= since,
               or_(SpendCall.state == "confirmed", _maybe_billed()))
    ).scalar()
    legacy = connection.execute(
        select(func.coalesce(func.sum(UsageRecord.cost_usd), 0.0))
        .where(_legacy_calls(tenant_id, since))
    ).scalar()
    return round(float(ledger or 0.0) + float(legacy or 0.0), 6)


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
    kind = _call_kind().label("kind")
    for provider, call_kind, count, confirmed, estimated in session.execute(
        select(SpendCall.provider, kind, func.count(),
               func.sum(func.coalesce(SpendCall.cost_usd, SpendCall.estimated_cost_usd)),
               func.sum(SpendCall.estimated_cost_usd))
        .where(SpendCall.tenant_id == tenant_id, SpendCall.sent_at >= since)
        .group_by(SpendCall.provider, kind)
    ):
        summary.paid_calls[call_kind] = summary.paid_calls.get(call_kind, 0) + count
        if call_kind == "confirmed":
            _add(summary.cost_by_provider, provider, confirmed)
        elif call_kind == MAY_HAVE_BEEN_BILLED:
            _add(summary.may_have_been_billed_by_provider, provider, estimated)
    for provider, cost in session.execute(
        select(UsageRecord.provider, func.sum(UsageRecord.cost_usd))
        .where(_legacy_calls(tenant_id, since)).group_by(UsageRecord.provider)
    ):
        _add(summary.cost_by_provider, provider, cost)
    return summary


def _add(into: dict[str, float], provider: str, cost: Any) -> None:
    into[provider] = round(into.get(provider, 0.0) + float(cost or 0.0), 6)
