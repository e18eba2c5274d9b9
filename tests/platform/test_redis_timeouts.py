"""A Redis that accepts connections but never answers must not hang the API: every Redis
client has socket timeouts, and the request fails fast with a clear 503 (issue 15)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from platform_support import auth

from reelforge.jobs.platform import Platform
from reelforge.store.tenants import create_key


@pytest.fixture
def silent_redis() -> Iterator[str]:
    """A TCP server on loopback that accepts every connection and never sends a byte."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    stop.set()
    thread.join(timeout=2)
    for connection in held:
        connection.close()
    server.close()


def test_a_hung_rate_limit_redis_answers_503_fast_not_a_hang(
    platform: Platform, silent_redis: str
) -> None:
    from reelforge.server.app import create_app

    settings = platform.settings.model_copy(update={
        "rate_limit_url": silent_redis, "redis_connect_timeout_s": 0.5, "redis_timeout_s": 1.5})
    with platform.db.session() as session:
        key = create_key(session, "acme", "viewer").secret
    client = TestClient(create_app(settings, platform=platform))
    started = time.monotonic()
    answer = client.get("/v1/jobs", headers=auth(key))
    elapsed = time.monotonic() - started
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"]["code"] == "service_unavailable"
    assert "rate-limit store" in answer.json()["error"]["message"]
    assert elapsed < 5.0


def test_a_hung_queue_redis_times_out_instead_of_hanging(
    platform: Platform, silent_redis: str
) -> None:
    from reelforge.jobs.queue import make_queue

    settings = platform.settings.model_copy(update={
        "queue_url": silent_redis, "redis_connect_timeout_s": 0.5, "redis_timeout_s": 1.5})
    hung = make_queue(settings, lambda job_id: None)
    started = time.monotonic()
    with pytest.raises(Exception, match=r"(?i)timeout|timed out"):
        hung.reachable()
    assert time.monotonic() - started < 5.0


def test_every_redis_client_gets_the_socket_timeouts(platform: Platform) -> None:
    from reelforge.jobs.queue import make_queue
    from reelforge.server.ratelimit import RedisRateLimiter, rate_limiter_for

    settings = platform.settings.model_copy(update={
        "queue_url": "redis://127.0.0.1:1/0", "redis_connect_timeout_s": 0.7,
        "redis_timeout_s": 2.5})
    pool = make_queue(settings, lambda job_id: None).huey.storage.pool
    assert pool.connection_kwargs["socket_connect_timeout"] == 0.7
    assert pool.connection_kwargs["socket_timeout"] == 2.5
    limiter = rate_limiter_for("redis://127.0.0.1:1/0", settings)
    assert isinstance(limiter, RedisRateLimiter)
    options = limiter.client.connection_pool.connection_kwargs
    assert options["socket_connect_timeout"] == 0.7 and options["socket_timeout"] == 2.5
