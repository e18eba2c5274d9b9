"""The artifact store: a local folder by default, S3 at scale (tested on a moto server on
loopback); the API serves artifacts (with ranges) from either. Library uploads are analysed by a
queued job, and a cancel kills a running render."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from platform_support import TINY, auth

from reelforge.jobs.lease import kill_renders_of
from reelforge.jobs.platform import Platform
from reelforge.store.artifacts import open_artifact_store


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_settings(platform_settings, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", "us-east-1"), ("AWS_ENDPOINT_URL", s3_endpoint)):
        monkeypatch.setenv(name, value)
    import boto3
    import fsspec

    bucket = f"reelforge-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket=bucket)
    fsspec.core.url_to_fs("s3://x")[0].clear_instance_cache()
    return platform_settings.model_copy(update={"artifact_url": f"s3://{bucket}/artifacts"})


def test_s3_store_is_ready_on_a_fresh_bucket_with_nothing_under_its_prefix(s3_settings) -> None:  # type: ignore[no-untyped-def]
    """A new deployment's prefix holds no object yet: /readyz must still pass, or no API pod
    of a fresh fleet ever becomes ready."""
    store = open_artifact_store(s3_settings)
    assert not store.fs.exists(store.root)
    store.reachable()


def test_s3_store_round_trips_files_and_ranges(s3_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = open_artifact_store(s3_settings)
    local = tmp_path / "clip.bin"
    local.write_bytes(bytes(range(256)) * 4)
    assert store.put_file(local, "1/job/clip.bin") == 1024
    assert store.size("1/job/clip.bin") == 1024
    assert b"".join(store.read_range("1/job/clip.bin", 10, 19)) == bytes(range(10, 20))
    assert not [p for p in store.fs.find(store.root) if ".part-" in p]  # temp names are gone
    store.reachable()
    store.delete_prefix("1/job")
    assert not store.fs.exists(f"{store.root}/1/job/clip.bin")


def test_api_serves_job_artifacts_from_s3(s3_settings, keys_factory, fake_pipeline) -> None:  # type: ignore[no-untyped-def]
    from reelforge.jobs.platform import open_platform
    from reelforge.server.app import create_app

    platform = open_platform(s3_settings)
    client = TestClient(create_app(platform=platform))
    key = keys_factory(platform)
    job = client.post("/v1/jobs", json=TINY, headers=auth(key)).json()
    platform.queue.drain()
    part = client.get(f"/v1/jobs/{job['id']}/artifacts/final.mp4",
                      headers={**auth(key), "Range": "bytes=0-9"})
    assert part.status_code == 206 and part.content == bytes(range(10))
    assert client.get("/readyz").json()["checks"]["storage"] == "ok"
    assert platform.artifacts.fs.exists(f"{platform.artifacts.root}/1/{job['id']}/final.mp4")


@pytest.fixture
def keys_factory():  # type: ignore[no-untyped-def]
    from reelforge.store.tenants import create_key

    def make(platform: Platform) -> str:
        with platform.db.session() as session:
            return create_key(session, "acme", "editor").secret

    return make


def test_uploaded_picture_is_analysed_by_a_queued_job(client: TestClient, platform: Platform,
                                                      keys: dict[str, str],
                                                      tmp_path: Path) -> None:
    picture = tmp_path / "sunset.png"
    gradient = np.linspace(0, 255, 64 * 48 * 3).reshape(48, 64, 3).astype(np.uint8)
    Image.fromarray(gradient).save(picture)
    editor = auth(keys["acme-editor"])
    made = client.post("/v1/library/items", files={"file": ("sunset.png", picture.read_bytes())},
                       headers=editor)
    assert made.status_code == 202, made.text
    item = made.json()
    assert item["kind"] == "image" and item["state"] == "pending"
    assert client.get(f"/v1/library/items/{item['id']}/analysis", headers=editor).status_code == 404
    platform.queue.drain()
    analysed = client.get(f"/v1/library/items/{item['id']}", headers=editor).json()
    assert analysed["state"] == "analyzed", analysed
    doc = client.get(f"/v1/library/items/{item['id']}/analysis", headers=editor).json()
    assert doc["width"] == 64 and doc["height"] == 48 and len(doc["descriptor"]) > 10
    other = client.get(f"/v1/library/items/{item['id']}", headers=auth(keys["globex-editor"]))
    assert other.status_code == 404
    assert client.get("/v1/library/clusters", headers=editor).json()["unclustered"] == [item["id"]]


def test_cancel_kills_the_render_processes_of_that_job_only(tmp_path: Path) -> None:
    mine, other = tmp_path / "job-a", tmp_path / "job-b"
    # stand-ins for FFmpeg: child processes whose command line names their job folder
    a = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", str(mine)])
    b = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", str(other)])
    try:
        time.sleep(0.1)
        assert kill_renders_of(mine) == 1
        assert a.wait(timeout=5) == -9
        assert b.poll() is None
    finally:
        b.kill()
        a.kill()


@pytest.mark.postgres
def test_a_pooled_connection_the_server_closed_while_idle_is_replaced_not_failed(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Busy connections skip the ping (one round trip less per request); an idle one whose
    server backend died is pinged, dropped and replaced transparently."""
    import sqlalchemy as sa

    from reelforge.store import db as db_module

    engine = db_module.create_engine_for_url(postgres_url)
    pings: list[bool] = []
    real_ping = engine.dialect.do_ping

    def counting_ping(connection):  # type: ignore[no-untyped-def]
        alive = False
        try:
            alive = real_ping(connection)  # a dead backend raises rather than answer False
        finally:
            pings.append(alive)
        return alive

    monkeypatch.setattr(engine.dialect, "do_ping", counting_ping)
    try:
        with engine.connect() as conn:
            pid = conn.execute(sa.text("select pg_backend_pid()")).scalar()
        with engine.connect() as conn:  # just used: no ping
            assert conn.execute(sa.text("select pg_backend_pid()")).scalar() == pid
        assert pings == []
        with sa.create_engine(postgres_url).connect() as admin:
            admin.execute(sa.text(f"select pg_terminate_backend({pid})"))
            admin.commit()
        monkeypatch.setattr(db_module, "IDLE_PING_S", 0.0)  # the connection now counts as idle
        with engine.connect() as conn:
            assert conn.execute(sa.text("select 1")).scalar() == 1
            assert conn.execute(sa.text("select pg_backend_pid()")).scalar() != pid
        assert pings[0] is False  # the dead one was found by the ping, not by a failed query
    finally:
        engine.dispose()
