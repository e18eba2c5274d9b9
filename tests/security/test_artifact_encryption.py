"""Encryption at rest for a tenant's artifacts: nothing readable on disk, downloads and byte
ranges identical to the original."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from reelforge.jobs.platform import Platform
from reelforge.security import artifact_crypto as crypto
from reelforge.security.artifact_crypto import set_artifact_encryption
from reelforge.security.envelope import DecryptionFailed
from reelforge.settings import Settings
from reelforge.store.artifacts import record_artifact
from reelforge.store.jobs import new_job
from reelforge.store.tenants import tenant_by_name

MARKER = b"PLAINTEXT-MARKER-c0ffee-"


def original(size: int = 300_000) -> bytes:
    """Random bytes with a known marker at the start, across a chunk boundary and the end."""
    data = bytearray(os.urandom(size))
    for at in (0, crypto.CHUNK - 10, size - len(MARKER)):
        data[at:at + len(MARKER)] = MARKER
    return bytes(data)


def stored_job(platform: Platform, tenant: str, data: bytes, tmp_path: Path,
               encrypt: bool) -> tuple[str, Path]:
    with platform.db.session() as session:
        tenant_id = tenant_by_name(session, tenant).id
        set_artifact_encryption(session, platform.settings, tenant_id, encrypt)
        job_id = new_job(session, tenant_id, {"prompt": "x"}).id
    assert platform.artifacts.keys is not None
    platform.artifacts.keys.forget()
    local = tmp_path / "final.mp4"
    local.write_bytes(data)
    path = f"{tenant_id}/{job_id}/final.mp4"
    size = platform.artifacts.put_file(local, path)
    with platform.db.session() as session:
        record_artifact(session, tenant_id, job_id, "final.mp4", path, size)
    return job_id, Path(platform.artifacts.root) / path


def test_an_encrypted_artifact_on_disk_holds_no_plaintext_and_downloads_byte_identical(
        platform: Platform, client: TestClient, keys: dict[str, str], tmp_path: Path) -> None:
    data = original()
    job_id, on_disk = stored_job(platform, "acme", data, tmp_path, encrypt=True)
    raw = on_disk.read_bytes()
    assert MARKER not in raw and crypto.is_encrypted(raw)
    answer = client.get(f"/v1/jobs/{job_id}/artifacts/final.mp4",
                        headers={"Authorization": f"Bearer {keys['acme-viewer']}"})
    assert answer.status_code == 200 and answer.content == data
    assert int(answer.headers["content-length"]) == len(data)


@pytest.mark.parametrize(("first", "last"), [(0, 0), (0, 99), (65_530, 65_545),
                                             (65_536, 131_071), (1000, 299_999),
                                             (299_990, None), (None, 500)])
def test_range_requests_on_an_encrypted_artifact_match_the_original(
        platform: Platform, client: TestClient, keys: dict[str, str], tmp_path: Path,
        first: int | None, last: int | None) -> None:
    data = original()
    job_id, _ = stored_job(platform, "acme", data, tmp_path, encrypt=True)
    spec = f"bytes={'' if first is None else first}-{'' if last is None else last}"
    answer = client.get(f"/v1/jobs/{job_id}/artifacts/final.mp4", headers={
        "Authorization": f"Bearer {keys['acme-viewer']}", "Range": spec})
    assert answer.status_code == 206
    if first is None:
        expected = data[-last:] if last else b""
    else:
        expected = data[first:(last + 1 if last is not None else None)]
    assert answer.content == expected


def test_a_tenant_without_encryption_stores_plain_bytes(platform: Platform,
                                                        keys: dict[str, str],
                                                        tmp_path: Path) -> None:
    data = original(10_000)
    _, on_disk = stored_job(platform, "globex", data, tmp_path, encrypt=False)
    assert on_disk.read_bytes() == data


def test_turning_encryption_off_keeps_earlier_encrypted_files_readable(
        platform: Platform, keys: dict[str, str], tmp_path: Path) -> None:
    data = original(70_000)
    _, on_disk = stored_job(platform, "acme", data, tmp_path, encrypt=True)
    path = str(on_disk.relative_to(platform.artifacts.root))
    with platform.db.session() as session:
        set_artifact_encryption(session, platform.settings,
                                tenant_by_name(session, "acme").id, False)
    platform.artifacts.keys.forget()
    assert platform.artifacts.read_bytes(path) == data


def test_a_tampered_encrypted_artifact_is_refused_not_served(
        platform: Platform, keys: dict[str, str], tmp_path: Path) -> None:
    _, on_disk = stored_job(platform, "acme", original(), tmp_path, encrypt=True)
    raw = bytearray(on_disk.read_bytes())
    raw[crypto.HEADER.size + 5] ^= 1
    on_disk.write_bytes(bytes(raw))
    path = str(on_disk.relative_to(platform.artifacts.root))
    with pytest.raises(DecryptionFailed):
        list(platform.artifacts.read_range(path, 0, 10))


def test_an_empty_artifact_round_trips(platform: Platform, keys: dict[str, str],
                                       tmp_path: Path) -> None:
    _, on_disk = stored_job(platform, "acme", b"", tmp_path, encrypt=True)
    assert platform.artifacts.read_bytes(str(on_disk.relative_to(platform.artifacts.root))) == b""


def test_s3_artifact_stores_ask_for_server_side_encryption(settings: Settings) -> None:
    from reelforge.store.artifacts import open_artifact_store

    kms = settings.model_copy(update={"artifact_url": "s3://bucket/prefix",
                                      "artifact_s3_sse": "aws:kms",
                                      "artifact_s3_kms_key_id": "alias/reelforge"})
    store = open_artifact_store(kms)
    assert store.fs.s3_additional_kwargs == {"ServerSideEncryption": "aws:kms",
                                             "SSEKMSKeyId": "alias/reelforge"}
    plain = open_artifact_store(settings.model_copy(update={"artifact_url": "s3://bucket/p"}))
    assert not plain.fs.s3_additional_kwargs
