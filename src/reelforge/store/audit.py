"""The append-only audit log: who did what, when, from where, for every mutating call.

Append-only by construction: this module only inserts and reads; there is no update or delete.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from reelforge.store.db import Base
from reelforge.store.tenants import now


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), nullable=True,
                                                  index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    actor: Mapped[str] = mapped_column(String(64))  # "key:<prefix>" or "cli:<user>"
    action: Mapped[str] = mapped_column(String(64))  # e.g. "POST /v1/jobs"
    target: Mapped[str] = mapped_column(String(256), default="")
    source: Mapped[str] = mapped_column(String(64), default="")  # client address
    status: Mapped[int] = mapped_column(Integer, default=0)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def append(db: Session | Connection, *, tenant_id: int | None, actor: str, action: str,
           target: str = "", source: str = "", status: int = 0,
           details: dict[str, Any] | None = None) -> None:
    """One entry (a Core insert: every mutating API call pays for it)."""
    db.execute(insert(AuditEntry).values(
        tenant_id=tenant_id, actor=actor, action=action, target=target, source=source,
        status=status, details=details or {}, at=now()))


def entries(session: Session, tenant_id: int, limit: int = 100) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.tenant_id == tenant_id)
                                .order_by(AuditEntry.id.desc()).limit(limit)))
