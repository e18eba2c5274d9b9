"""Sign-in for the studio: the API key lives in an HTTP-only, SameSite=Strict cookie.

A browser cannot send ``Authorization`` headers on a page load, a <video> range request or an
EventSource, so the cookie carries the key and ``studio_principal`` checks it exactly like the
API does (``deps.principal``: hashed lookup, key cache, rate limit). Mutating requests must come
from our own origin (a second guard beside SameSite against cross-site forms).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request

from reelforge.jobs.platform import Platform
from reelforge.server.deps import PERMISSIONS, get_platform, principal
from reelforge.server.errors import Forbidden, Unauthorized
from reelforge.store.tenants import Principal

COOKIE = "rf_studio"


class SignInNeeded(Exception):
    """No valid sign-in cookie: pages redirect to /signin, htmx requests get HX-Redirect."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason


def studio_principal(request: Request,
                     platform: Annotated[Platform, Depends(get_platform)]) -> Principal:
    """The signed-in caller, from the cookie; the same checks as an API call with the key."""
    secret = request.cookies.get(COOKIE, "")
    if not secret:
        raise SignInNeeded()
    try:
        return principal(request, platform, None, secret)
    except Unauthorized:
        raise SignInNeeded("expired") from None


def may(who: Principal, action: str) -> bool:
    return who.role in PERMISSIONS[action]


def require(who: Principal, action: str) -> None:
    """Refuse with words a person understands when the role may not do ``action``."""
    if not may(who, action):
        allowed = " or ".join(sorted(PERMISSIONS[action]))
        raise Forbidden(f"your key's role ({who.role}) cannot do this",
                        hint=f"ask an admin for a key with the role {allowed}")


def same_origin(request: Request) -> bool:
    """True when a mutating request came from a page of this server (or sent no Origin)."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin:
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")


Who = Annotated[Principal, Depends(studio_principal)]
