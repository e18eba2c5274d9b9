"""Run one job under a lease: claim it, run the pipeline with progress events, store the result.

Outcomes: succeeded (artifacts uploaded, steps and usage recorded), failed (one error body),
canceled, or back to queued with a delay when a provider error is retryable and attempts remain.
A worker killed mid-job simply stops renewing; the sweep re-queues the job and the next run
takes every finished step from the step cache, so no paid call is made twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from reelforge.domain import JobSpec, SpendScope
from reelforge.errors import Canceled, InputError, ProviderError, ReelforgeError, error_body
from reelforge.jobs import metrics
from reelforge.jobs.lease import Lease
from reelforge.providers import spend
from reelforge.store import jobs as job_rows
from reelforge.store import usage
from reelforge.store.artifacts import record_artifact
from reelforge.store.jobs import Job, JobStep
from reelforge.store.ledger import SqlSpendLedger, job_paid_calls

if TYPE_CHECKING:
    from reelforge.jobs.platform import Platform
    from reelforge.pipeline.runner import JobResult, StepEvent

log = structlog.get_logger("reelforge.jobs")
ARTIFACT_NAMES = ("final.mp4", "captions.srt", "captions.vtt", "words.json", "thumbnail.jpg",
                  "plan.json", "manifest.json", "analysis.json", "music.wav")  # a composed piece


def jobs_dir(platform: Platform) -> Path:
    return platform.settings.jobs_dir or platform.settings.data_dir / "jobs"


class EventWriter:
    """Pipeline events → job_events rows and the job's step/progress (progress is thinned)."""

    def __init__(self, platform: Platform, job_id: str) -> None:
        self.platform, self.job_id = platform, job_id
        self._lock = threading.Lock()
        self._last_fraction: dict[str, float] = {}
        self._started: dict[str, float] = {}

    def __call__(self, event: StepEvent) -> None:
        if event.state == "progress":
            last = self._last_fraction.get(event.label, -1.0)
            if event.fraction < 1.0 and event.fraction - last < 0.05:
                return
            self._last_fraction[event.label] = event.fraction
        data = {"step": event.step, "label": event.label, "state": event.state,
                "fraction": round(event.fraction, 3)}
        if event.state == "started":
            self._started[event.label] = time.monotonic()
        elif event.state in ("done", "cached"):
            began = self._started.pop(event.label, None)
            if began is not None:
                metrics.STEP_SECONDS.labels(event.step, event.state).observe(
                    time.monotonic() - began)
        kind = "progress" if event.state == "progress" else "step"
        with self._lock, self.platform.db.session() as session:
            job_rows.add_event(session, self.job_id, kind, data)
            values: dict[str, Any] = {"step": event.label}
            if event.job_progress is not None:
                values["progress"] = round(event.job_progress, 3)
            from sqlalchemy import update

            session.execute(update(Job).where(Job.id == self.job_id).values(**values))


def execute_job(platform: Platform, job_id: str) -> str | None:
    """Run ``job_id`` if we can claim it; returns the state it ended in (None: not ours)."""
    settings, db = platform.settings, platform.db
    with db.session() as session:
        if not job_rows.claim(session, job_id, platform.owner, settings.job_lease_s):
            return None
        job = session.get(Job, job_id)
        assert job is not None
        spec = JobSpec.of_row(job)
        tenant_id, attempts = job.tenant_id, job.attempts
        job_rows.add_event(session, job_id, "state", {"state": "running", "attempt": attempts})
    bound = log.bind(job_id=job_id, tenant_id=tenant_id, attempt=attempts)
    bound.info("job started", kind=spec.kind)
    work_dir = jobs_dir(platform) / str(tenant_id)
    lease = Lease(db, job_id, platform.owner, lease_s=settings.job_lease_s,
                  heartbeat_s=settings.job_heartbeat_s, job_dir=work_dir / job_id)
    started = time.monotonic()
    recorder: Callable[[Any], None] | None = None
    with lease:
        try:
            values, recorder = JOB_KINDS[spec.kind](platform, job_id, tenant_id, spec, lease)
            state = "succeeded"
        except BaseException as exc:
            state, values = _failure(platform, job_id, exc, lease, attempts, bound)
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
    with db.session() as session:
        ours = job_rows.finish(session, job_id, platform.owner, state,  # type: ignore[arg-type]
                               **values)
        if ours and recorder is not None:  # same transaction: a lost lease records nothing
            recorder(session)
    if not ours:
        bound.warning("job result dropped: the lease was taken over", state=state)
        return None
    metrics.JOBS_FINISHED.labels(state).inc()
    metrics.JOB_SECONDS.labels(state).observe(time.monotonic() - started)
    bound.info("job finished", state=state)
    if state == "queued":
        delay = settings.job_retry_backoff_s * 2 ** (attempts - 1)
        platform.queue.enqueue(job_id, delay_s=delay)
        with db.session() as session:
            job_rows.mark_enqueued(session, [job_id])
    return state


