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
    report = run_round(fleet, workers=2, jobs=20, kill_after=0.25, timeout_s=300)  # blind kill
    assert report.killed and report.killed_jobs >= 1, "the kill must catch jobs in flight"
    assert report.lost == 0, report.problems
    assert report.duplicated == 0, report.problems
    assert report.succeeded == 20
    # Runware is idempotent: never paid twice. A speech or chat call the kill cut off may have
    # been billed and is made again (non-idempotent APIs): at most one per call in flight.
    assert report.repeated_paid["videoInference"] == 0, report.paid
    in_flight = report.in_paid_call_at_kill
    assert report.repeated_paid["tts"] + report.repeated_paid["chat"] <= in_flight, report.paid
    # the ledger saw what the fakes billed; it is written before a call is sent, so a kill
    # between the write and the send counts a call the fake never got (never the reverse)
    for operation, billed in report.repeated_paid.items():
        assert report.ledger_repeated[operation] >= billed, (report.ledger_repeated, billed)
    assert report.ledger_repeated["tts"] + report.ledger_repeated["chat"] <= in_flight
    # the killed worker's jobs were finished elsewhere
    assert report.resumed == report.killed_jobs
    assert report.paid["chat"] <= 20 + in_flight  # one script per job, bar a cut-off one
