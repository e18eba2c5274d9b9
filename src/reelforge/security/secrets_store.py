"""Per-tenant provider credentials, encrypted at rest with the tenant's data key.

A tenant brings its own OpenAI/Hume/Runware/Spotify keys; jobs of that tenant use them in
place of the process-wide variables. No read path returns a value: listing shows the name and
the last four characters (decrypted on demand, never stored in clear).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import SecretStr
from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from reelforge.errors import InputError, NotFound
from reelforge.security.envelope import (
    DecryptionFailed,
    MasterKey,
    new_data_key,
    seal,
    secret_aad,
    unseal,
    unwrap_data_key,
    wrap_data_key,
)
from reelforge.security.secret_names import PROVIDER_SECRETS
from reelforge.settings import Settings
from reelforge.store.db import Base
from reelforge.store.tenants import now


class TenantKey(Base):
    """A tenant's data key, wrapped by the master key named by ``master_key_id``."""

    __tablename__ = "tenant_keys"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"),
                                           primary_key=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    master_key_id: Mapped[str] = mapped_column(String(32))
    encrypt_artifacts: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class TenantSecret(Base):
    """One provider credential of a tenant: AES-GCM ciphertext bound to (tenant, name)."""

    __tablename__ = "tenant_secrets"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"),
                                           index=True)
    name: Mapped[str] = mapped_column(String(64))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


@dataclass(frozen=True)
class SecretInfo:
    """What any read path may show of a secret."""

    name: str
    last4: str
    updated_at: datetime


def check_name(name: str) -> str:
    upper = name.strip().upper()
    if upper not in PROVIDER_SECRETS:
        raise InputError(f"unknown secret {name!r}",
                         hint=f"one of {', '.join(sorted(PROVIDER_SECRETS))}")
    return upper


def tenant_data_key(session: Session, master: MasterKey, tenant_id: int, *,
                    create: bool = True) -> bytes | None:
    """The tenant's data key in clear (memory only); made and wrapped on first use."""
    row = session.get(TenantKey, tenant_id)
    if row is None:
        if not create:
            return None
        key = new_data_key()
        session.add(TenantKey(tenant_id=tenant_id, wrapped_key=wrap_data_key(master, key,
                                                                             tenant_id),
                              master_key_id=master.key_id, created_at=now()))
        session.flush()
        return key
    if row.master_key_id != master.key_id:
        raise DecryptionFailed(f"tenant {tenant_id}'s data key is wrapped by master key "
                               f"{row.master_key_id}, not by this server's {master.key_id}",
                               hint="configure the master key the database was rotated to")
    return unwrap_data_key(master, row.wrapped_key, tenant_id)


def _last4(value: str) -> str:
    return value[-4:] if len(value) >= 8 else "…"


def set_secret(session: Session, master: MasterKey, tenant_id: int, name: str,
               value: str) -> SecretInfo:
    name = check_name(name)
    value = value.strip()
    if not value:
        raise InputError(f"the value of {name} is empty")
    key = tenant_data_key(session, master, tenant_id)
    assert key is not None
    sealed = seal(key, value.encode(), secret_aad(tenant_id, name))
    row = session.scalar(select(TenantSecret).where(TenantSecret.tenant_id == tenant_id,
                                                    TenantSecret.name == name))
    stamp = now()
    if row is None:
        row = TenantSecret(tenant_id=tenant_id, name=name, ciphertext=sealed, created_at=stamp,
                           updated_at=stamp)
        session.add(row)
    else:
        row.ciphertext, row.updated_at = sealed, stamp
    return SecretInfo(name, _last4(value), stamp)


def _rows(session: Session, tenant_id: int) -> list[TenantSecret]:
    return list(session.scalars(select(TenantSecret).where(TenantSecret.tenant_id == tenant_id)
                                .order_by(TenantSecret.name)))


def reveal_secrets(session: Session, master: MasterKey, tenant_id: int) -> dict[str, str]:
    """Every secret of the tenant in clear — for building its jobs' providers only."""
    rows = _rows(session, tenant_id)
    if not rows:
        return {}
    key = tenant_data_key(session, master, tenant_id, create=False)
    assert key is not None
    return {row.name: unseal(key, row.ciphertext, secret_aad(tenant_id, row.name)).decode()
            for row in rows}


def list_secrets(session: Session, master: MasterKey, tenant_id: int) -> list[SecretInfo]:
    times = {row.name: row.updated_at for row in _rows(session, tenant_id)}
    return [SecretInfo(name, _last4(value), times[name])
            for name, value in reveal_secrets(session, master, tenant_id).items()]


def delete_secret(session: Session, tenant_id: int, name: str) -> None:
    name = check_name(name)
    row = session.scalar(select(TenantSecret).where(TenantSecret.tenant_id == tenant_id,
                                                    TenantSecret.name == name))
    if row is None:
        raise NotFound(f"the tenant has no secret {name}")
    session.delete(row)


def rewrap_data_keys(session: Session, old: MasterKey, new: MasterKey) -> int:
    """Master-key rotation: unwrap every data key with ``old``, wrap it with ``new``. The
    secrets and artifacts those keys encrypt are untouched. Returns how many were re-wrapped
    (rows already under ``new`` are skipped, so an interrupted rotation can be run again)."""
    count = 0
    for row in session.scalars(select(TenantKey)):
        if row.master_key_id == new.key_id:
            continue
        if row.master_key_id != old.key_id:
            raise DecryptionFailed(f"tenant {row.tenant_id}'s data key is wrapped by "
                                   f"{row.master_key_id}, neither the old nor the new key")
        key = unwrap_data_key(old, row.wrapped_key, row.tenant_id)
        row.wrapped_key = wrap_data_key(new, key, row.tenant_id)
        row.master_key_id, row.rotated_at = new.key_id, now()
        count += 1
    return count


def settings_for_tenant(settings: Settings, session: Session, tenant_id: int) -> Settings:
    """``settings`` with the tenant's own provider credentials in place of the process-wide
    ones. Without a master key or without tenant secrets, ``settings`` is returned as is."""
    if session.scalar(select(TenantSecret.id).where(TenantSecret.tenant_id == tenant_id)
                      .limit(1)) is None:
        return settings
    from reelforge.security.envelope import master_key_from

    found = reveal_secrets(session, master_key_from(settings), tenant_id)
    update: dict[str, object] = {}
    for name, value in found.items():
        field_name = PROVIDER_SECRETS[name]
        update[field_name] = value if field_name == "spotify_client_id" else SecretStr(value)
    return settings.model_copy(update=update)


def settings_for_job(settings: Settings, db: Any, job_id: str) -> Settings:
    """``settings_for_tenant`` for the tenant that owns ``job_id`` (the worker's hook)."""
    from reelforge.store.jobs import Job

    with db.session() as session:
        tenant_id = session.scalar(select(Job.tenant_id).where(Job.id == job_id))
        if tenant_id is None:
            return settings
        return settings_for_tenant(settings, session, tenant_id)
