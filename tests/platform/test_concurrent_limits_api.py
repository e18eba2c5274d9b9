"""The probe that found the race, as a test: 20 requests released together at `reelforge serve
--workers 4` on PostgreSQL accept exactly the quota and never pass the budget, 10 rounds of 10."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from platform_support import TINY, auth
from pydantic import SecretStr
from sqlalchemy import func, select

from reelforge.domain import Brief
from reelforge.jobs.platform import Platform
from reelforge.services.estimate import estimate_cost
from reelforge.store.jobs import Job
from reelforge.store.tenants import Tenant, create_key

CONCURRENT = 20
ROUNDS = 10
POSTGRES = pytest.param("postgres+redis", marks=[pytest.mark.postgres, pytest.mark.redis])


@pytest.fixture
def api(platform: Platform, tmp_path: Path) -> Iterator[str]:
    """`reelforge serve --workers 4` on the platform's settings (runware video: jobs cost money;
    nothing runs them, so no call is made); yields its base URL."""
    platform.settings = platform.settings.model_copy(update={
        "video_engine": "runware", "runware_api_key": SecretStr("x")})
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = tmp_path / "serve.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "reelforge.cli.main", "serve", "--port", str(port),
         "--workers", "4"], env=platform.settings.child_environment(),
        stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, log.read_text()
            time.sleep(0.2)
        yield base
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def released_together(base: str, key: str) -> list[int]:
    """POST one brief from ``CONCURRENT`` threads released at once; the status codes."""
    barrier = threading.Barrier(CONCURRENT)
    statuses: list[int] = []

    def one() -> None:
        with httpx.Client(base_url=base, headers=auth(key), timeout=60) as client:
            client.get("/v1/jobs?limit=1")  # connect (and authenticate) before the barrier
            barrier.wait()
            statuses.append(client.post("/v1/jobs", json=TINY).status_code)

    threads = [threading.Thread(target=one) for _ in range(CONCURRENT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


def tenant_key(platform: Platform, name: str, **limits: float) -> tuple[int, str]:
    with platform.db.session() as session:
        key = create_key(session, name, "editor").secret
        tenant = session.scalars(select(Tenant).where(Tenant.name == name)).one()
        for field, value in limits.items():
            setattr(tenant, field, value)
        return tenant.id, key


def held_usd(platform: Platform, tenant_id: int) -> tuple[int, float]:
    with platform.db.session() as session:
        count, total = session.execute(select(func.count(), func.sum(Job.estimated_cost_usd))
                                       .where(Job.tenant_id == tenant_id)).one()
        return int(count), float(total or 0.0)


@pytest.mark.slow
@pytest.mark.parametrize("backend", [POSTGRES], indirect=True)
def test_twenty_requests_at_four_api_processes_accept_exactly_the_quota_and_budget(
    platform: Platform, api: str
) -> None:
    price = estimate_cost(Brief.model_validate(TINY), platform.settings).cost_usd
    assert price > 0
    budget = 5.5 * price
    for round_ in range(ROUNDS):
        quota_tenant, quota_key = tenant_key(platform, f"quota-{round_}", jobs_per_day=3)
        statuses = released_together(api, quota_key)
        assert sorted(statuses) == [202] * 3 + [429] * (CONCURRENT - 3), (round_, statuses)
        assert held_usd(platform, quota_tenant)[0] == 3

        budget_tenant, budget_key = tenant_key(platform, f"budget-{round_}",
                                               budget_usd_per_day=budget)
        statuses = released_together(api, budget_key)
        assert sorted(statuses) == [202] * 5 + [429] * (CONCURRENT - 5), (round_, statuses)
        count, held = held_usd(platform, budget_tenant)
        assert count == 5 and held <= budget
