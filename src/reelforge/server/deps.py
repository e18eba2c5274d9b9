"""Dependencies every route uses: the platform, the calling key (auth + rate limit), roles.

Roles: admin does everything in its tenant; editor makes jobs and library items; viewer reads.
``PERMISSIONS`` is the whole matrix, tested as such.
"""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from reelforge.errors import QuotaExceeded
from reelforge.jobs.platform import Platform
from reelforge.server.errors import Forbidden, Unauthorized
from reelforge.settings import Settings
from reelforge.store.tenants import Principal, authenticate, revocation_count

PERMISSIONS: dict[str, frozenset[str]] = {
    "jobs:read": frozenset({"admin", "editor", "viewer"}),
    "jobs:write": frozenset({"admin", "editor"}),
    "library:read": frozenset({"admin", "editor", "viewer"}),
    "library:write": frozenset({"admin", "editor"}),
    "library:register": frozenset({"admin"}),
    "catalog:read": frozenset({"admin", "editor", "viewer"}),
    "usage:read": frozenset({"admin", "editor"}),
    "keys:manage": frozenset({"admin"}),
    "audit:read": frozenset({"admin"}),
}

_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer rf_…")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="X-API-Key: rf_…")


def get_platform(request: Request) -> Platform:
    return request.app.state.platform


class KeyCache:
    """Recently seen keys (by hash) for a few seconds, so a request costs no key lookup.

    Entries belong to one *generation*: the database's revocation count
    (``store.tenants.revocation_count``). A request that sees another count drops every
    entry, so a key revoked through any process or the CLI stops working at once."""

    def __init__(self, ttl_s: float = 5.0) -> None:
        self.ttl_s = ttl_s
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._generation: int | None = None
        self._lock = threading.Lock()

    def get(self, digest: str, generation: int) -> Principal | None:
        with self._lock:
            if generation != self._generation:
                self._entries.clear()
                self._generation = generation
                return None
            found = self._entries.get(digest)
        if found is None or time.monotonic() - found[0] >= self.ttl_s:
            return None
        who = found[1]
        if who.expires_at is not None and who.expires_at <= datetime.now(UTC):
            return None
        return who

    def put(self, digest: str, principal: Principal, generation: int) -> None:
        with self._lock:
            if generation != self._generation:
                return  # a revocation happened meanwhile: this lookup may already be stale
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[digest] = (time.monotonic(), principal)


def principal(
    request: Request,
    platform: Annotated[Platform, Depends(get_platform)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header_key: Annotated[str | None, Depends(_header)],
) -> Principal:
    """The caller, from its API key; then one token from the key's rate-limit bucket."""
    secret = bearer.credentials if bearer else header_key
    if not secret:
        raise Unauthorized("no API key", hint="send Authorization: Bearer rf_… "
                           "(create one with `reelforge keys create --tenant NAME`)")
    digest = hashlib.sha256(secret.encode()).hexdigest()
    cache: KeyCache = request.app.state.key_cache
    with platform.db.engine.connect() as connection:
        generation = revocation_count(connection)
    who = cache.get(digest, generation)
    if who is None:
        with platform.db.session() as session:
            who = authenticate(session, secret)
        if who is None:
            raise Unauthorized("the API key is not valid (unknown or revoked)",
                               hint="check the key, or ask an admin for a new one")
        cache.put(digest, who, generation)
    request.state.principal = who
    per_minute = effective_rate(who, platform.settings)
    wait = request.app.state.rate_limiter.take(who.key_prefix, per_minute,
                                               platform.settings.rate_burst)
    if wait > 0:
        raise QuotaExceeded(f"rate limit of {per_minute:g} requests a minute for this key "
                            "exceeded", retry_after=wait, hint="slow down and retry after "
                            "Retry-After seconds")
    return who


def effective_rate(who: Principal, settings: Settings) -> float:
    """Requests a minute the key may make: its own rate, else the server's."""
    return who.rate_per_minute or settings.rate_per_minute


def allowed(action: str):
    """A dependency that lets the call through only for roles allowed to do ``action``."""

    def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if who.role not in PERMISSIONS[action]:
            raise Forbidden(f"the role {who.role!r} may not do {action}",
                            hint=f"use a key with role {' or '.join(sorted(PERMISSIONS[action]))}")
        return who

    return check


PlatformDep = Annotated[Platform, Depends(get_platform)]
RequestIdHeader = Annotated[str | None, Header(alias="X-Request-ID")]
