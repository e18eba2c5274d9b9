"""End to end: a tenant's own Runware key drives its job against the Runware fake, and the key
shows up nowhere — not in the manifest, the job's row, events, the logs or the API; a tenant
without its own key cannot borrow it."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from reelforge.domain import Brief
from reelforge.fakes.common import FakeConfig
from reelforge.fakes.server import RunningFakes, start_fakes
from reelforge.jobs.platform import Platform, open_platform
from reelforge.jobs.worker import execute_job
from reelforge.security.envelope import master_key_from
from reelforge.security.secrets_store import set_secret
from reelforge.services import jobs as job_service
from reelforge.settings import Settings
from reelforge.store.db import forget_databases
from reelforge.store.tenants import create_key, tenant_by_name

TENANT_KEY = "rw-acme-OWN-KEY-5f0e1d2c3b4a69788796a5b4"
TINY = Brief(prompt="Why cats purr", duration_s=5, aspect="1:1")


@pytest.fixture(scope="module")
def runware_fake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningFakes]:
    data = tmp_path_factory.mktemp("fake-data")
    running = start_fakes(Settings(_env_file=None, data_dir=data),
                          config=FakeConfig(api_key=TENANT_KEY, task_delay_s=0.1),
                          services=("runware",))
    yield running
    running.stop()


@pytest.fixture
def job_platform(settings: Settings, runware_fake: RunningFakes) -> Iterator[Platform]:
    remote = settings.model_copy(update={
        "master_key": SecretStr(base64.b64encode(b"k" * 32).decode()),
        "video_engine": "runware", "runware_api_key": SecretStr("server-wide-key-not-accepted"),
        "runware_base_url": runware_fake.env()["REELFORGE_RUNWARE_BASE_URL"],
        "runware_poll_initial_s": 0.05, "runware_poll_max_s": 0.2, "runware_resolution": 256,
        "runware_fps": 12, "http_max_retries": 0, "job_max_attempts": 1,
        "music_engine": "builtin", "fps": 12, "x264_preset": "ultrafast"})
    platform = open_platform(remote)
    with platform.db.session() as session:
        for name in ("acme", "globex"):
            create_key(session, name, "admin")
        set_secret(session, master_key_from(remote), tenant_by_name(session, "acme").id,
                   "RUNWARE_API_KEY", TENANT_KEY)
    yield platform
    forget_databases()


def run(platform: Platform, tenant: str) -> tuple[str, str]:
    with platform.db.session() as session:
        tenant_id = tenant_by_name(session, tenant).id
    job = job_service.submit(platform, tenant_id, TINY)
    return job.id, execute_job(platform, job.id) or ""


def test_a_tenant_job_runs_on_its_own_key_which_appears_nowhere(
        job_platform: Platform, runware_fake: RunningFakes, caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    job_id, state = run(job_platform, "acme")
    assert state == "succeeded"
    assert runware_fake["runware"].state.paid["videoInference"] >= 1  # the fake took the key
    with job_platform.db.session() as session:
        from reelforge.store.artifacts import job_artifacts
        from reelforge.store.jobs import Job

        stored = {a.name: job_platform.artifacts.read_bytes(a.path)
                  for a in job_artifacts(session, tenant_by_name(session, "acme").id, job_id)}
        row = session.get(Job, job_id)
        assert row is not None
        row_text = repr(row.result) + repr(row.error) + repr(row.brief)
    assert "manifest.json" in stored
    everything = b"".join(stored.values()).decode("latin-1") + row_text
    captured = capsys.readouterr()
    everything += caplog.text + captured.out + captured.err
    assert TENANT_KEY not in everything and TENANT_KEY[-12:] not in everything


def test_another_tenant_cannot_use_a_tenants_provider_key(job_platform: Platform,
                                                         tmp_path: Path) -> None:
    """globex has no key of its own: its jobs get the server-wide key, which the fake refuses."""
    from reelforge.domain import Scene
    from reelforge.errors import ProviderError
    from reelforge.providers.base import ClipRequest
    from reelforge.providers.video.runware import RunwareVideo
    from reelforge.security.secrets_store import settings_for_job

    with job_platform.db.session() as session:
        from reelforge.store.jobs import new_job

        job_id = new_job(session, tenant_by_name(session, "globex").id, {"prompt": "x"}).id
    settings = settings_for_job(job_platform.settings, job_platform.db, job_id)
    assert settings.runware_api_key is not None
    assert settings.runware_api_key.get_secret_value() == "server-wide-key-not-accepted"
    scene = Scene(index=0, title="t", narration="n", visual_prompt="a cat", negative_prompt="")
    with pytest.raises(ProviderError) as refused:
        RunwareVideo.from_settings(settings).generate(
            ClipRequest(scene=scene, width=256, height=256, fps=12, duration_s=2.0, seed=1),
            tmp_path / "clip.mp4")
    assert refused.value.status == 401 and TENANT_KEY not in str(refused.value)
