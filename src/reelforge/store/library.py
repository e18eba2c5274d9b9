"""Library items of a tenant (videos, images, songs) and their analyses."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from reelforge.errors import NotFound
from reelforge.store.db import Base
from reelforge.store.tenants import now

KINDS = ("video", "image", "audio")


class LibraryItem(Base):
    """One file of a tenant's library: where it is, what it is, and its analysis once done."""

    __tablename__ = "library_items"
    #: One item per content in a tenant's library: the same bytes again are a duplicate.
    __table_args__ = (Index("ux_library_items_tenant_content", "tenant_id", "content_hash",
                            unique=True),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(255))
    #: Where the bytes are: an artifact-store path (uploads) or a server-local path (registered).
    location: Mapped[str] = mapped_column(Text)
    stored: Mapped[bool] = mapped_column(default=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    content_type: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending|analyzed|failed
    analysis: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    analysis_job: Mapped[str | None] = mapped_column(String(36), nullable=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Position in ``analysis`` of the item's descriptor vector, for clustering.
    cluster: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: SHA-256 of the file's bytes (None for rows made before it was kept).
    content_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


def new_item(session: Session, tenant_id: int, *, kind: str, name: str, location: str,
             stored: bool, size: int, content_type: str,
             content_hash: str | None = None) -> LibraryItem:
    item = LibraryItem(id=str(uuid.uuid4()), tenant_id=tenant_id, kind=kind, name=name,
                       location=location, stored=stored, size=size, content_type=content_type,
                       state="pending", created_at=now(), tags=[], content_hash=content_hash)
    session.add(item)
    session.flush()
    return item


def get_item(session: Session, tenant_id: int, item_id: str) -> LibraryItem:
    item = session.scalar(select(LibraryItem).where(LibraryItem.id == item_id,
                                                    LibraryItem.tenant_id == tenant_id))
    if item is None:
        raise NotFound(f"no library item {item_id!r}", hint="list them with GET /v1/library/items")
    return item


def list_items(session: Session, tenant_id: int, *, kind: str | None = None, limit: int = 100,
               offset: int = 0) -> list[LibraryItem]:
    query = select(LibraryItem).where(LibraryItem.tenant_id == tenant_id)
    if kind:
        query = query.where(LibraryItem.kind == kind)
    return list(session.scalars(query.order_by(LibraryItem.created_at, LibraryItem.id)
                                .limit(limit).offset(offset)))


def item_with_content(session: Session, tenant_id: int, content_hash: str) -> LibraryItem | None:
    """The tenant's item holding these bytes, if any (what makes an upload a duplicate)."""
    return session.scalar(select(LibraryItem).where(LibraryItem.tenant_id == tenant_id,
                                                    LibraryItem.content_hash == content_hash))


def item_at(session: Session, tenant_id: int, location: str) -> LibraryItem | None:
    """The tenant's item recorded from this location (a registered or CLI-added file)."""
    return session.scalar(select(LibraryItem).where(LibraryItem.tenant_id == tenant_id,
                                                    LibraryItem.location == location)
                          .order_by(LibraryItem.created_at.desc()).limit(1))


def delete_item(session: Session, item: LibraryItem) -> None:
    """Forget the item and, for an upload, the artifact row its bytes are counted under (the
    tenant's storage quota); the bytes themselves are the caller's to delete."""
    from sqlalchemy import delete

    from reelforge.store.artifacts import Artifact

    if item.stored:
        session.execute(delete(Artifact).where(Artifact.tenant_id == item.tenant_id,
                                               Artifact.job_id.is_(None),
                                               Artifact.path == item.location))
    session.delete(item)
