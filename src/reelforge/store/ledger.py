"""The spend ledger in SQL: one row per paid provider call, written before the call is sent.

``SqlSpendLedger`` is the ``providers.spend.SpendLedger`` of the platform: each write is its
own short transaction, committed before the request leaves, so a worker killed mid-call leaves
a ``sent`` row that usage and the budget count as "may have been billed". Rows are never
deleted: failed, cancelled and resumed jobs' spend stays on the books.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Index, String, update
from sqlalchemy.orm import Mapped, mapped_column

from reelforge.domain import PaidCallRecord, PaidRequest, Settlement, SpendScope
from reelforge.store.db import Base, Database
from reelforge.store.tenants import now


class SpendCall(Base):
    """One paid call: what was asked, for whom, and how it ended."""

    __tablename__ = "spend_calls"
    __table_args__ = (Index("ix_spend_calls_tenant_sent", "tenant_id", "sent_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    job_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    step: Mapped[str] = mapped_column(String(64), default="")
    provider: Mapped[str] = mapped_column(String(32))
    operation: Mapped[str] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(128), default="")
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    estimated_cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    state: Mapped[str] = mapped_column(String(16), default="sent")  # sent | confirmed | failed
    may_have_billed: Mapped[bool] = mapped_column(Boolean, default=True)
    request_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    cost_usd: Mapped[float | None] = mapped_column(Float, nullable=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SqlSpendLedger:
    """The platform's SpendLedger: the ``spend_calls`` table of ``db``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def before_send(self, scope: SpendScope, request: PaidRequest) -> str:
        call_id = str(uuid.uuid4())
        with self.db.session() as session:  # committed here, before the call is sent
            session.add(SpendCall(
                id=call_id, tenant_id=scope.tenant_id, job_id=scope.job_id,
                step=scope.step[:64], provider=request.provider[:32],
                operation=request.operation[:64], model=request.model[:128],
                fingerprint=request.fingerprint[:64],
                estimated_cost_usd=request.estimated_cost_usd, state="sent",
                may_have_billed=True, sent_at=now(),
            ))
        return call_id

    def settle(self, call_id: str, settlement: Settlement) -> None:
        with self.db.session() as session:
            session.execute(update(SpendCall).where(SpendCall.id == call_id).values(
                state=settlement.state, may_have_billed=settlement.may_have_billed,
                request_id=(settlement.request_id or None) and settlement.request_id[:128],
                cost_usd=settlement.cost_usd, settled_at=now(),
            ))


def job_paid_calls(db: Database, job_id: str) -> list[PaidCallRecord]:
    """Every paid call the ledger holds for ``job_id``, oldest first (for its manifest)."""
    from sqlalchemy import select

    with db.session() as session:
        rows = session.scalars(select(SpendCall).where(SpendCall.job_id == job_id)
                               .order_by(SpendCall.sent_at)).all()
        return [PaidCallRecord(
            step=r.step, provider=r.provider, operation=r.operation, model=r.model,
            state=r.state, may_have_billed=r.may_have_billed, cost_usd=r.cost_usd,  # type: ignore[arg-type]
            estimated_cost_usd=r.estimated_cost_usd, request_id=r.request_id) for r in rows]
