"""One library (issue 17): what `reelforge songs add` and `footage add` index is the ``local``
tenant's library, listed by the API and shown by the studio; what a tenant uploads is indexed
into its footage library by the workers (one ``index`` job per file), which the CLI and the
footage search then read. Uploads are de-duplicated by content and may carry several files."""

from __future__ import annotations

import io
import json
import math
import shutil
import struct
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from typer.testing import CliRunner

from reelforge.cli.main import app
from reelforge.jobs.platform import Platform, open_platform
from reelforge.settings import Settings
from reelforge.store.db import forget_databases
from reelforge.store.jobs import Job
from reelforge.store.library import LibraryItem
from reelforge.store.tenants import LOCAL_TENANT, create_key


@pytest.fixture
def platform(settings: Settings) -> Iterator[Platform]:
    """Jobs are queued, not run: what is queued is what the test checks."""
    yield open_platform(settings)
    forget_databases()


@pytest.fixture
def running(settings: Settings) -> Iterator[Platform]:
    """Each job runs as it is queued, as a worker would run it."""
    yield open_platform(settings, immediate=True)
    forget_databases()


def api(platform: Platform, tenant: str = LOCAL_TENANT, role: str = "editor") -> TestClient:
    from reelforge.server.app import create_app

    with platform.db.session() as session:
        secret = create_key(session, tenant, role).secret
    client = TestClient(create_app(platform=platform), base_url="http://studio.test")
    client.headers["Authorization"] = f"Bearer {secret}"
    client.cookies.set("rf_csrf", "test-token")
    client.headers["X-CSRF-Token"] = "test-token"
    return client


def studio(platform: Platform, tenant: str = LOCAL_TENANT, role: str = "editor") -> TestClient:
    from reelforge.server.app import create_app

    with platform.db.session() as session:
        secret = create_key(session, tenant, role).secret
    client = TestClient(create_app(platform=platform), base_url="http://studio.test")
    client.cookies.set("rf_csrf", "test-token")
    client.headers["X-CSRF-Token"] = "test-token"
    signed = client.post("/signin", data={"key": secret, "next": "/"}, follow_redirects=False)
    assert signed.status_code == 303
    return client


def png_bytes(colour: tuple[int, int, int], size: tuple[int, int] = (48, 32)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def write_tone(path: Path, seconds: float = 3.0, rate: int = 22050) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * 220 * i / rate)
                                  * (1 + (i // (rate // 2)) % 2) / 2))
            for i in range(int(seconds * rate))))
    return path


def items_of(platform: Platform) -> list[LibraryItem]:
    with platform.db.session() as session:
        return list(session.query(LibraryItem).order_by(LibraryItem.created_at))


def jobs_of(platform: Platform) -> list[tuple[str, str]]:
    with platform.db.session() as session:
        return [(j.kind, j.brief.get("item_id", "")) for j in session.query(Job)]


# --- the CLI's library is the local tenant's -----------------------------------------------


def test_footage_the_cli_adds_is_listed_by_the_api_searched_and_shown_in_the_studio(
    platform: Platform, settings: Settings, footage_dir: Path, tmp_path: Path,
) -> None:
    folder = tmp_path / "clips"
    folder.mkdir()
    for name in ("beach_dog_running.mp4", "snowy_mountain.png"):
        shutil.copy(footage_dir / name, folder / name)
    added = CliRunner().invoke(app, ["footage", "add", str(folder), "--workers", "1",
                                     "--no-transcribe", "--json"])
    assert added.exit_code == 0, added.output

    client = api(platform, role="viewer")
    listed = client.get("/v1/library/items").json()
    assert sorted((i["name"], i["kind"]) for i in listed) == [
        ("beach_dog_running.mp4", "video"), ("snowy_mountain.png", "image")]
    # their footage is indexed already: only their analysis is queued, never a second index
    assert sorted(kind for kind, _ in jobs_of(platform)) == ["analyze", "analyze"]
    found = client.get("/v1/footage/search", params={"q": "a dog on the beach", "k": 1})
    assert found.status_code == 200, found.text
    assert Path(found.json()[0]["file"]).name == "beach_dog_running.mp4"
    page = studio(platform, role="viewer").get("/library/videos").text
    assert "beach_dog_running.mp4" in page and "No videos yet" not in page

    again = CliRunner().invoke(app, ["footage", "add", str(folder), "--workers", "1",
                                     "--no-transcribe", "--json"])
    assert again.exit_code == 0, again.output
    assert len(items_of(platform)) == 2 and len(jobs_of(platform)) == 2  # no second row


