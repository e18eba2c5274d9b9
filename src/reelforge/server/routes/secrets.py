"""/v1/secrets: an admin stores the tenant's own provider credentials. No route returns a
value: reads show the name and the last four characters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field, SecretStr

from reelforge.security.envelope import master_key_from
from reelforge.security.secrets_store import (
    SecretInfo,
    delete_secret,
    list_secrets,
    set_secret,
)
from reelforge.server.deps import PlatformDep, allowed
from reelforge.server.errors import error_responses
from reelforge.store.tenants import Principal

router = APIRouter(prefix="/v1/secrets", tags=["admin"])
Admin = Annotated[Principal, Depends(allowed("keys:manage"))]
Name = Annotated[str, Path(max_length=64, description="e.g. RUNWARE_API_KEY")]


class SecretIn(BaseModel):
    value: SecretStr = Field(description="The credential; stored encrypted, never returned.")


class SecretOut(BaseModel):
    name: str
    last4: str = Field(description="The last four characters, to recognise the credential.")
    updated_at: datetime


def out(info: SecretInfo) -> SecretOut:
    stamp = info.updated_at if info.updated_at.tzinfo else info.updated_at.replace(tzinfo=UTC)
    return SecretOut(name=info.name, last4=info.last4, updated_at=stamp)


@router.get("", response_model=list[SecretOut], responses=error_responses(400, 401, 403, 429))
def secrets(who: Admin, platform: PlatformDep) -> list[SecretOut]:
    """The tenant's provider credentials (names and last four characters only)."""
    with platform.db.session() as session:
        return [out(i) for i in list_secrets(session, master_key_from(platform.settings),
                                              who.tenant_id)]


@router.put("/{name}", response_model=SecretOut,
            responses=error_responses(400, 401, 403, 422, 429))
def put_secret(name: Name, body: SecretIn, who: Admin, platform: PlatformDep) -> SecretOut:
    """Store or replace one credential; the tenant's jobs use it in place of the server's."""
    with platform.db.session() as session:
        return out(set_secret(session, master_key_from(platform.settings), who.tenant_id, name,
                              body.value.get_secret_value()))


@router.delete("/{name}", status_code=204, responses=error_responses(400, 401, 403, 404, 429))
def remove_secret(name: Name, who: Admin, platform: PlatformDep) -> None:
    with platform.db.session() as session:
        delete_secret(session, who.tenant_id, name)
