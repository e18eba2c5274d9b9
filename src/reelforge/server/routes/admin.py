"""/v1/keys, /v1/usage, /v1/audit: a tenant's keys, its analytics, and its audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from reelforge.server.deps import PlatformDep, allowed
from reelforge.server.errors import error_responses
from reelforge.server.schemas import AuditOut, KeyCreated, KeyIn, KeyOut, UsageOut, utc
from reelforge.services.usage import parse_since
from reelforge.store import audit, usage
from reelforge.store.tenants import Principal, create_key, list_keys, revoke_key

router = APIRouter(prefix="/v1", tags=["admin"])
Admin = Annotated[Principal, Depends(allowed("keys:manage"))]


@router.get("/keys", response_model=list[KeyOut], responses=error_responses(401, 403, 429))
def keys(who: Admin, platform: PlatformDep) -> list[KeyOut]:
    """The tenant's keys (prefixes only: a key is shown once, when created)."""
    with platform.db.session() as session:
        return [KeyOut(prefix=k.prefix, role=k.role, name=k.name,
                       created_at=utc(k.created_at), revoked=k.revoked)  # type: ignore[arg-type]
                for k in list_keys(session, who.tenant_id)]


@router.post("/keys", status_code=201, response_model=KeyCreated,
             responses=error_responses(400, 401, 403, 422, 429))
def new_key(body: KeyIn, who: Admin, platform: PlatformDep) -> KeyCreated:
    """Create a key in the caller's tenant; the answer is the only time the key is shown."""
    with platform.db.session() as session:
        made = create_key(session, who.tenant, body.role, name=body.name,
                          rate_per_minute=body.rate_per_minute)
    return KeyCreated(key=made.secret, prefix=made.prefix, role=made.role, tenant=made.tenant)


@router.delete("/keys/{prefix}", response_model=KeyOut,
               responses=error_responses(401, 403, 404, 429))
def revoke(prefix: str, who: Admin, platform: PlatformDep) -> KeyOut:
    with platform.db.session() as session:
        key = revoke_key(session, who.tenant_id, prefix)
        return KeyOut(prefix=key.prefix, role=key.role, name=key.name,
                      created_at=utc(key.created_at), revoked=key.revoked)  # type: ignore[arg-type]


@router.get("/usage", response_model=UsageOut, responses=error_responses(400, 401, 403, 429))
def tenant_usage(who: Annotated[Principal, Depends(allowed("usage:read"))],
                 platform: PlatformDep,
                 since: Annotated[str, Query(max_length=32, description="e.g. 7d, 24h, "
                                             "2026-11-01")] = "7d") -> UsageOut:
    """Jobs, minutes rendered and paid calls' cost by provider since a moment (failed and
    cancelled jobs included; calls of unknown outcome shown as may have been billed)."""
    moment = parse_since(since)
    with platform.db.session() as session:
        summary = usage.summarize(session, who.tenant_id, who.tenant, moment)
    return UsageOut(tenant=summary.tenant, since=summary.since, jobs=summary.jobs,
                    minutes_rendered=summary.minutes_rendered,
                    cost_by_provider=summary.cost_by_provider, cost_usd=summary.cost_usd,
                    may_have_been_billed_by_provider=summary.may_have_been_billed_by_provider,
                    may_have_been_billed_usd=summary.may_have_been_billed_usd,
                    paid_calls=summary.paid_calls)


@router.get("/audit", response_model=list[AuditOut], responses=error_responses(401, 403, 429))
def audit_log(who: Annotated[Principal, Depends(allowed("audit:read"))], platform: PlatformDep,
              limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[AuditOut]:
    """The tenant's mutating calls, newest first."""
    with platform.db.session() as session:
        return [AuditOut(at=utc(e.at), actor=e.actor, action=e.action,  # type: ignore[arg-type]
                         target=e.target, source=e.source, status=e.status)
                for e in audit.entries(session, who.tenant_id, limit)]


