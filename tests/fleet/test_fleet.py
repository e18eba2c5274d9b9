"""The fleet's promises, through a real SIGKILL: two workers on PostgreSQL, Redis and S3 run 20
jobs submitted to two API servers; one worker is killed with jobs in hand. No job is lost, none
runs twice, and no paid call is made twice (counted at the provider fakes)."""

from __future__ import annotations

import pytest
from fleet_harness import Fleet, run_round


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.timeout(420)
def test_two_workers_lose_nothing_duplicate_nothing_and_pay_once_through_a_sigkill(
    fleet: Fleet,
) -> None:
    report = run_round(fleet, workers=2, jobs=20, kill_after=0.25, blind_kill=False,
                       timeout_s=300)
    assert report.killed and report.killed_jobs >= 1, "the kill must catch jobs in flight"
    assert not report.kill_in_paid_call
    assert report.lost == 0, report.problems
    assert report.duplicated == 0, report.problems
    assert report.repeated_paid == {"chat": 0, "tts": 0, "videoInference": 0}, report.paid
    assert report.ledger_repeated == {"chat": 0, "tts": 0, "videoInference": 0}
    assert report.succeeded == 20
    # the killed worker's jobs were finished elsewhere, from the steps it had already paid for
    assert report.resumed == report.killed_jobs
    assert report.resumed_cache_hits >= report.killed_jobs
    assert report.paid["chat"] == 20  # one script per job, none paid twice
