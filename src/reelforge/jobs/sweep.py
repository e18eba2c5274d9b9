"""The sweep: the other half of "the job row is the source of truth".

It re-queues running jobs whose lease expired (their worker was killed or lost), and sends
queued jobs whose message was never sent (a crash between commit and enqueue) or has waited
longer than ``job_resend_after_s`` (a message lost with the queue's data; a duplicate is
harmless, since only one claim wins). A job that
lost its worker ``job_max_attempts`` times is failed instead: it may be what kills workers.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import update

from reelforge.jobs import metrics
from reelforge.store import jobs as job_rows
from reelforge.store.jobs import Job

if TYPE_CHECKING:
    from reelforge.jobs.platform import Platform

log = structlog.get_logger("reelforge.jobs")


@dataclass
class SweepReport:
    requeued: list[str] = field(default_factory=list)
    resent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    canceled: list[str] = field(default_factory=list)
    unsent: list[str] = field(default_factory=list)  # a send failed; the next pass retries


def sweep(platform: Platform) -> SweepReport:
    """One pass; safe to run from many workers at once (every change is a conditional UPDATE)."""
    settings = platform.settings
    report = SweepReport()
    with platform.db.session() as session:
        for job_id in job_rows.expired_running(session):
            job = session.get(Job, job_id)
            if job is None:
                continue
            if job.cancel_requested or job.attempts >= settings.job_max_attempts:
                state = "canceled" if job.cancel_requested else "failed"
                error = ({"code": "canceled", "message": "canceled by its owner"}
                         if state == "canceled" else
                         {"code": "worker_lost", "message": f"the worker running this job was "
                          f"lost {job.attempts} times", "hint": "check the workers' logs"})
                done = session.execute(
                    update(Job).where(Job.id == job_id, Job.state == "running",
                                      Job.lease_until == job.lease_until)
                    .values(state=state, lease_owner=None, lease_until=None, error=error,
                            finished_at=job_rows.now())
                    .execution_options(synchronize_session=False))
                if done.rowcount == 1:  # type: ignore[attr-defined]
                    job_rows.add_event(session, job_id, "state", {"state": state, "error": error})
                    (report.canceled if state == "canceled" else report.failed).append(job_id)
            elif job_rows.requeue_expired(session, job_id):
                report.requeued.append(job_id)
        report.resent = list(job_rows.never_enqueued(
            session, settings.job_enqueue_grace_s, resend_after_s=settings.job_resend_after_s))
    sent: list[str] = []
    for job_id in report.requeued + report.resent:  # one failed send never stops the others
        try:
            platform.queue.enqueue(job_id)
            sent.append(job_id)
        except Exception as exc:
            report.unsent.append(job_id)
            log.warning("sweep could not send a job; the next pass tries again",
                        job_id=job_id, error=str(exc))
    with platform.db.session() as session:
        job_rows.mark_enqueued(session, sent)
    for reason, ids in (("lease_expired", report.requeued), ("never_enqueued", report.resent),
                        ("gave_up", report.failed)):
        if ids:
            metrics.SWEEP_REQUEUED.labels(reason).inc(len(ids))
            log.info("sweep", reason=reason, jobs=ids)
    return report


def start_sweeper(platform: Platform, stop: threading.Event) -> threading.Thread:
    """Run ``sweep`` every ``job_sweep_interval_s`` until ``stop`` is set (a daemon thread).

    Huey's own periodic tasks tick once a minute at most; leases are seconds long, so the
    worker runs its own timer.
    """

    def loop() -> None:
        while True:
            try:
                sweep(platform)
            except Exception as exc:
                log.warning("sweep failed", error=str(exc))
            if stop.wait(platform.settings.job_sweep_interval_s):
                return

    thread = threading.Thread(target=loop, name="sweeper", daemon=True)
    thread.start()
    return thread
