"""Helpers shared by the platform tests (fixtures are in conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reelforge.domain import Brief, Manifest, StepRecord

ROLES = ("admin", "editor", "viewer")
TINY = {"prompt": "Why cats purr", "duration_s": 5, "aspect": "1:1"}


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def write_fake_result(job_dir: Path, brief: Brief, job_id: str, *, cost: float = 0.0) -> Any:
    """What a finished pipeline leaves behind, without running it (for queue and API tests)."""
    from reelforge.pipeline.runner import JobResult

    job_dir.mkdir(parents=True, exist_ok=True)
    (job_dir / "final.mp4").write_bytes(bytes(range(256)) * 40)  # 10 240 bytes
    (job_dir / "captions.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nHello\n")
    manifest = Manifest(job_id=job_id, reelforge_version="test", brief=brief, title="Test",
                        duration_s=5.0, steps=[StepRecord(
                            step="plan", engine="template", engine_version="1",
                            inputs_hash="x", duration_s=0.01, cost_usd=cost, cache_hit=False)])
    (job_dir / "manifest.json").write_text(json.dumps(manifest.model_dump(mode="json")))
    return JobResult(job_id=job_id, job_dir=job_dir, manifest=manifest)


