"""The step cache is sealed off per tenant: two tenants, one brief, each pays for its own steps
and reads nothing of the other's; a tenant that encrypts leaves no plaintext of its video in the
cache on disk, and its sealed entries still serve its own re-runs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from platform_support import TINY
from pydantic import SecretStr
from sqlalchemy import select

from reelforge.domain import Brief
from reelforge.fakes.common import FakeConfig
from reelforge.fakes.server import RunningFakes, start_fakes
from reelforge.jobs.platform import Platform, open_platform
from reelforge.pipeline.cache import CacheScope, StepCache
from reelforge.security.artifact_crypto import set_artifact_encryption
from reelforge.security.envelope import new_key_text
from reelforge.services import jobs as job_service
from reelforge.settings import Settings
from reelforge.store.db import forget_databases
from reelforge.store.jobs import Job
from reelforge.store.tenants import Tenant, create_key

KEY = "sk-test-tenant-cache-0123456789abcdef"
PAID = (("openai", "chat"), ("hume", "tts"), ("runware", "videoInference"))
BRIEF = Brief.model_validate({**TINY, "voice": "hume:Ava Song"})
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture(scope="module")
def fakes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningFakes]:
    settings = Settings(_env_file=None, data_dir=tmp_path_factory.mktemp("fakes"))
    running = start_fakes(settings, config=FakeConfig(api_key=KEY, task_delay_s=0.05,
                                                      retry_after_s=0.05))
    yield running
    running.stop()


@pytest.fixture
def paid_platform(platform_settings: Settings, fakes: RunningFakes) -> Iterator[Platform]:
    """Every remote engine at the fakes, a master key, jobs run as they are submitted."""
    for fake in fakes.fakes.values():
        fake.state.reset()
    env = fakes.env()
    settings = platform_settings.model_copy(update={
        "script_engine": "openai", "video_engine": "runware",
        "openai_api_key": SecretStr(KEY), "hume_api_key": SecretStr(KEY),
        "runware_api_key": SecretStr(KEY), "openai_base_url": env["OPENAI_BASE_URL"],
        "hume_base_url": env["REELFORGE_HUME_BASE_URL"],
        "runware_base_url": env["REELFORGE_RUNWARE_BASE_URL"],
        "http_backoff_initial_s": 0.01, "http_backoff_max_s": 0.05,
        "runware_poll_initial_s": 0.05, "runware_poll_max_s": 0.2, "runware_resolution": 256,
        "runware_fps": 12, "master_key": SecretStr(new_key_text())})
    yield open_platform(settings, immediate=True)
    forget_databases()


def tenant(platform: Platform, name: str) -> int:
    with platform.db.session() as session:
        create_key(session, name, "editor")
        return session.scalars(select(Tenant.id).where(Tenant.name == name)).one()


def run(platform: Platform, tenant_id: int) -> Job:
    """Submit the brief (the immediate queue runs it now); the finished job."""
    submitted = job_service.submit(platform, tenant_id, BRIEF)
    with platform.db.session() as session:
        job = session.get(Job, submitted.id)
        assert job is not None
    assert job.state == "succeeded", job.error
    return job


def paid(fakes: RunningFakes) -> dict[str, int]:
    return {op: fakes[service].state.paid[op] for service, op in PAID}


def entry_keys(platform: Platform, tenant_id: int) -> set[str]:
    scope = platform.settings.cache_dir / "steps" / f"tenant-{tenant_id}"
    return {p.name for p in scope.glob("??/*")}


@SQLITE_ONLY
def test_tenant_b_with_tenant_a_brief_pays_for_its_own_steps_and_sees_no_hits(
    paid_platform: Platform, fakes: RunningFakes
) -> None:
    acme, globex = tenant(paid_platform, "acme"), tenant(paid_platform, "globex")
    run(paid_platform, acme)
    after_a = paid(fakes)
    assert all(after_a.values())
    again = run(paid_platform, acme)  # the same tenant re-running does reuse its steps
    assert paid(fakes) == after_a and again.result and again.result["cache_hits"] > 0

    theirs = run(paid_platform, globex)
    assert paid(fakes) == {op: 2 * n for op, n in after_a.items()}  # every paid call again
    assert theirs.result and theirs.result["cache_hits"] == 0
    # each job's manifest accounts for its paid calls from the spend ledger, one per fake bill
    manifest = json.loads(paid_platform.artifacts.read_bytes(
        f"{globex}/{theirs.id}/manifest.json"))
    ledger_names = {"chat": "chat.completions", "tts": "tts", "videoInference": "videoInference"}
    billed = {op: sum(1 for c in manifest["paid_calls"] if c["operation"] == ledger_names[op]
                      and c["state"] == "confirmed") for _, op in PAID}
    assert billed == after_a
    assert theirs.cost_usd == pytest.approx(sum(c["cost_usd"] for c in manifest["paid_calls"]))
    a_keys = entry_keys(paid_platform, acme)
    assert a_keys == entry_keys(paid_platform, globex)  # same steps, each in its own folder
    as_globex = StepCache(paid_platform.settings.cache_dir, scope=CacheScope.of_tenant(globex))
    a_folder = paid_platform.settings.cache_dir / "steps" / f"tenant-{acme}"
    for key in a_keys:
        found = as_globex.get(key)
        assert found is not None and not found.folder.is_relative_to(a_folder)


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


@SQLITE_ONLY
def test_an_encrypting_tenant_leaves_no_plaintext_of_its_video_in_the_cache(
    paid_platform: Platform, fakes: RunningFakes
) -> None:
    acme = tenant(paid_platform, "acme")
    with paid_platform.db.session() as session:
        set_artifact_encryption(session, paid_platform.settings, acme, True)
    job = run(paid_platform, acme)
    assert job.result
    cached = files_under(paid_platform.settings.cache_dir / "steps")
    assert len(cached) > 5
    title = job.result["title"].encode()
    for path in files_under(paid_platform.settings.cache_dir):
        data = path.read_bytes()
        assert b"ftyp" not in data and b"RIFF" not in data, path  # no MP4, no WAV in the clear
        assert title not in data and b"JFIF" not in data, path  # nor the script, nor a frame
    video = paid_platform.artifacts.read_bytes(f"{acme}/{job.id}/final.mp4")
    assert video[4:8] == b"ftyp"  # the job itself got the real video

    before = paid(fakes)
    again = run(paid_platform, acme)  # its sealed entries serve its own re-run
    assert paid(fakes) == before
    assert again.result and again.result["cache_hits"] == again.result["steps"]
