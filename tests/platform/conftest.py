"""Platform fixtures: every storage/queue test runs on SQLite + Huey-SQLite and, when the
services are configured (CI), on PostgreSQL + Huey-Redis in a schema and queue of its own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from platform_support import ROLES, write_fake_result

from reelforge.domain import JobSpec
from reelforge.jobs.platform import Platform, open_platform
from reelforge.settings import Settings
from reelforge.store.db import forget_databases
from reelforge.store.tenants import create_key


@pytest.fixture(params=["sqlite", pytest.param("postgres+redis",
                                               marks=[pytest.mark.postgres, pytest.mark.redis])])
def backend(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """Settings overrides naming the backend; PostgreSQL gets a fresh schema, Huey a fresh name."""
    if request.param == "sqlite":
        yield {}
        return
    pg = request.getfixturevalue("postgres_url")
    redis_url = request.getfixturevalue("redis_url")
    schema = f"rf_platform_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(pg)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in pg else "?"
    name = f"rf-platform-test-{uuid.uuid4().hex[:8]}"
    try:
        yield {"database_url": f"{pg}{separator}options=-csearch_path%3D{schema}",
               "queue_url": redis_url, "queue_name": name}
    finally:
        forget_databases()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        import redis

        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(match=f"*{name}*"):
            client.delete(key)


@pytest.fixture
def platform_settings(settings: Settings, backend: dict[str, Any]) -> Settings:
    """Fast knobs: tiny renders, short leases, quick sweeps and retries."""
    return settings.model_copy(update={
        "music_engine": "builtin", "fps": 12, "x264_preset": "ultrafast",
        "job_lease_s": 3.0, "job_heartbeat_s": 0.5, "job_sweep_interval_s": 0.5,
        "job_retry_backoff_s": 0.05, "job_enqueue_grace_s": 0.0, **backend})


@pytest.fixture
def platform(platform_settings: Settings) -> Iterator[Platform]:
    yield open_platform(platform_settings)
    forget_databases()


@pytest.fixture
def client(platform: Platform) -> TestClient:
    from reelforge.server.app import create_app

    return TestClient(create_app(platform=platform))


@pytest.fixture
def keys(platform: Platform) -> dict[str, str]:
    """Keys by name: acme-admin, acme-editor, acme-viewer, globex-editor."""
    made: dict[str, str] = {}
    with platform.db.session() as session:
        for role in ROLES:
            made[f"acme-{role}"] = create_key(session, "acme", role).secret
        made["globex-editor"] = create_key(session, "globex", "editor").secret
    return made


@pytest.fixture
def fake_pipeline(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Replace the pipeline with an instant one; returns the ids of the jobs it ran."""
    ran: list[str] = []

    def fake_run(spec: JobSpec, settings: Any, out_dir: Path, **options: Any) -> Any:
        job_id = options["job_id"]
        ran.append(job_id)
        assert spec.brief is not None
        return write_fake_result(out_dir / job_id, spec.brief, job_id)

    monkeypatch.setattr("reelforge.pipeline.runner.run_job", fake_run)
    return ran
