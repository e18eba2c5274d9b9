"""``install_security(app, settings)``: the web hardening middleware, in the right order."""

from __future__ import annotations

from fastapi import FastAPI

from reelforge.security.body_limit import MULTIPART_SLACK, BodyLimitMiddleware
from reelforge.security.csrf import CsrfMiddleware
from reelforge.security.headers import SecurityHeadersMiddleware
from reelforge.settings import Settings


def install_security(app: FastAPI, settings: Settings) -> None:
    """Body limit innermost, then CSRF, headers outermost (so every refusal gets them)."""
    tls = settings.tls_cert is not None
    app.add_middleware(BodyLimitMiddleware,
                       max_bytes=int(settings.upload_max_mb * 1e6) + MULTIPART_SLACK)
    if settings.csrf_protect:
        app.add_middleware(CsrfMiddleware,
                           secure_cookie=tls or settings.studio_cookie_secure)
    if settings.security_headers:
        app.add_middleware(SecurityHeadersMiddleware, hsts=tls)
