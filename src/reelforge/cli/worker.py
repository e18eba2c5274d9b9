"""`reelforge worker`: run queued jobs (Huey consumer + lease sweeper), same settings as serve."""

from __future__ import annotations

from urllib.parse import urlsplit

import typer
from rich.console import Console


def worker_command(
    threads: int | None = typer.Option(None, "--threads", "-t", help="Jobs run at once."),
    metrics_port: int | None = typer.Option(None, "--metrics-port",
                                            help="Serve this worker's Prometheus metrics here."),
    drain: bool = typer.Option(False, "--drain", help="Run what is queued now, then exit."),
) -> None:
    """Consume the job queue until Ctrl-C. Run as many as you like, on as many machines."""
    from reelforge.jobs.queue import queue_url
    from reelforge.server.observability import configure_logging
    from reelforge.settings import Settings

    settings = Settings()
    configure_logging(settings)
    err = Console(stderr=True, highlight=False)
    serves = describe_queue(queue_url(settings), settings.queue_name)
    if drain:
        from reelforge.jobs.platform import open_platform
        from reelforge.jobs.sweep import sweep

        platform = open_platform(settings)
        sweep(platform)
        done = platform.queue.drain(limit=10_000)
        err.print(f"ran {done} queued message(s) from {serves}", soft_wrap=True)
        return
    from reelforge.jobs.consumer import run_worker

    threads_used = threads or settings.worker_threads

    def ready() -> None:
        err.print(f"worker ready: {serves}, {threads_used} job(s) at a time"
                  + (f", metrics on 127.0.0.1:{metrics_port}" if metrics_port else "")
                  + "; Ctrl-C stops it", soft_wrap=True)  # one line, however long the path

    run_worker(settings, threads=threads, metrics_port=metrics_port, on_ready=ready)


def describe_queue(url: str, name: str) -> str:
    """The queue as a user names it: backend, name and where (never the password)."""
    parts = urlsplit(url)
    backend = "sqlite" if parts.scheme == "sqlite" else "redis"  # as jobs/queue.py builds it
    if parts.scheme == "sqlite":
        where = url.removeprefix("sqlite:///")
    elif parts.scheme == "unix":
        where = parts.path
    else:
        where = f"{parts.hostname or 'localhost'}:{parts.port or 6379}{parts.path or '/0'}"
    return f"{backend} queue {name!r} at {where}"
