"""POST /v1/clips and the ``clips`` job kind: a tenant's library video cut into shorts by the
worker (the code ``reelforge clips`` runs), every clip, clips.json and the contact sheet stored
as the job's artifacts; bad requests are one clear 422 naming the field, another tenant's
video is 404; the transcript and the shot scan come from the tenant's step cache next time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.clips.conftest import Talk
from tests.clips.talk import DANGLING, HOOK, PARAGRAPHS

from reelforge.jobs.platform import Platform, open_platform
from reelforge.media.ffmpeg import find_ffmpeg, run_ffmpeg
from reelforge.settings import Settings
from reelforge.store.db import forget_databases
from reelforge.store.tenants import create_key


@pytest.fixture
def platform(settings: Settings) -> Iterator[Platform]:
    yield open_platform(settings.model_copy(update={"x264_preset": "ultrafast"}))
    forget_databases()


@pytest.fixture
def keys(platform: Platform) -> dict[str, str]:
    with platform.db.session() as session:
        return {"editor": create_key(session, "acme", "editor").secret,
                "viewer": create_key(session, "acme", "viewer").secret,
                "stranger": create_key(session, "globex", "editor").secret}


def client_for(platform: Platform, key: str) -> TestClient:
    from reelforge.server.app import create_app

    return TestClient(create_app(platform=platform), headers={"Authorization": f"Bearer {key}"})


def upload(client: TestClient, path: Path) -> str:
    answer = client.post("/v1/library/items", files={"file": (path.name, path.read_bytes())})
    assert answer.status_code == 202, answer.text
    return str(answer.json()["id"])


def short_video(folder: Path, seconds: float = 3.0) -> Path:
    path = folder / "short.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", f"color=s=64x36:r=10:d={seconds}", "-c:v", "libx264",
                "-preset", "ultrafast", str(path)], ffmpeg=find_ffmpeg())
    return path


def picture(folder: Path) -> Path:
    from PIL import Image

    path = folder / "sunset.png"
    Image.new("RGB", (32, 32), (200, 90, 40)).save(path)
    return path


def test_bad_clips_requests_are_one_clear_422_naming_the_field_and_strangers_get_404(
        platform: Platform, keys: dict[str, str], tmp_path: Path) -> None:
    client = client_for(platform, keys["editor"])
    video, image = upload(client, short_video(tmp_path)), upload(client, picture(tmp_path))

    def refused(body: dict[str, Any], status: int = 422) -> dict[str, Any]:
        answer = client.post("/v1/clips", json=body)
        assert answer.status_code == status, answer.text
        return dict(answer.json()["error"])

    not_video = refused({"item_id": image})
    assert "'sunset.png' is an image, not a video" in not_video["message"]
    assert not_video["details"]["field"] == "item_id"
    for length in ("60-20", "ten", "0-5", "30-900"):
        assert refused({"item_id": video, "length": length})["details"]["field"] == "length"
    assert refused({"item_id": video, "aspect": "wide"})["details"]["field"] == "aspect"
    assert "W:H" in refused({"item_id": video, "aspect": "wide"})["message"]
    refused({"item_id": video, "count": 0})
    refused({"item_id": video, "count": 21})
    refused({"item_id": video, "captions": "fancy"})
    refused({"item_id": "not-an-id"})
    unknown = refused({"item_id": "0b8e6c9e-3a53-4a59-9b43-7b7c1d0f2a11"}, 404)
    assert unknown["code"] == "not_found"
    # another tenant's video answers exactly like a missing one
    stranger = client_for(platform, keys["stranger"]).post("/v1/clips", json={"item_id": video})
    assert stranger.status_code == 404 and stranger.json()["error"]["code"] == "not_found"
    # a viewer may not start jobs
    viewer = client_for(platform, keys["viewer"]).post("/v1/clips", json={"item_id": video})
    assert viewer.status_code == 403
    # once the library knows the video's length, a too-long clip is refused at once
    from reelforge.jobs.worker import execute_job
    from reelforge.store.library import LibraryItem

    with platform.db.session() as session:
        analysis_job = session.get(LibraryItem, video).analysis_job  # type: ignore[union-attr]
    assert execute_job(platform, str(analysis_job)) == "succeeded"
    too_long = refused({"item_id": video, "length": "20-60"})
    assert "3.0 s long, shorter than the shortest clip asked for (20 s)" in too_long["message"]
    assert client.get("/openapi.json").json()["paths"]["/v1/clips"]["post"]["tags"] == ["jobs"]


def test_a_clips_job_on_a_video_too_short_fails_in_words_of_the_api(
        platform: Platform, keys: dict[str, str], tmp_path: Path) -> None:
    from reelforge.jobs.worker import execute_job

    client = client_for(platform, keys["editor"])
    video = upload(client, short_video(tmp_path))  # not analysed yet: the worker finds out
    made = client.post("/v1/clips", json={"item_id": video, "length": "20-60"})
    assert made.status_code == 202, made.text
    job = made.json()
    assert job["kind"] == "clips" and job["brief"]["item_id"] == video
    assert job["brief"]["min_s"] == 20 and job["brief"]["max_s"] == 60
    assert execute_job(platform, job["id"]) == "failed"
    error = client.get(f"/v1/jobs/{job['id']}").json()["error"]
    assert error["message"].startswith("short.mp4 is 3.0 s long, shorter than the shortest clip")
    assert "--" not in error.get("details", {}).get("hint", ""), error  # no CLI flags


@pytest.mark.slow
def test_a_clips_job_stores_each_clip_clips_json_and_the_sheet_then_resumes_from_the_cache(
        platform: Platform, keys: dict[str, str], talk_video: Talk,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from reelforge.jobs.worker import execute_job

    client = client_for(platform, keys["editor"])
    video = upload(client, talk_video.path)
    made = client.post("/v1/clips", json={"item_id": video, "count": 2, "length": "8-20",
                                          "aspect": "9:16", "captions": "box"})
    assert made.status_code == 202, made.text
    job_id = made.json()["id"]
    assert execute_job(platform, job_id) == "succeeded"
    job = client.get(f"/v1/jobs/{job_id}").json()
    assert job["progress"] == 1.0
    names = {a["name"] for a in client.get(f"/v1/jobs/{job_id}/artifacts").json()}
    assert names == {"clip-01.mp4", "clip-01.srt", "clip-02.mp4", "clip-02.srt", "clips.json",
                     "contact-sheet.jpg"}
    document = client.get(f"/v1/jobs/{job_id}/artifacts/clips.json").json()
    assert document["source"] == "talk.mp4"  # the library name, never a path on the server
    clips = document["clips"]
    hook_start, _ = talk_video.paragraphs[PARAGRAPHS.index(HOOK)]
    assert clips[0]["transcript"].lower().startswith("why"), [c["transcript"] for c in clips]
    assert abs(clips[0]["speech_start_s"] - hook_start) < 1.0
    dangling_start, dangling_end = talk_video.paragraphs[PARAGRAPHS.index(DANGLING)]
    assert all(c["end_s"] <= dangling_start or c["start_s"] >= dangling_end for c in clips)
    assert [c["file"] for c in job["result"]["clips"]] == ["clip-01.mp4", "clip-02.mp4"]
    mp4 = client.get(f"/v1/jobs/{job_id}/artifacts/clip-01.mp4", headers={"Range": "bytes=0-7"})
    assert mp4.status_code == 206 and mp4.content[4:8] == b"ftyp"
    assert client.get(f"/v1/jobs/{job_id}/artifacts/contact-sheet.jpg").content[:2] == b"\xff\xd8"
    from reelforge.store import jobs as job_rows

    with platform.db.session() as session:
        events = [e.data for e in job_rows.events_after(session, job_id, 0)]
    labels = [e.get("label") for e in events if e.get("state") == "started"]
    assert labels == ["shots", "speech", "moments", "clip 1/2", "clip 2/2"]
    shares = [e["fraction"] for e in events if e.get("state") == "progress"]
    assert shares and all(0.0 <= s <= 1.0 for s in shares)

    # a second job on the same video: the transcript and the shot scan come from the step
    # cache (they would fail if run), so it starts at the moments
    def not_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("transcribed or scanned again")

    monkeypatch.setattr("reelforge.media.heard.heard_words", not_again)
    monkeypatch.setattr("reelforge.media.activity.scan_activity", not_again)
    again = client.post("/v1/clips", json={"item_id": video, "count": 1, "length": "8-20",
                                           "captions": "none"})
    assert execute_job(platform, again.json()["id"]) == "succeeded", \
        client.get(f"/v1/jobs/{again.json()['id']}").json()["error"]
    first = json.loads(client.get(f"/v1/jobs/{again.json()['id']}/artifacts/clips.json").text)
    assert first["clips"][0]["transcript"] == clips[0]["transcript"]


def test_clips_jobs_count_in_the_daily_job_quota(platform: Platform, keys: dict[str, str],
                                                 tmp_path: Path) -> None:
    from reelforge.store.tenants import get_or_create_tenant

    with platform.db.session() as session:
        get_or_create_tenant(session, "acme").jobs_per_day = 1
    client = client_for(platform, keys["editor"])
    video = upload(client, short_video(tmp_path))  # its analysis job does not count
    assert client.post("/v1/clips", json={"item_id": video, "length": "1-2"}).status_code == 202
    over = client.post("/v1/clips", json={"item_id": video, "length": "1-2"})
    assert over.status_code == 429 and "quota of 1 jobs a day" in over.json()["error"]["message"]


def test_progress_events_follow_the_stages_and_a_cancel_stops_at_the_next_report() -> None:
    from reelforge.errors import Canceled
    from reelforge.jobs.clips import ClipEvents
    from reelforge.pipeline.step import StepEvent

    sent: list[StepEvent] = []
    stop = [False]
    events = ClipEvents(sent.append, lambda: stop[0])
    for stage, fraction in (("shots", 0.0), ("shots", 0.5), ("shots", 1.0), ("speech", 0.0),
                            ("speech", 1.0), ("speech", 1.0), ("moments", 1.0),
                            ("clip 1/2", 0.3), ("clip 2/2", 0.5), ("clip 2/2", 1.0)):
        events(stage, fraction)
    assert [(e.label, e.state) for e in sent if e.state != "progress"] == [
        ("shots", "started"), ("shots", "done"), ("speech", "started"), ("speech", "done"),
        ("moments", "started"), ("moments", "done"), ("clip 1/2", "started"),
        ("clip 1/2", "done"), ("clip 2/2", "started"), ("clip 2/2", "done")]
    shares = [e.job_progress for e in sent]
    assert all(s is not None for s in shares)
    assert shares == sorted(shares), shares  # the job's progress never goes back
    assert shares[-1] == pytest.approx(0.97)
    assert {e.step for e in sent} == {"shots", "speech", "moments", "clip"}
    stop[0] = True
    with pytest.raises(Canceled):
        events("clip 2/2", 1.0)


def test_a_music_bed_is_a_song_of_the_tenants_library(
        platform: Platform, keys: dict[str, str], tmp_path: Path) -> None:
    import numpy as np
    import soundfile as sf

    from reelforge.jobs.clips import music_file
    from reelforge.store.jobs import Job
    from reelforge.store.tenants import tenant_by_name

    song_path = tmp_path / "calm.wav"
    sf.write(song_path, (0.2 * np.sin(np.arange(16000) / 16000 * 2 * np.pi * 220)).astype(
        np.float32), 16000)
    client = client_for(platform, keys["editor"])
    video = upload(client, short_video(tmp_path, seconds=30.0))
    song, image = upload(client, song_path), upload(client, picture(tmp_path))
    stranger_song = upload(client_for(platform, keys["stranger"]), song_path)

    for wrong, said in ((image, "is an image, not a song"), (stranger_song, "no song"),
                        ("0b8e6c9e-3a53-4a59-9b43-7b7c1d0f2a11", "no song")):
        answer = client.post("/v1/clips", json={"item_id": video, "length": "5-10",
                                                "music_item_id": wrong})
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert said in error["message"] and error["details"]["field"] == "music_item_id"

    queued = client.post("/v1/clips", json={"item_id": video, "length": "5-10",
                                            "music_item_id": song})
    assert queued.status_code == 202, queued.text
    with platform.db.session() as session:
        job = session.get(Job, queued.json()["id"])
        assert job is not None and job.brief["clips"]["music_item_id"] == song
        acme = tenant_by_name(session, "acme").id
    local = music_file(platform, acme, song, tmp_path / "work")  # what the worker mixes in
    assert local.read_bytes() == song_path.read_bytes()
