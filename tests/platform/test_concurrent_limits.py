"""Quotas and budgets hold under concurrency: submits released together behind a barrier are
accepted exactly as many times as the limit allows, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from reelforge.domain import Brief
from reelforge.errors import QuotaExceeded
from reelforge.jobs.platform import Platform
from reelforge.services import jobs as job_service
from reelforge.services.estimate import estimate_cost
from reelforge.store.jobs import Job
from reelforge.store.tenants import Tenant, create_key

BRIEF = Brief(prompt="Why cats purr", duration_s=5, aspect="1:1")
CONCURRENT = 20


def new_tenant(platform: Platform, name: str, **limits: Any) -> int:
    with platform.db.session() as session:
        create_key(session, name, "editor")
        tenant = session.scalars(select(Tenant).where(Tenant.name == name)).one()
        for field, value in limits.items():
            setattr(tenant, field, value)
        return tenant.id


def released_together(attempt: Callable[[], Any], count: int = CONCURRENT) -> tuple[int, int]:
    """Run ``attempt`` in ``count`` threads released at once; (accepted, refused)."""
    barrier = threading.Barrier(count)
    outcomes: list[str] = []

    def one() -> None:
        barrier.wait()
        try:
            attempt()
            outcomes.append("accepted")
        except QuotaExceeded:
            outcomes.append("refused")
        except Exception as exc:  # anything else is a failure of the test, shown as such
            outcomes.append(f"error: {exc!r}")

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    errors = [o for o in outcomes if o.startswith("error")]
    assert not errors, errors
    return outcomes.count("accepted"), outcomes.count("refused")


def paid_settings(platform: Platform) -> None:
    """Runware video, so every job has a price (no call is made: nothing runs the jobs)."""
    platform.settings = platform.settings.model_copy(update={
        "video_engine": "runware", "runware_api_key": SecretStr("x")})


def committed_usd(platform: Platform, tenant_id: int) -> float:
    with platform.db.session() as session:
        return float(session.scalar(select(func.sum(Job.estimated_cost_usd)).where(
            Job.tenant_id == tenant_id)) or 0.0)


@pytest.mark.parametrize("round_", range(3))
def test_twenty_concurrent_submits_against_a_quota_of_three_accept_exactly_three(
    platform: Platform, round_: int
) -> None:
    tenant_id = new_tenant(platform, f"quota-{round_}", jobs_per_day=3)
    accepted, refused = released_together(
        lambda: job_service.submit(platform, tenant_id, BRIEF))
    assert (accepted, refused) == (3, CONCURRENT - 3)


@pytest.mark.parametrize("round_", range(3))
def test_twenty_concurrent_submits_against_a_budget_for_five_accept_exactly_five(
    platform: Platform, round_: int
) -> None:
    paid_settings(platform)
    price = estimate_cost(BRIEF, platform.settings).cost_usd
    assert price > 0
    budget = 5.5 * price
    tenant_id = new_tenant(platform, f"budget-{round_}", budget_usd_per_day=budget)
    accepted, _ = released_together(lambda: job_service.submit(platform, tenant_id, BRIEF))
    assert accepted == 5
    assert committed_usd(platform, tenant_id) <= budget


def test_concurrent_batches_never_pass_the_quota_together(platform: Platform) -> None:
    tenant_id = new_tenant(platform, "batches", jobs_per_day=5)
    accepted, _ = released_together(
        lambda: job_service.submit_batch(platform, tenant_id, [BRIEF, BRIEF]), count=10)
    assert accepted == 2  # 4 jobs; a third batch would make 6
    with platform.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Job).where(
            Job.tenant_id == tenant_id)) == 4


def test_a_finished_job_releases_its_hold_and_keeps_only_what_it_spent(
    platform: Platform
) -> None:
    paid_settings(platform)
    price = estimate_cost(BRIEF, platform.settings).cost_usd
    tenant_id = new_tenant(platform, "release", budget_usd_per_day=2.5 * price)
    first = job_service.submit(platform, tenant_id, BRIEF)
    job_service.submit(platform, tenant_id, BRIEF)
    with pytest.raises(QuotaExceeded, match="budget"):
        job_service.submit(platform, tenant_id, BRIEF)  # two holds: no room for a third
    with platform.db.session() as session:
        job = session.get(Job, first.id)
        assert job is not None
        job.state, job.cost_usd = "succeeded", 0.25 * price  # it spent a quarter of its hold
    job_service.submit(platform, tenant_id, BRIEF)  # 0.25 + 1 + 1 of 2.5: room again