def test_a_song_the_cli_adds_is_in_the_studios_your_songs_with_its_features(
    platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from reelforge.providers.music.catalog import SongCatalog

    monkeypatch.setattr(SongCatalog, "ensure_builtin", lambda self, **_: 0)  # not under test
    write_tone(tmp_path / "music" / "evening_theme.wav")
    added = CliRunner().invoke(app, ["songs", "add", str(tmp_path / "music"), "--workers", "1",
                                     "--json"])
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)[0]["added"] == 1

    page = studio(platform, role="viewer").get("/library").text
    assert "No songs of your own yet" not in page
    assert "evening_theme.wav" in page and "3.0 s · " in page and " BPM · " in page
    assert jobs_of(platform) == []  # analysed by the CLI: nothing queued
    [item] = client_items = api(platform, role="viewer").get("/v1/library/items").json()
    assert item["state"] == "analyzed" and client_items[0]["kind"] == "audio"


def test_an_older_cli_library_moves_to_the_local_tenants_folder(
    settings: Settings, footage_dir: Path, embed: object,
) -> None:
    from reelforge.library.footage_add import add_footage
    from reelforge.library.footage_store import default_footage_folder, load_library

    old = settings.data_dir / "footage" / "local"
    add_footage([footage_dir / "beach_dog_running.mp4"], old, embed=embed,  # type: ignore[arg-type]
                transcribe=False)
    folder = default_footage_folder(settings)
    assert folder.name.startswith("tenant-") and not old.exists()
    [shot] = load_library(folder).shots.values()
    assert Path(str(shot.extra["thumbnail"])).is_relative_to(folder)
    assert Path(str(shot.extra["thumbnail"])).is_file()


# --- uploads: by content, several at once ------------------------------------------------------


def test_the_same_bytes_uploaded_again_under_another_name_are_the_existing_item(
    platform: Platform,
) -> None:
    client = api(platform, tenant="acme")
    picture = png_bytes((200, 40, 40))
    first = client.post("/v1/library/items", files={"file": ("red.png", picture)})
    assert first.status_code == 202, first.text
    assert first.json()["duplicate"] is False
    again = client.post("/v1/library/items", files={"file": ("copy of red.png", picture)})
    assert again.status_code == 202, again.text
    assert again.json()["duplicate"] is True and again.json()["id"] == first.json()["id"]
    assert again.json()["name"] == "red.png"
    assert len(items_of(platform)) == 1
    assert sorted(kind for kind, _ in jobs_of(platform)) == ["analyze", "index"]  # not twice
    stored = list((platform.settings.data_dir / "artifacts").rglob("*.png"))
    assert len(stored) == 1  # no second file
    other = api(platform, tenant="globex").post("/v1/library/items",
                                                 files={"file": ("red.png", picture)})
    assert other.json()["duplicate"] is False  # tenants never share items


def test_several_files_in_one_upload_are_each_added_a_duplicate_or_refused(
    platform: Platform,
) -> None:
    client = api(platform, tenant="acme")
    blue, green = png_bytes((30, 60, 220)), png_bytes((30, 200, 60))
    client.post("/v1/library/items", files={"file": ("blue.png", blue)})
    answer = client.post("/v1/library/items", files=[
        ("file", ("green.png", green)), ("file", ("blue again.png", blue)),
        ("file", ("notes.txt", b"hello")), ("file", ("fake.png", b"not a picture at all"))])
    assert answer.status_code == 202, answer.text
    uploads = answer.json()["uploads"]
    assert [(u["name"], u["status"]) for u in uploads] == [
        ("green.png", "added"), ("blue again.png", "duplicate"), ("notes.txt", "refused"),
        ("fake.png", "refused")]
    assert uploads[1]["item"]["name"] == "blue.png"
    assert "unsupported file type" in uploads[2]["error"]["message"].lower()
    assert uploads[3]["error"]["code"] and uploads[3]["item"] is None
    assert sorted(i.name for i in items_of(platform)) == ["blue.png", "green.png"]

    refused = client.post("/v1/library/items", files=[  # nothing added: the request failed
        ("file", ("notes.txt", b"hello")), ("file", ("fake.png", b"not a picture at all"))])
    assert refused.status_code == 400, refused.text
    assert "none of the 2 files could be added" in refused.json()["error"]["message"]
    assert len(items_of(platform)) == 2


