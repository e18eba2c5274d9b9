"""Prometheus metrics of jobs and the queue (provider metrics live in providers/metrics.py)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

JOBS_FINISHED = Counter("reelforge_jobs_finished", "Jobs that ended, by final state.", ["state"])
JOB_SECONDS = Histogram("reelforge_job_seconds", "Wall time of one job attempt, by outcome.",
                        ["state"], buckets=(1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600))
STEP_SECONDS = Histogram("reelforge_step_seconds", "Wall time of one pipeline step.",
                         ["step", "outcome"],
                         buckets=(0.01, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600))
SWEEP_REQUEUED = Counter("reelforge_jobs_requeued", "Jobs the sweep sent again, by reason.",
                         ["reason"])
