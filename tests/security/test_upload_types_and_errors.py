"""Uploads as an API user meets them (issue 15): names keep their letters, the stored type is
the real one, a file without an extension is typed by its content, and a file that cannot be
analysed fails with a message about *their* file (no server path, no errno, no CLI flag)."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from reelforge.jobs.platform import Platform
from reelforge.store.artifacts import Artifact
from reelforge.store.jobs import Job
from reelforge.store.library import LibraryItem

WAV_HEAD = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 40


def png_bytes(size: tuple[int, int] = (8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width``×``height`` (the pixels never come)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 49 * 4))
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IEND", b"")


def upload(client: TestClient, key: str, name: str, data: bytes) -> dict:
    answer = client.post("/v1/library/items", files={"file": (name, data)},
                         headers={"Authorization": f"Bearer {key}"})
    return {"status": answer.status_code, **answer.json()}


def test_a_non_ascii_file_name_keeps_its_letters(client: TestClient,
                                                 keys: dict[str, str]) -> None:
    answer = upload(client, keys["acme-editor"], "song ß 歌.wav", WAV_HEAD)
    assert answer["status"] == 202 and answer["name"] == "song ß 歌.wav"
    # other bytes (the same bytes again would be the first item, a duplicate)
    decomposed = upload(client, keys["acme-editor"], "cafe\u0301.wav", WAV_HEAD + b"\x01")
    assert decomposed["name"] == "caf\u00e9.wav"  # NFC


def test_a_png_named_jpg_is_stored_as_what_it_is(client: TestClient, keys: dict[str, str],
                                                 platform: Platform) -> None:
    answer = upload(client, keys["acme-editor"], "photo.jpg", png_bytes())
    assert answer["status"] == 202 and answer["content_type"] == "image/png"
    with platform.db.session() as session:
        item = session.get(LibraryItem, answer["id"])
        assert item is not None
        stored = session.query(Artifact).filter_by(path=item.location).one()
        assert stored.content_type == "image/png"


def test_a_file_without_an_extension_is_typed_by_its_content(
    client: TestClient, keys: dict[str, str]
) -> None:
    answer = upload(client, keys["acme-editor"], "file", png_bytes())
    assert answer["status"] == 202, answer
    assert (answer["name"], answer["kind"], answer["content_type"]) == (
        "file.png", "image", "image/png")
    unknown = upload(client, keys["acme-editor"], "notes", b"just some text\n" * 10)
    assert unknown["status"] == 400 and unknown["error"]["code"] == "unsupported_media"
    assert "no extension" in unknown["error"]["message"]


def analysed(client: TestClient, platform: Platform, key: str, name: str,
             data: bytes) -> tuple[dict, dict]:
    """Upload, run the analysis job here, and return (the item, the job's error)."""
    answer = upload(client, key, name, data)
    assert answer["status"] == 202, answer
    platform.queue.drain()
    item = client.get(f"/v1/library/items/{answer['id']}",
                      headers={"Authorization": f"Bearer {key}"}).json()
    with platform.db.session() as session:
        job = session.get(Job, item["analysis_job"])
        assert job is not None
        return item, job.error or {}


@pytest.mark.parametrize(("name", "data"), [
    ("song.wav", WAV_HEAD + b"junk" * 64),
    ("clip.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200),
    ("pic.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),
])
def test_a_file_that_cannot_be_analysed_says_so_without_server_details(
    client: TestClient, platform: Platform, keys: dict[str, str], name: str, data: bytes
) -> None:
    item, error = analysed(client, platform, keys["acme-editor"], name, data)
    assert item["state"] == "failed" and error["code"] == "unreadable_media"
    for text in (item["error"], error["message"], error.get("hint", "")):
        assert "/tmp" not in text and "Errno" not in text and "/library/" not in text
    assert name in error["message"]


def test_a_picture_over_the_pixel_cap_is_an_input_error_without_a_cli_flag(
    client: TestClient, platform: Platform, keys: dict[str, str]
) -> None:
    item, error = analysed(client, platform, keys["acme-editor"], "huge.png",
                           png_header_only(20_000, 20_000))
    assert error["code"] == "unreadable_media" and "MP" in error["message"]
    assert "--" not in error["message"] + error.get("hint", "") + item["error"]


def test_a_picture_under_the_pixel_cap_but_too_big_to_decode_is_refused_before_decoding(
    client: TestClient, platform: Platform, keys: dict[str, str]
) -> None:
    """15000×15000 is 225 MP (under the 250 MP cap) but about 860 MB once decoded."""
    item, error = analysed(client, platform, keys["acme-editor"], "wide.png",
                           png_header_only(15_000, 15_000))
    assert item["state"] == "failed" and error["code"] == "unreadable_media"
    assert "MB" in error["message"] and "JPEG" in error["message"]
