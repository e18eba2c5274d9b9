"""Real jobs through real `reelforge worker` processes: one submitted over HTTP completes, and
one whose worker is SIGKILLed mid-job is picked up by a new worker and completes with every
paid call (counted at the fakes) made exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from platform_support import TINY, auth
from pydantic import SecretStr

from reelforge.fakes.common import FakeConfig
from reelforge.fakes.server import RunningFakes, start_fakes
from reelforge.jobs.platform import Platform
from reelforge.settings import Settings
from reelforge.store.jobs import Job

KEY = "sk-test-platform-0123456789abcdef"
PAID = (("openai", "chat"), ("hume", "tts"), ("runware", "videoInference"))


@pytest.fixture(scope="module")
def fakes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningFakes]:
    settings = Settings(_env_file=None, data_dir=tmp_path_factory.mktemp("fakes"))
    running = start_fakes(settings, config=FakeConfig(api_key=KEY, task_delay_s=0.2,
                                                      retry_after_s=0.05, slow_response_s=1.0))
    yield running
    running.stop()


def start_worker(settings: Settings, log_path: Any) -> subprocess.Popen[bytes]:
    """`reelforge worker` in its own process group (so a kill takes its FFmpeg too)."""
    log = open(log_path, "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen([sys.executable, "-m", "reelforge.cli.main", "worker"],
                            env=settings.child_environment(), stdout=log, stderr=log,
                            start_new_session=True)


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        process.wait(timeout=30)


def wait_for(platform: Platform, job_id: str, until: Any, timeout: float = 150.0) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with platform.db.session() as session:
            job = session.get(Job, job_id)
            assert job is not None
            if until(job):
                return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} never reached the expected state; last: {job.state} "
                         f"{job.step} {job.error}")


@pytest.mark.slow
def test_job_submitted_over_http_completes_through_a_separate_worker_process(
    client: TestClient, platform: Platform, keys: dict[str, str], tmp_path: Any
) -> None:
    worker = start_worker(platform.settings, tmp_path / "worker.log")
    try:
        job = client.post("/v1/jobs", json=TINY, headers=auth(keys["acme-editor"])).json()
        done = wait_for(platform, job["id"], lambda j: j.state in ("succeeded", "failed"))
        assert done.state == "succeeded", (done.error, (tmp_path / "worker.log").read_text())
        video = client.get(f"/v1/jobs/{job['id']}/artifacts/final.mp4",
                           headers=auth(keys["acme-viewer"]))
        assert video.status_code == 200 and video.content[4:8] == b"ftyp"  # a real MP4
        steps = client.get(f"/v1/jobs/{job['id']}/events", headers=auth(keys["acme-viewer"]))
        assert "event: step" in steps.text and '"step":"assemble"' in steps.text
    finally:
        stop(worker)


@pytest.mark.slow
def test_worker_killed_mid_job_is_replaced_and_each_paid_call_is_made_once(
    client: TestClient, platform: Platform, keys: dict[str, str], fakes: RunningFakes,
    tmp_path: Any
) -> None:
    for fake in fakes.fakes.values():
        fake.state.reset()
    env = fakes.env()
    remote = platform.settings.model_copy(update={
        "script_engine": "openai", "video_engine": "runware",
        "openai_api_key": SecretStr(KEY), "hume_api_key": SecretStr(KEY),
        "runware_api_key": SecretStr(KEY), "openai_base_url": env["OPENAI_BASE_URL"],
        "hume_base_url": env["REELFORGE_HUME_BASE_URL"],
        "runware_base_url": env["REELFORGE_RUNWARE_BASE_URL"],
        "http_backoff_initial_s": 0.01, "http_backoff_max_s": 0.05,
        "runware_poll_initial_s": 0.05, "runware_poll_max_s": 0.2, "runware_resolution": 256,
        "runware_fps": 12})
    platform.settings = remote
    first = start_worker(remote, tmp_path / "worker-1.log")
    try:
        brief = {**TINY, "voice": "hume:Ava Song", "emotion": "curious"}
        job = client.post("/v1/jobs", json=brief, headers=auth(keys["acme-editor"])).json()
        # every paid step is done and the render has started: the worker dies mid-job
        wait_for(platform, job["id"], lambda j: (j.step or "").startswith("assemble")
                 or (j.state != "queued" and j.state != "running"))
        paid_before = {op: fakes[s].state.paid[op] for s, op in PAID}
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        stop(first, signal.SIGKILL)
    assert paid_before["chat"] == 1 and paid_before["tts"] >= 1
    second = start_worker(remote, tmp_path / "worker-2.log")
    try:
        done = wait_for(platform, job["id"], lambda j: j.state in ("succeeded", "failed"))
    finally:
        stop(second)
    assert done.state == "succeeded", (done.error, (tmp_path / "worker-2.log").read_text())
    assert done.attempts == 2  # the first worker's attempt, then the replacement's
    scenes = fakes["hume"].state.paid["tts"]
    assert {op: fakes[s].state.paid[op] for s, op in PAID} == {
        "chat": 1, "tts": scenes, "videoInference": scenes}
    assert paid_before == {"chat": 1, "tts": scenes, "videoInference": scenes}
    assert done.result and done.result["cache_hits"] >= 1 + 2 * scenes


def test_reelforge_serve_runs_uvicorn_on_the_shared_settings(
    platform: Platform, keys: dict[str, str], tmp_path: Any
) -> None:
    if platform.settings.database_url:
        pytest.skip("serving is the same on every backend; started once, on SQLite")
    import socket

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "reelforge.cli.main", "serve", "--port", str(port),
         "--workers", "1"], env=platform.settings.child_environment(),
        stdout=open(tmp_path / "serve.log", "ab"), stderr=subprocess.STDOUT,  # noqa: SIM115
        start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, \
                (tmp_path / "serve.log").read_text()
            time.sleep(0.2)
        made = httpx.post(f"{base}/v1/jobs", json=TINY, headers=auth(keys["acme-editor"]))
        assert made.status_code == 202 and made.headers["x-request-id"]
        with platform.db.session() as session:  # the server wrote to the same database
            assert session.get(Job, made.json()["id"]) is not None
    finally:
        stop(server)