Outcome = tuple[dict[str, Any], Callable[[Any], None] | None]


def run_make(platform: Platform, job_id: str, tenant_id: int, spec: JobSpec,
             lease: Lease) -> Outcome:
    """A make job: the pipeline's steps with the tenant's own provider keys and step cache, then
    the stored artifacts. The local job folder (plain files) goes when the job ends, whatever the
    outcome: the artifacts are in the artifact store, the parts in the step cache."""
    import shutil

    from reelforge.pipeline.cache import CacheScope
    from reelforge.pipeline.runner import run_job
    from reelforge.pipeline.steps.analyze import write_json
    from reelforge.security.secrets_store import settings_for_job

    settings = settings_for_job(platform.settings, platform.db, job_id)  # the tenant's own keys
    settings = settings.model_copy(update={"songs_tenant_id": tenant_id})  # and its own songs
    keys = platform.artifacts.keys  # the tenant's own step cache, sealed if it encrypts
    cache_scope = CacheScope.of_tenant(tenant_id, keys.for_step_cache(tenant_id) if keys else None)
    work_dir = jobs_dir(platform) / str(tenant_id)
    scope = SpendScope(tenant_id=tenant_id, job_id=job_id, step="")
    footage = None
    if spec.brief is not None and spec.brief.footage is not None:  # the tenant's own library
        from reelforge.library.footage_source import open_tenant_footage

        footage = open_tenant_footage(settings, tenant_id)
    try:
        with spend.recording(SqlSpendLedger(platform.db), scope):  # every paid call (issue 15)
            result = run_job(spec, settings, work_dir, on_event=EventWriter(platform, job_id),
                             cancel=lease.should_stop, job_id=job_id, cache_scope=cache_scope,
                             footage=footage)
        # the manifest accounts for every paid call of the job, from the ledger (earlier
        # attempts and cache-hit steps included), so its cost is what the tenant was billed
        result.manifest.paid_calls = job_paid_calls(platform.db, job_id)
        if footage is not None:  # an upload is named by its library item, not the server path
            from reelforge.library.footage_names import shown_manifest
            from reelforge.library.footage_store import tenant_footage_folder

            result.manifest = shown_manifest(result.manifest,
                                             tenant_footage_folder(settings, tenant_id))
        write_json(result.job_dir / "manifest.json", result.manifest.model_dump(mode="json"))
        return _store_result(platform, tenant_id, job_id, result)
    finally:  # stored, or failed: the parts stay in the (tenant's, maybe sealed) step cache
        shutil.rmtree(work_dir / job_id, ignore_errors=True)


def run_analyze(platform: Platform, job_id: str, tenant_id: int, spec: JobSpec,
                lease: Lease) -> Outcome:
    """An analyze job: one library item's shots, looks or sound, stored with the item."""
    from reelforge.jobs.analyze import analyze_item

    assert spec.item_id is not None
    analyze_item(platform, tenant_id, spec.item_id, cancel=lease.should_stop)
    return {"progress": 1.0, "result": {"item_id": spec.item_id}}, None


