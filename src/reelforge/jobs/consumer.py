"""``reelforge worker``: a Huey consumer plus the lease sweeper, in one process."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import structlog

from reelforge.jobs.platform import open_platform
from reelforge.settings import Settings

log = structlog.get_logger("reelforge.jobs")


def run_worker(settings: Settings, *, threads: int | None = None,
               metrics_port: int | None = None,
               on_ready: Callable[[], None] | None = None) -> None:
    """Consume jobs until SIGINT/SIGTERM (Huey's consumer handles the signals); ``on_ready``
    is called once the queue is open and the consumer about to take messages."""
    platform = open_platform(settings)
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr="127.0.0.1")
    logging.getLogger("huey").setLevel(logging.WARNING)
    stop = threading.Event()
    from reelforge.jobs.sweep import start_sweeper

    start_sweeper(platform, stop)
    sqlite = platform.queue.url.startswith("sqlite")
    consumer = platform.queue.huey.create_consumer(
        workers=threads or settings.worker_threads, worker_type="thread", periodic=False,
        initial_delay=0.05, backoff=1.5, max_delay=0.5 if sqlite else 2.0,
        check_worker_health=True)
    log.info("worker started", owner=platform.owner, queue=platform.queue.url.split("://")[0])
    if on_ready is not None:
        on_ready()
    try:
        consumer.run()
    finally:
        stop.set()
