"""`reelforge worker`: run queued jobs (Huey consumer + lease sweeper), same settings as serve."""

from __future__ import annotations

import typer
from rich.console import Console


def worker_command(
    threads: int | None = typer.Option(None, "--threads", "-t", help="Jobs run at once."),
    metrics_port: int | None = typer.Option(None, "--metrics-port",
                                            help="Serve this worker's Prometheus metrics here."),
    drain: bool = typer.Option(False, "--drain", help="Run what is queued now, then exit."),
) -> None:
    """Consume the job queue until Ctrl-C. Run as many as you like, on as many machines."""
    from reelforge.server.observability import configure_logging
    from reelforge.settings import Settings

    settings = Settings()
    configure_logging(settings)
    if drain:
        from reelforge.jobs.sweep import sweep
        from reelforge.services.platform import open_platform

        platform = open_platform(settings)
        sweep(platform)
        done = platform.queue.drain(limit=10_000)
        Console(stderr=True).print(f"ran {done} queued message(s)")
        return
    from reelforge.jobs.consumer import run_worker

    run_worker(settings, threads=threads, metrics_port=metrics_port)
