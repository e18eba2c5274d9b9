"""The job row is the source of truth: claims are exclusive, leases expire, the sweep re-queues,
and every outcome (success, retry, failure, cancel) lands in the row. Runs on both backends."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from platform_support import TINY

from reelforge.domain import Brief
from reelforge.errors import InputError, ProviderError
from reelforge.jobs.platform import Platform
from reelforge.jobs.sweep import sweep
from reelforge.jobs.worker import execute_job
from reelforge.services import jobs as job_service
from reelforge.store import jobs as job_rows
from reelforge.store.artifacts import job_artifacts
from reelforge.store.jobs import Job
from reelforge.store.tenants import get_or_create_tenant


def tenant(platform: Platform, name: str = "acme") -> int:
    with platform.db.session() as session:
        return get_or_create_tenant(session, name).id


def job(platform: Platform, job_id: str) -> Job:
    with platform.db.session() as session:
        found = session.get(Job, job_id)
        assert found is not None
        return found


def test_a_claim_is_exclusive_until_the_lease_expires(platform: Platform) -> None:
    with platform.db.session() as session:
        made = job_rows.new_job(session, tenant(platform), TINY)
    with platform.db.session() as session:
        assert job_rows.claim(session, made.id, "worker-a", lease_s=0.3)
    with platform.db.session() as session:
        assert not job_rows.claim(session, made.id, "worker-b", lease_s=0.3)
    time.sleep(0.4)
    with platform.db.session() as session:
        assert job_rows.claim(session, made.id, "worker-b", lease_s=5)
    with platform.db.session() as session:  # the first owner lost it: its result is dropped
        assert not job_rows.finish(session, made.id, "worker-a", "succeeded")
        assert job_rows.finish(session, made.id, "worker-b", "succeeded")
    assert job(platform, made.id).attempts == 2


def test_submitted_job_runs_once_and_stores_artifacts_steps_and_usage(
    platform: Platform, fake_pipeline: list[str]
) -> None:
    made = job_service.submit(platform, tenant(platform), Brief(**TINY))
    platform.queue.enqueue(made.id)  # a duplicate message must not run it twice
    assert platform.queue.drain() == 2
    assert fake_pipeline == [made.id]
    done = job(platform, made.id)
    assert done.state == "succeeded" and done.progress == 1.0 and done.finished_at
    assert done.result and "final.mp4" in done.result["artifacts"]
    with platform.db.session() as session:
        names = {a.name for a in job_artifacts(session, done.tenant_id, made.id)}
    assert names == {"final.mp4", "captions.srt", "manifest.json"}
    data = platform.artifacts.read_bytes(f"{done.tenant_id}/{made.id}/final.mp4")
    assert len(data) == 10240


def test_retryable_provider_error_requeues_with_backoff_then_succeeds(
    platform: Platform, monkeypatch: pytest.MonkeyPatch, fake_pipeline: list[str]
) -> None:
    from reelforge.pipeline import runner

    succeed = runner.run_job
    calls: list[int] = []

    def flaky(*args: Any, **options: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise ProviderError("busy", provider="runware", retryable=True, status=503)
        return succeed(*args, **options)

    monkeypatch.setattr(runner, "run_job", flaky)
    platform.settings = platform.settings.model_copy(update={"job_retry_backoff_s": 30.0})
    made = job_service.submit(platform, tenant(platform), Brief(**TINY))
    platform.queue.drain()
    assert job(platform, made.id).state == "queued"  # retry scheduled with a delay
    huey = platform.queue.huey
    assert huey.read_schedule() == []  # not due for 30 s
    soon = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=60)
    due = huey.read_schedule(soon)  # a minute later the consumer would move it to the queue
    assert len(due) == 1
    for task in due:
        task.eta = None
        huey.enqueue(task)
    platform.queue.drain()
    done = job(platform, made.id)
    assert done.state == "succeeded" and done.attempts == 2 and len(calls) == 2


def test_non_retryable_error_fails_the_job_with_one_error_body(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    def bad(*args: Any, **options: Any) -> Any:
        raise InputError("unknown voice 'nobody'", hint="run `reelforge voices`")

    monkeypatch.setattr("reelforge.pipeline.runner.run_job", bad)
    made = job_service.submit(platform, tenant(platform), Brief(**TINY))
    platform.queue.drain()
    done = job(platform, made.id)
    assert done.state == "failed"
    assert done.error == {"code": "invalid_input", "message": "unknown voice 'nobody'",
                          "details": {"hint": "run `reelforge voices`"}}


def test_canceled_queued_job_never_runs(platform: Platform, fake_pipeline: list[str]) -> None:
    made = job_service.submit(platform, tenant(platform), Brief(**TINY))
    job_service.cancel(platform, job(platform, made.id).tenant_id, made.id)
    platform.queue.drain()
    assert fake_pipeline == []
    assert job(platform, made.id).state == "canceled"


def test_sweep_requeues_a_job_whose_worker_died_and_it_completes(
    platform: Platform, fake_pipeline: list[str]
) -> None:
    made = job_service.submit(platform, tenant(platform), Brief(**TINY))
    platform.queue.huey.dequeue()  # the message a killed worker took with it
    with platform.db.session() as session:
        assert job_rows.claim(session, made.id, "dead-worker", lease_s=0.1)
    time.sleep(0.2)
    report = sweep(platform)
    assert report.requeued == [made.id]
    assert job(platform, made.id).state == "queued"
    platform.queue.drain()
    assert job(platform, made.id).state == "succeeded"
    assert fake_pipeline == [made.id]


def test_sweep_sends_a_committed_job_whose_message_was_never_sent(
    platform: Platform, fake_pipeline: list[str]
) -> None:
    with platform.db.session() as session:  # as if the API crashed right after the commit
        made = job_rows.new_job(session, tenant(platform), TINY)
    assert platform.queue.drain() == 0
    assert sweep(platform).resent == [made.id]
    platform.queue.drain()
    assert job(platform, made.id).state == "succeeded"


def test_sweep_fails_a_job_that_keeps_killing_its_workers(platform: Platform) -> None:
    made = job_service.submit(platform, tenant(platform), Brief(**TINY))
    for attempt in range(platform.settings.job_max_attempts):
        with platform.db.session() as session:
            assert job_rows.claim(session, made.id, f"w{attempt}", lease_s=0.05)
        time.sleep(0.1)
        sweep(platform)
    done = job(platform, made.id)
    assert done.state == "failed" and done.error and done.error["code"] == "worker_lost"


def test_cancel_of_a_running_job_stops_it_between_steps(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reelforge.errors import Canceled

    def slow(spec: Any, settings: Any, out_dir: Any, **options: Any) -> Any:
        job_id, should_stop = options["job_id"], options["cancel"]
        job_service.cancel(platform, job(platform, job_id).tenant_id, job_id)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # the pipeline checks cancel() between steps
            if should_stop():
                raise Canceled("stopped")
            time.sleep(0.05)
        raise AssertionError("cancel never reached the pipeline")

    monkeypatch.setattr("reelforge.pipeline.runner.run_job", slow)
    made = job_service.submit(platform, tenant(platform), Brief(**TINY))
    platform.queue.drain()
    assert job(platform, made.id).state == "canceled"


def test_a_message_for_a_finished_job_does_nothing(platform: Platform,
                                                   fake_pipeline: list[str]) -> None:
    made = job_service.submit(platform, tenant(platform), Brief(**TINY))
    platform.queue.drain()
    assert execute_job(platform, made.id) is None
    assert fake_pipeline == [made.id]


def test_sweep_resends_a_job_whose_message_was_lost_with_the_queue(
    platform: Platform, fake_pipeline: list[str]
) -> None:
    made = job_service.submit(platform, tenant(platform), Brief(**TINY))
    platform.queue.huey.flush()  # Redis restarted without persistence: every message is gone
    assert sweep(platform).resent == []  # sent a moment ago: it may just be waiting its turn
    platform.settings = platform.settings.model_copy(update={"job_resend_after_s": 0.0})
    assert sweep(platform).resent == [made.id]
    platform.queue.drain()
    assert job(platform, made.id).state == "succeeded" and fake_pipeline == [made.id]


def test_one_failed_resend_does_not_stop_the_sweep_from_sending_the_others(
    platform: Platform, monkeypatch: pytest.MonkeyPatch, fake_pipeline: list[str]
) -> None:
    with platform.db.session() as session:  # three committed jobs whose messages never went out
        made = [job_rows.new_job(session, tenant(platform), TINY).id for _ in range(3)]
    send = platform.queue.enqueue
    refused: list[str] = []

    def flaky(job_id: str, **options: Any) -> None:
        if not refused:  # the queue refuses the first send only
            refused.append(job_id)
            raise ConnectionError("redis went away")
        send(job_id, **options)

    monkeypatch.setattr(platform.queue, "enqueue", flaky)
    report = sweep(platform)
    assert report.unsent == refused and sorted(report.resent) == sorted(made)
    platform.queue.drain()
    assert sorted(fake_pipeline) == sorted(set(made) - set(refused))  # the others went out
    assert sweep(platform).resent == refused  # and the refused one on the next pass
    platform.queue.drain()
    assert all(job(platform, j).state == "succeeded" for j in made)
