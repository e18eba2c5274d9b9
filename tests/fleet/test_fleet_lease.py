"""A worker that stalls long enough to lose its lease (a GC pause, a partition, a stopped VM)
while another worker resumes its job must not record the job's results a second time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from reelforge.domain import Brief, Manifest, StepRecord
from reelforge.jobs.platform import open_platform
from reelforge.jobs.worker import execute_job
from reelforge.settings import Settings
from reelforge.store import jobs as job_rows
from reelforge.store.artifacts import Artifact
from reelforge.store.db import forget_databases
from reelforge.store.jobs import Job, JobStep
from reelforge.store.tenants import create_key, tenant_by_name
from reelforge.store.usage import UsageRecord

BRIEF = {"prompt": "Why cats purr", "duration_s": 5, "aspect": "1:1"}


def finished_pipeline(job_dir: Path, job_id: str) -> Any:
    """What a finished pipeline leaves behind, without rendering."""
    from reelforge.pipeline.runner import JobResult

    job_dir.mkdir(parents=True, exist_ok=True)
    (job_dir / "final.mp4").write_bytes(b"\0\0\0\x18ftypmp42" + bytes(100))
    manifest = Manifest(job_id=job_id, reelforge_version="test", brief=Brief(**BRIEF),
                        title="Test", duration_s=5.0, steps=[StepRecord(
                            step="plan", engine="template", engine_version="1", inputs_hash="x",
                            duration_s=0.01, cost_usd=0.0, cache_hit=False)])
    (job_dir / "manifest.json").write_text(json.dumps(manifest.model_dump(mode="json")))
    return JobResult(job_id=job_id, job_dir=job_dir, manifest=manifest)


def counts(session: Any, job_id: str) -> tuple[int, int, int]:
    return tuple(session.scalar(select(func.count()).select_from(table).where(  # type: ignore[return-value]
        table.job_id == job_id)) for table in (Artifact, JobStep, UsageRecord))


@pytest.mark.parametrize("taken_over", [False, True])
def test_a_worker_that_lost_its_lease_records_no_artifacts_steps_or_usage(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, taken_over: bool
) -> None:
    platform = open_platform(settings)
    try:
        with platform.db.session() as session:
            create_key(session, "acme", "editor")
            job = job_rows.new_job(session, tenant_by_name(session, "acme").id, BRIEF)
            job_id = job.id

        def make(spec: Any, settings: Any, work_dir: Path, **options: Any) -> Any:
            if taken_over:  # meanwhile the sweep gave the job to another worker, which runs it
                with platform.db.session() as session:
                    session.execute(update(Job).where(Job.id == job_id)
                                    .values(lease_owner="other-host:1:abcdef"))
            return finished_pipeline(work_dir / job_id, job_id)

        monkeypatch.setattr("reelforge.pipeline.runner.run_job", make)
        state = execute_job(platform, job_id)
        with platform.db.session() as session:
            recorded = counts(session, job_id)
        if taken_over:
            assert state is None and recorded == (0, 0, 0)  # the other worker records them
        else:
            assert state == "succeeded" and recorded == (2, 1, 1)  # mp4 + manifest, plan, render
    finally:
        forget_databases()
