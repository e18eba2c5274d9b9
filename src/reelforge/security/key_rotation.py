"""Rotating a reelforge API key with an overlap window: a new key with the same tenant, role,
name and rate limit is made, and the old one keeps working until the window ends, so clients
can switch without an outage. Revoking the old key early is `reelforge keys revoke`."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from reelforge.errors import InputError, NotFound
from reelforge.store import audit
from reelforge.store.tenants import ApiKey, NewKey, Tenant, create_key, now


def rotate_key(session: Session, tenant_id: int, prefix: str, *, overlap_h: float,
               actor: str = "cli") -> tuple[NewKey, ApiKey]:
    """(the new key, shown once; the old key row, now with ``expires_at``)."""
    old = session.scalar(select(ApiKey).where(ApiKey.tenant_id == tenant_id,
                                              ApiKey.prefix == prefix))
    if old is None:
        raise NotFound(f"the tenant has no key {prefix!r}", hint="see `reelforge keys list`")
    if old.revoked:
        raise InputError(f"key {prefix} is revoked; create a new key instead")
    if overlap_h < 0:
        raise InputError("the overlap window cannot be negative")
    tenant = session.get(Tenant, tenant_id)
    assert tenant is not None
    made = create_key(session, tenant.name, old.role, name=old.name,
                      rate_per_minute=old.rate_per_minute)
    ends = now() + timedelta(hours=overlap_h)
    current = old.expires_at
    if current is not None and current.tzinfo is None:
        from datetime import UTC

        current = current.replace(tzinfo=UTC)
    old.expires_at = min(ends, current) if current is not None else ends
    audit.append(session, tenant_id=tenant_id, actor=actor, action="key.rotate",
                 target=prefix, details={"new_prefix": made.prefix,
                                         "old_valid_until": old.expires_at.isoformat()})
    return made, old
