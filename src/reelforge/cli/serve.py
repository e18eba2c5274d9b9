"""`reelforge serve`: the REST API under uvicorn (OpenAPI at /docs, metrics at /metrics)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from reelforge.settings import Settings

APP = "reelforge.server.app:app_from_environment"


def serve_command(
    host: str | None = typer.Option(None, "--host", help="Address (default 127.0.0.1)."),
    port: int | None = typer.Option(None, "--port", "-p", help="Port (default 8000)."),
    workers: int | None = typer.Option(None, "--workers", "-w", help="uvicorn worker processes."),
    tls_cert: str | None = typer.Option(None, "--tls-cert", help="PEM certificate: serve HTTPS "
                                        "(and send HSTS)."),
    tls_key: str | None = typer.Option(None, "--tls-key", help="PEM private key of --tls-cert."),
) -> None:
    """Serve the API. Jobs are queued; run `reelforge worker` (one or many) to make them."""
    import uvicorn

    from reelforge.settings import Settings

    # Options go into the environment so every uvicorn worker process builds the same Settings.
    for name, value in (("SERVE_HOST", host), ("SERVE_PORT", port), ("SERVE_WORKERS", workers),
                        ("TLS_CERT", tls_cert), ("TLS_KEY", tls_key)):
        if value is not None:
            os.environ[f"REELFORGE_{name}"] = str(value)
    if tls_cert:  # over TLS the sign-in cookie is Secure (issue 9)
        os.environ.setdefault("REELFORGE_STUDIO_COOKIE_SECURE", "1")
    settings = Settings()
    from reelforge.jobs.platform import open_platform

    open_platform(settings)  # migrate once, and fail here with one clear line if misconfigured
    from reelforge.cli.listening import serve

    code = serve(uvicorn.Config(APP, **uvicorn_options(settings)))
    if code:
        raise typer.Exit(code)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn runs the app (one place, so tests can check it)."""
    return {"factory": True, "http": "reelforge.server.nodelay:NoDelayH11Protocol",
            "host": settings.serve_host, "port": settings.serve_port,
            "workers": settings.serve_workers, "access_log": False, "log_level": "warning",
            "ssl_certfile": str(settings.tls_cert) if settings.tls_cert else None,
            "ssl_keyfile": str(settings.tls_key) if settings.tls_key else None}

