"""Tenants, and the API keys that act for them with a role.

A key is shown once when created and stored only as a SHA-256 hash (keys are 32 random bytes,
so a plain hash is enough; a slow password hash would only slow every request). Its short
``prefix`` finds the row and is the only part of a key that logs and listings ever show.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from reelforge.errors import Conflict, InputError, NotFound
from reelforge.store.db import Base

Role = Literal["admin", "editor", "viewer"]
ROLES: tuple[Role, ...] = ("admin", "editor", "viewer")
KEY_PREFIX = "rf_"
_TENANT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def now() -> datetime:
    return datetime.now(UTC)


class Tenant(Base):
    """An organisation: owns keys, jobs, artifacts, library items; quotas are per tenant."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    #: Per-tenant limits; NULL means "the server's default" (settings).
    jobs_per_day: Mapped[int | None] = mapped_column(Integer, nullable=True)
    storage_mb: Mapped[float | None] = mapped_column(Float, nullable=True)
    budget_usd_per_day: Mapped[float | None] = mapped_column(Float, nullable=True)


class ApiKey(Base):
    """A key acting for one tenant with one role; only its hash is stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Requests per minute this key may make; NULL means the server's default.
    rate_per_minute: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: After `keys rotate`, the old key works until then (the overlap window); NULL: no end.
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's tenant and role (what every route is scoped and checked by)."""

    tenant_id: int
    tenant: str
    role: Role
    key_id: int
    key_prefix: str
    rate_per_minute: float | None = None
    #: When a rotated key stops working (None: never); the key cache honours it too.
    expires_at: datetime | None = None


@dataclass(frozen=True)
class NewKey:
    """A freshly created key: ``secret`` is shown to the user once and never stored."""

    secret: str
    prefix: str
    tenant: str
    role: Role


def check_tenant_name(name: str) -> str:
    if not _TENANT_NAME.match(name):
        raise InputError(f"invalid tenant name {name!r}",
                         hint="use 1-63 lowercase letters, digits, '-' or '_', e.g. acme")
    return name


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}", hint=f"use one of: {', '.join(ROLES)}")
    return role


def get_or_create_tenant(session: Session, name: str) -> Tenant:
    check_tenant_name(name)
    tenant = session.scalar(select(Tenant).where(Tenant.name == name))
    if tenant is None:
        tenant = Tenant(name=name)
        session.add(tenant)
        session.flush()
    return tenant


#: The tenant the command line works for: `reelforge songs add` / `footage add` fill its library,
#: which the studio shows to the keys of this tenant.
LOCAL_TENANT = "local"


def local_tenant_id(session: Session) -> int:
    """The command line's tenant (made on first use)."""
    return get_or_create_tenant(session, LOCAL_TENANT).id


def tenant_by_name(session: Session, name: str) -> Tenant:
    tenant = session.scalar(select(Tenant).where(Tenant.name == name))
    if tenant is None:
        raise NotFound(f"no tenant named {name!r}",
                       hint="create one with `reelforge keys create --tenant NAME`")
    return tenant


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(session: Session, tenant_name: str, role: str, *, name: str = "",
               rate_per_minute: float | None = None) -> NewKey:
    """Create a key for the tenant (created too if new); the secret is returned only here."""
    checked = check_role(role)
    if _CONTROL.search(name) or len(name) > 128:
        raise InputError("a key's name is up to 128 characters, none of them control characters",
                         hint="name the key after what uses it, e.g. dashboard")
    tenant = get_or_create_tenant(session, tenant_name)
    prefix = secrets.token_hex(4)
    secret = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    session.add(ApiKey(tenant_id=tenant.id, prefix=prefix, key_hash=hash_key(secret),
                       role=checked, name=name, rate_per_minute=rate_per_minute))
    session.flush()
    return NewKey(secret=secret, prefix=prefix, tenant=tenant.name, role=checked)