def test_the_studio_upload_takes_several_files_and_reports_each(platform: Platform) -> None:
    client = studio(platform, tenant="acme")
    form = client.get("/library/images").text
    assert 'name="file" type="file" multiple' in form
    red = png_bytes((220, 30, 30))
    answer = client.post("/library/upload", data={"csrf_token": "test-token"}, files=[
        ("file", ("red.png", red)), ("file", ("red copy.png", red)),
        ("file", ("song.exe", b"MZ"))])
    assert answer.status_code == 200, answer.text
    text = " ".join(answer.text.split())
    assert "<strong>red.png</strong> — added" in text
    assert "<strong>red copy.png</strong> — already in your library as red.png" in text
    assert "<strong>song.exe</strong> — <span role=\"alert\">refused: Unsupported file type" in text
    assert "1 added, 1 duplicate, 1 refused." in text
    one = client.post("/library/upload", data={"csrf_token": "test-token"},
                      files={"file": ("again.png", red)}, follow_redirects=False)
    assert one.status_code == 303 and "duplicate=" in one.headers["location"]
    assert "Already in your library" in client.get(one.headers["location"]).text


# --- uploads reach the footage library through the workers ------------------------------------


def test_uploaded_videos_and_pictures_are_indexed_one_job_each_into_the_tenants_footage(
    running: Platform, footage_dir: Path, tmp_path: Path,
) -> None:
    from reelforge.library.footage_source import open_tenant_footage
    from reelforge.store.tenants import tenant_by_name

    client = api(running, tenant="acme")
    answer = client.post("/v1/library/items", files=[
        ("file", ("beach.mp4", (footage_dir / "beach_dog_running.mp4").read_bytes())),
        ("file", ("mountain.png", (footage_dir / "snowy_mountain.png").read_bytes())),
        ("file", ("theme.wav", write_tone(tmp_path / "theme.wav").read_bytes()))])
    assert [u["status"] for u in answer.json()["uploads"]] == ["added"] * 3
    kinds = sorted(kind for kind, _ in jobs_of(running))
    assert kinds == ["analyze", "analyze", "analyze", "index", "index"]  # none for the song
    with running.db.session() as session:
        assert {j.state for j in session.query(Job)} == {"succeeded"}
        acme = tenant_by_name(session, "acme").id

    found = client.get("/v1/footage/search", params={"q": "a beach", "k": 5})
    assert found.status_code == 200, found.text
    files = [Path(row["file"]).name for row in found.json()]
    assert sorted(files) == ["beach.mp4", "mountain.png"]
    index = open_tenant_footage(running.settings, acme)  # what `make --footage library` opens
    assert len(index) == 2
    shot = next(s for s in index.shots if s.kind == "video")
    assert Path(shot.source).is_file()  # `make` renders from it: it stays on the server


