"""The append-only audit log: who did what, when, from where, for every mutating call.

Append-only by construction: this module only inserts and reads; there is no update or delete.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from reelforge.store.db import Base
from reelforge.store.tenants import now

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


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
    """One entry (a Core insert: every mutating API call pays for it). Text is kept printable:
    a refused request's path may hold a NUL, which PostgreSQL would refuse, losing the entry."""
    db.execute(insert(AuditEntry).values(
        tenant_id=tenant_id, actor=printable(actor)[:64], action=printable(action)[:64],
        target=printable(target)[:256], source=printable(source)[:64], status=status,
        details=details or {}, at=now()))


def printable(text: str) -> str:
    """``text`` with control characters shown as ``\\xNN`` escapes."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


def entries(session: Session, tenant_id: int, limit: int = 100) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.tenant_id == tenant_id)
                                .order_by(AuditEntry.id.desc()).limit(limit)))