def key_prefix_of(secret: str) -> str | None:
    """The lookup prefix of a presented key, or None when it is not shaped like ours."""
    if not secret.startswith(KEY_PREFIX):
        return None
    prefix, sep, _ = secret[len(KEY_PREFIX):].partition("_")
    return prefix if sep and len(prefix) == 8 else None


def authenticate(session: Session, secret: str) -> Principal | None:
    """The principal of a valid, unrevoked key; None for anything else (never says why)."""
    prefix = key_prefix_of(secret)
    if prefix is None:
        return None
    row = session.execute(
        select(ApiKey, Tenant.name).join(Tenant, Tenant.id == ApiKey.tenant_id)
        .where(ApiKey.prefix == prefix)
    ).first()
    if row is None:
        return None
    key, tenant_name = row
    if key.revoked or not hmac.compare_digest(key.key_hash, hash_key(secret)):
        return None
    expires_at = _aware(key.expires_at)
    if expires_at is not None and expires_at <= now():
        return None  # rotated, and its overlap window is over (issue 9)
    return Principal(tenant_id=key.tenant_id, tenant=tenant_name, role=key.role,  # type: ignore[arg-type]
                     key_id=key.id, key_prefix=key.prefix, rate_per_minute=key.rate_per_minute,
                     expires_at=expires_at)


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every time we store is UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def list_keys(session: Session, tenant_id: int) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).where(ApiKey.tenant_id == tenant_id)
                                .order_by(ApiKey.id)))


class LastAdminKey(Conflict):
    """Revoking this key would leave the tenant without a working admin key."""

    code = "last_admin_key"


def revoke_key(session: Session, tenant_id: int, prefix: str) -> ApiKey:
    """Revoke one of the tenant's keys, never its last active admin key (nobody could then
    manage the tenant's keys). The tenant's admin keys are locked first, so two admins revoking
    each other's keys at once cannot both succeed."""
    admins = list(session.scalars(select(ApiKey).where(
        ApiKey.tenant_id == tenant_id, ApiKey.role == "admin").with_for_update()))
    key = session.scalar(select(ApiKey).where(ApiKey.tenant_id == tenant_id,
                                              ApiKey.prefix == prefix))
    if key is None:
        raise NotFound(f"no key with prefix {prefix!r} in this tenant",
                       hint="list the tenant's keys with GET /v1/keys")
    if key.role == "admin" and _active(key):
        others = [k for k in admins if k.id != key.id and _active(k)]
        if not others:
            raise LastAdminKey(f"key {prefix} is the tenant's last active admin key",
                               hint="create another admin key first, then revoke this one")
    key.revoked = True
    return key


def _active(key: ApiKey) -> bool:
    expires_at = _aware(key.expires_at)
    return not key.revoked and (expires_at is None or expires_at > now())


def revocation_count(session: Session | Connection) -> int:
    """How many keys were ever revoked or given an end (rotation), over all tenants.

    Every API process's key cache compares this number with the one it saw when it cached a
    key: when it moved, the cache is dropped, so a revocation takes effect at once everywhere
    (one count over the keys table per request, cheaper than the key lookup the cache saves)."""
    return session.scalar(select(func.count()).select_from(ApiKey).where(
        or_(ApiKey.revoked.is_(True), ApiKey.expires_at.is_not(None)))) or 0


def rate_for_new_key(requested: float | None, creator_rate: float | None,
                     server_rate: float) -> float | None:
    """The rate (requests a minute; None: the server's) of a key made by another key: never
    above its creator's own, or an admin could lift its own limit by making a faster key."""
    ceiling = creator_rate if creator_rate is not None else server_rate
    if requested is None:
        return creator_rate if creator_rate is not None and creator_rate < server_rate else None
    if requested > ceiling:
        raise InputError(f"rate_per_minute {requested:g} is above your own key's "
                         f"{ceiling:g} requests a minute",
                         hint=f"ask for at most {ceiling:g}, or have the operator raise your "
                              "key's rate")
    return requested