def run_index(platform: Platform, job_id: str, tenant_id: int, spec: JobSpec,
              lease: Lease) -> Outcome:
    """An index job: one library video or picture into the tenant's footage library; with a
    vision model configured and the tenant's OpenAI key, each keyframe is captioned and every
    caption is recorded in the spend ledger like any paid call."""
    from reelforge.jobs.index import index_item
    from reelforge.providers.vision import VisionCaptioner
    from reelforge.security.secrets_store import settings_for_job

    assert spec.item_id is not None
    settings = settings_for_job(platform.settings, platform.db, job_id)  # the tenant's own keys
    try:
        captioner = VisionCaptioner.from_settings(settings)
    except InputError:  # a vision model is set, but this tenant has no key for it
        captioner = None
    scope = SpendScope(tenant_id=tenant_id, job_id=job_id, step="caption")
    with spend.recording(SqlSpendLedger(platform.db), scope):
        done = index_item(platform, tenant_id, spec.item_id, cancel=lease.should_stop,
                          caption=captioner.caption if captioner else None)
    if captioner is not None:
        done["captions"] = len(captioner.calls)
    return {"progress": 1.0, "result": done}, None


def run_clips(platform: Platform, job_id: str, tenant_id: int, spec: JobSpec,
              lease: Lease) -> Outcome:
    """A clips job: the best moments of a library video as shorts (``jobs/clips.py``)."""
    from reelforge.jobs.clips import run_clips as cut_clips

    return cut_clips(platform, job_id, tenant_id, spec, lease)


#: What each job kind runs. A new kind (e.g. "clips") is one function and one line here.
JOB_KINDS: dict[str, Callable[[Platform, str, int, JobSpec, Lease], Outcome]] = {
    "make": run_make,
    "analyze": run_analyze,
    "index": run_index,
    "clips": run_clips,  # issue 18: a long library video to shorts
}


def _failure(platform: Platform, job_id: str, exc: BaseException, lease: Lease, attempts: int,
             bound: Any) -> tuple[str, dict[str, Any]]:
    if lease.cancel_requested or isinstance(exc, Canceled):
        return "canceled", {"error": {"code": "canceled", "message": "canceled by its owner"}}
    retry = (isinstance(exc, ProviderError) and exc.retryable
             and attempts < platform.settings.job_max_attempts)
    body = error_body(exc)
    if retry:
        bound.warning("retryable provider error; job will retry", error=body)
        with platform.db.session() as session:
            job_rows.add_event(session, job_id, "log",
                               {"message": f"retrying after: {body['message']}"})
        return "queued", {"error": body, "enqueued_at": None}
    if isinstance(exc, ReelforgeError):
        bound.warning("job failed", error=body)
    else:
        bound.exception("job crashed")
    return "failed", {"error": body, "cost_usd": round(sum(
        call.counted_usd for call in job_paid_calls(platform.db, job_id)), 6)}


def _store_result(platform: Platform, tenant_id: int, job_id: str,
                  result: JobResult) -> tuple[dict[str, Any], Callable[[Any], None]]:
    """Upload the artifacts; returns the job's final values and the rows to record with them.

    The rows (artifacts, steps, usage and cost) are written in the transaction that finishes
    the job, so a worker whose lease was taken over (it stalled, another worker resumed the job)
    records nothing twice.
    """
    manifest = result.manifest
    stored: list[tuple[str, str, int]] = []
    for name in ARTIFACT_NAMES:
        local = result.job_dir / name
        if local.exists():
            path = f"{tenant_id}/{job_id}/{name}"
            stored.append((name, path, platform.artifacts.put_file(local, path)))

    def record(session: Any) -> None:
        for name, path, size in stored:
            record_artifact(session, tenant_id, job_id, name, path, size)
        for step in manifest.steps:
            session.add(JobStep(job_id=job_id, step=step.step, engine=step.engine,
                                duration_s=step.duration_s, cost_usd=step.cost_usd,
                                cache_hit=step.cache_hit))
            for call in step.calls:
                usage.record(session, tenant_id, job_id, "provider_call", provider=call.provider,
                             operation=call.operation, cost_usd=call.cost_usd,
                             seconds=call.duration_s)
        usage.record(session, tenant_id, job_id, "render", seconds=manifest.duration_s)
    return {"progress": 1.0, "cost_usd": round(manifest.cost_usd, 6),
            "duration_s": manifest.duration_s, "error": None,
            "result": {"title": manifest.title, "duration_s": manifest.duration_s,
                       "cost_usd": round(manifest.cost_usd, 6),
                       "artifacts": [name for name, _, _ in stored],
                       "cache_hits": sum(1 for s in manifest.steps if s.cache_hit),
                       "steps": len(manifest.steps)}}, record
