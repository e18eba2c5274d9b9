"""``create_app(settings)``: the FastAPI application of ``reelforge serve``.

Built by a factory (never at import) so tests and uvicorn workers each get an app on their
own settings; ``reelforge serve`` passes the settings through the REELFORGE_* environment.
"""

from __future__ import annotations

from fastapi import FastAPI

from reelforge import __version__
from reelforge.jobs.platform import Platform, open_platform
from reelforge.security.middleware import install_security
from reelforge.server.deps import KeyCache
from reelforge.server.errors import install_error_handlers
from reelforge.server.methods import AllowedMethodsMiddleware
from reelforge.server.observability import install_middleware
from reelforge.server.ratelimit import rate_limiter_for
from reelforge.server.routes import (
    admin,
    artifacts,
    batches,
    catalog,
    events,
    health,
    jobs,
    library,
)
from reelforge.server.routes import clips as clips_routes
from reelforge.server.routes import footage as footage_routes
from reelforge.server.routes import footage_swap as footage_swap_routes
from reelforge.server.routes import secrets as secrets_routes
from reelforge.server.web import mount_studio
from reelforge.settings import Settings

DESCRIPTION = """
Prompt → finished short video, and a creator's media library understood.

Authenticate every `/v1` call with an API key: `Authorization: Bearer rf_…` (or `X-API-Key`).
Keys have a role (admin, editor, viewer) and belong to a tenant; another tenant's ids answer
404. Errors always have one shape: `{"error": {"code", "message", "details"}}`. Over the rate
limit, the daily job quota or budget the answer is 429 with `Retry-After`; over the storage
quota it is 413 `storage_quota_exceeded` (waiting frees nothing: delete files first). A backing
service that does not answer in time is 503 `service_unavailable`. Every answer carries an
`X-Request-ID` (yours, if you sent one) that the server's log lines carry too.
"""


def create_app(settings: Settings | None = None, *, platform: Platform | None = None) -> FastAPI:
    settings = settings or (platform.settings if platform else Settings())
    app = FastAPI(title="reelforge", version=__version__, description=DESCRIPTION,
                  openapi_tags=[{"name": n} for n in ("jobs", "artifacts", "batches", "catalog",
                                                        "library", "admin", "health")])
    app.state.platform = platform or open_platform(settings)
    app.state.key_cache = KeyCache()
    url = settings.rate_limit_url or (settings.queue_url if settings.queue_url and
                                      settings.queue_url.startswith("redis") else None)
    app.state.rate_limiter = rate_limiter_for(url, settings)
    install_error_handlers(app)
    app.add_middleware(AllowedMethodsMiddleware, fastapi_app=app)  # inside the request log
    install_middleware(app)
    install_security(app, settings)  # issue 9: CSRF on form posts, security headers
    for module in (jobs, events, artifacts, batches, catalog, library, admin, health):
        app.include_router(module.router)
    app.include_router(secrets_routes.router)  # issue 9: tenant provider credentials
    app.include_router(footage_routes.router)  # issue 17: the tenant's own footage
    app.include_router(footage_swap_routes.router)  # issue 17: swap a scene's shot
    app.include_router(clips_routes.router)  # issue 18: a library video to shorts
    mount_studio(app)  # the web studio at /
    return app


def app_from_environment() -> FastAPI:
    """uvicorn's ``--factory`` entry for ``reelforge serve --workers N``."""
    from reelforge.server.observability import configure_logging

    settings = Settings()
    configure_logging(settings, json=True)
    return create_app(settings)