def test_an_upload_to_the_local_tenant_is_in_the_clis_footage_library(
    running: Platform, footage_dir: Path,
) -> None:
    client = api(running)  # the local tenant: the CLI's
    client.post("/v1/library/items", files={
        "file": ("kitchen.mp4", (footage_dir / "kitchen_two_shots.mp4").read_bytes())})
    listed = CliRunner().invoke(app, ["footage", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [Path(r["file"]).name for r in json.loads(listed.stdout)] == ["kitchen.mp4"] * 2


def test_index_file_reports_an_unreadable_upload_and_the_job_fails_with_its_reason(
    running: Platform,
) -> None:
    client = api(running, tenant="acme")
    broken = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200  # an MP4 header, then nothing
    answer = client.post("/v1/library/items", files={"file": ("broken.mp4", broken)})
    assert answer.status_code == 202, answer.text
    with running.db.session() as session:
        index_job = session.query(Job).filter_by(kind="index").one()
        assert index_job.state == "failed"
        assert index_job.error["code"] == "unreadable_media"
        assert "broken.mp4" in index_job.error["message"]
        assert str(running.settings.data_dir) not in json.dumps(index_job.error)


def test_the_studios_videos_page_searches_the_footage_library_like_the_api(
    running: Platform, footage_dir: Path,
) -> None:
    client = studio(running, tenant="acme")
    empty = client.get("/library/videos", params={"q": "a dog"}).text
    assert "This tenant has no footage library yet" in empty  # a message, not an error page
    client.post("/library/upload", data={"csrf_token": "test-token"}, files=[
        ("file", ("beach.mp4", (footage_dir / "beach_dog_running.mp4").read_bytes())),
        ("file", ("kitchen.mp4", (footage_dir / "kitchen_two_shots.mp4").read_bytes()))])
    page = " ".join(client.get("/library/videos", params={"q": "a dog on the beach"})
                    .text.split())
    first = page.index("<li class=\"shot-hit\">")
    assert "beach.mp4</h3>" in page[first:first + 600]  # best first
    assert "0:00.0–0:02.0 · score 0." in page and "“beach”" in page
    assert str(running.settings.data_dir) not in page  # uploads shown by their library place
    thumbnail = page[first:].split('src="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    picture = client.get(thumbnail)
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/jpeg"


def test_n_files_indexed_at_once_into_one_library_all_stay(
    tmp_path: Path, footage_dir: Path, embed: object,
) -> None:
    """Each index job analyses outside the library's lock and stores under it, reading the
    library again: two workers at once lose neither file."""
    from concurrent.futures import ThreadPoolExecutor

    from reelforge.library.footage_add import index_file
    from reelforge.library.footage_store import load_library

    folder = tmp_path / "library"
    files = [footage_dir / "beach_dog_running.mp4", footage_dir / "kitchen_two_shots.mp4",
             footage_dir / "snowy_mountain.png"]
    with ThreadPoolExecutor(3) as pool:
        reports = list(pool.map(lambda f: index_file(f, folder, embed=embed,  # type: ignore[arg-type]
                                                     transcribe=False), files))
    assert [len(r.added) for r in reports] == [1, 1, 1]
    library = load_library(folder)
    assert sorted(Path(p).name for p in library.files) == sorted(f.name for f in files)
    assert len(library.shots) == 4
    again = index_file(files[0], folder, embed=embed, transcribe=False)  # type: ignore[arg-type]
    assert again.skipped == [str(files[0])] and not again.added


def test_the_same_bytes_added_at_the_same_moment_leave_one_item_and_one_file(
    platform: Platform, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both uploads checked before either was recorded: the unique (tenant, content) index
    refuses the second row, which answers the first item and removes the file it stored."""
    from reelforge.services import library as library_service

    client = api(platform, tenant="acme")
    picture = png_bytes((10, 120, 90))
    first = client.post("/v1/library/items", files={"file": ("teal.png", picture)}).json()
    monkeypatch.setattr(library_service, "item_with_content",
                        _missing_once(library_service.item_with_content))
    second = client.post("/v1/library/items", files={"file": ("teal 2.png", picture)})
    assert second.status_code == 202, second.text
    assert second.json()["duplicate"] is True and second.json()["id"] == first["id"]
    assert len(items_of(platform)) == 1
    assert len(list((platform.settings.data_dir / "artifacts").rglob("*.png"))) == 1


def _missing_once(lookup):  # type: ignore[no-untyped-def]
    calls = {"n": 0}

    def answer(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        return None if calls["n"] == 1 else lookup(*args, **kwargs)

    return answer


@pytest.mark.slow
def test_a_tenant_makes_a_video_from_the_footage_it_uploaded(
    settings: Settings, footage_dir: Path,
) -> None:
    """Upload → the index job → `make` with ``footage: "library"`` shows the uploaded shot."""
    running = open_platform(settings.model_copy(update={
        "script_engine": "template", "video_engine": "local", "music_engine": "builtin",
        "fps": 12, "x264_preset": "ultrafast"}), immediate=True)
    try:
        client = api(running, tenant="acme")
        uploaded = client.post("/v1/library/items", files=[
            ("file", ("beach_dog_running.mp4",
                      (footage_dir / "beach_dog_running.mp4").read_bytes())),
            ("file", ("green_trees_wind.mp4",
                      (footage_dir / "forest" / "green_trees_wind.mp4").read_bytes()))])
        script = ("title: By the sea\n\n# The shore\nvisual: dog on the beach\n"
                  "Every evening our dog runs along the sandy beach under a blue sky.\n")
        made = client.post("/v1/jobs", json={"script": script, "duration_s": 5,
                                             "aspect": "16:9", "captions": "none",
                                             "footage": "library"})
        assert made.status_code == 202, made.text
        job = client.get(f"/v1/jobs/{made.json()['id']}").json()
        assert job["state"] == "succeeded", job
        stored = client.get(f"/v1/jobs/{made.json()['id']}/artifacts/manifest.json")
        [chosen] = stored.json()["footage"]
        # named by the library item it was uploaded as, never by its copy on the server
        beach = uploaded.json()["uploads"][0]["item"]["id"]
        assert (chosen["shot"]["source"], chosen["shot"]["item_id"]) == (
            "beach_dog_running.mp4", beach)
        assert str(running.settings.data_dir) not in stored.text and "uploads/" not in stored.text
        page = studio(running, tenant="acme").get(f"/jobs/{made.json()['id']}").text
        assert f'href="/library/videos#v-{beach}"' in page
        assert str(running.settings.data_dir) not in page
    finally:
        forget_databases()
