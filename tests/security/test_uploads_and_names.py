"""Uploads are checked by content and size, their names never become paths; artifact names
are plain file names."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from reelforge.jobs.platform import Platform
from reelforge.security.names import InvalidName, check_artifact_name
from reelforge.security.uploads import safe_filename, sniff_kind
from reelforge.store.library import LibraryItem


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def upload(client: TestClient, key: str, name: str, data: bytes) -> dict:
    answer = client.post("/v1/library/items", files={"file": (name, data)},
                         headers={"Authorization": f"Bearer {key}"})
    return {"status": answer.status_code, **answer.json()}


@pytest.mark.parametrize(("name", "data"), [
    ("clip.mp4", b"#!/bin/sh\nrm -rf /\n" * 10),
    ("song.mp3", png_bytes()),
    ("photo.jpg", b"<html><script>alert(1)</script></html>"),
    ("movie.mov", b"\x00" * 256),
])
def test_a_mistyped_upload_is_refused_by_its_content(client: TestClient, keys: dict[str, str],
                                                     name: str, data: bytes) -> None:
    answer = upload(client, keys["acme-editor"], name, data)
    assert answer["status"] == 400
    assert answer["error"]["code"] == "unsupported_media"


def test_a_picture_whose_content_matches_its_name_is_accepted(
        client: TestClient, keys: dict[str, str]) -> None:
    answer = upload(client, keys["acme-editor"], "red.png", png_bytes())
    assert answer["status"] == 202 and answer["kind"] == "image"


def test_an_oversize_upload_is_refused_with_413(platform: Platform, keys: dict[str, str]) -> None:
    from reelforge.server.app import create_app

    platform.settings.upload_max_mb = 0.001  # 1 kB
    client = TestClient(create_app(platform=platform))
    answer = upload(client, keys["acme-editor"], "big.png", png_bytes() + b"\x00" * 5000)
    assert answer["status"] == 413


def test_an_upload_named_like_a_path_is_stored_under_a_plain_name(
        client: TestClient, keys: dict[str, str], platform: Platform) -> None:
    answer = upload(client, keys["acme-editor"], "..\\..\\..\\etc\\cron.d\\evil.png", png_bytes())
    assert answer["status"] == 202
    assert answer["name"] == "evil.png"
    with platform.db.session() as session:
        item = session.get(LibraryItem, answer["id"])
        assert item is not None
        assert ".." not in item.location and "\\" not in item.location
        assert item.location.endswith(f"/library/{item.id}/evil.png")


@pytest.mark.parametrize("name", ["..%5C..%5Creelforge.db", "%2E%2E", "final.mp4%22%0D%0AX-A: b",
                                  ".hidden", "a%00.mp4"])
def test_an_artifact_name_with_traversal_or_header_tricks_is_refused(
        client: TestClient, keys: dict[str, str], name: str) -> None:
    job_id = "0b8e6c9e-3a53-4a59-9b43-7b7c1d0f2a11"
    answer = client.get(f"/v1/jobs/{job_id}/artifacts/{name}",
                        headers={"Authorization": f"Bearer {keys['acme-viewer']}"})
    assert answer.status_code == 422  # refused by the documented pattern, before any lookup
    assert "path.name" in answer.json()["error"]["message"]


def test_artifact_names_are_checked_where_the_studio_calls_the_route_too() -> None:
    with pytest.raises(InvalidName):
        check_artifact_name("../reelforge.db")


def test_file_kinds_come_from_leading_bytes() -> None:
    assert sniff_kind(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 8) == "video"
    assert sniff_kind(b"\x00\x00\x00\x18ftypM4A " + b"\x00" * 8) == "audio"
    assert sniff_kind(b"RIFF\x00\x00\x00\x00WAVEfmt ") == "audio"
    assert sniff_kind(b"ID3\x04") == "audio" and sniff_kind(b"\x89PNG\r\n\x1a\n") == "image"
    assert sniff_kind(b"MZ\x90\x00") is None


def test_safe_filenames_keep_the_extension_and_lose_everything_else() -> None:
    assert safe_filename("../../x/y/Ünïcode sóng.mp3") == "Ünïcode sóng.mp3"
    assert safe_filename("..") == "upload" and safe_filename("a;rm -rf|b.png") == "a_rm -rf_b.png"
    assert len(safe_filename("x" * 300 + ".png")) == 100


def test_an_oversize_chunked_upload_is_refused_while_it_arrives_not_after(
        platform: Platform, keys: dict[str, str]) -> None:
    """No Content-Length: the server stops reading once past the limit, instead of spooling
    the whole body to disk before the route's size check runs."""
    import asyncio

    from reelforge.server.app import create_app

    platform.settings.upload_max_mb = 0.5
    app = create_app(platform=platform)
    boundary = b"rfboundary"
    head = (b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; '
            b'filename="big.png"\r\nContent-Type: image/png\r\n\r\n' + png_bytes())
    chunks = [head] + [b"\x00" * 65_536] * 100  # 6.5 MB in all
    read = 0
    answer: dict = {}

    async def receive() -> dict:
        nonlocal read
        read += 1
        if read <= len(chunks):
            return {"type": "http.request", "body": chunks[read - 1], "more_body": True}
        return {"type": "http.request", "body": b"--" + boundary + b"--\r\n",
                "more_body": False}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            answer.setdefault("status", message["status"])

    scope = {"type": "http", "method": "POST", "path": "/v1/library/items", "raw_path":
             b"/v1/library/items", "query_string": b"", "scheme": "http", "http_version": "1.1",
             "server": ("testserver", 80), "client": ("127.0.0.1", 1), "root_path": "",
             "headers": [(b"host", b"testserver"),
                         (b"authorization", f"Bearer {keys['acme-editor']}".encode()),
                         (b"content-type", b"multipart/form-data; boundary=" + boundary)]}
    asyncio.run(app(scope, receive, send))
    assert answer["status"] == 413
    assert read < 30  # ~1.5 MB read (limit + multipart slack), not all 6.5 MB


def test_a_declared_oversize_upload_is_refused_before_its_body_is_read(
        platform: Platform, keys: dict[str, str]) -> None:
    from reelforge.server.app import create_app

    platform.settings.upload_max_mb = 0.5
    client = TestClient(create_app(platform=platform))
    answer = client.post("/v1/library/items", content=b"x" * 2_000_000, headers={
        "Authorization": f"Bearer {keys['acme-editor']}",
        "Content-Type": "multipart/form-data; boundary=b"})
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "too_large"
