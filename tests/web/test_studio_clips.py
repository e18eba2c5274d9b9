"""The studio's "Clips from a video" page (issue 18): pick a library video or upload one, set
the clips, start a clips job; the finished job's page lists the ranked moments (time range,
transcript, scores, reason), a player and a download for each clip, and the contact sheet.

The HTTP tests fake the finished job (its clips.json and files stored as the worker stores
them; tests/clips/test_clips_api.py runs the real job); the browser test runs it on the live
studio and worker."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from studio_support import Studio, screenshot
from test_studio_http import client_for

from reelforge.domain import ClipsOrder, JobSpec
from reelforge.jobs.platform import Platform, open_platform
from reelforge.media.ffmpeg import find_ffmpeg, run_ffmpeg
from reelforge.services.clips_jobs import submit_clips
from reelforge.settings import Settings
from reelforge.store import jobs as job_rows
from reelforge.store.artifacts import record_artifact
from reelforge.store.db import forget_databases
from reelforge.store.library import list_items
from reelforge.store.tenants import create_key, get_or_create_tenant

CLIPS_JSON = {
    "source": "talk.mp4", "aspect": "9:16", "about": "octopus", "length": [8.0, 20.0],
    "clips": [
        {"file": "clip-01.mp4", "start_s": 21.35, "end_s": 35.9, "duration_s": 14.55,
         "speech_start_s": 21.6, "speech_end_s": 35.5,
         "transcript": "Why does an octopus have three hearts? It sounds impossible.",
         "scores": {"stands_alone": 1.0, "coherence": 0.81, "hook": 1.0, "density": 0.62,
                    "edges": 1.0, "about": 0.93, "total": 0.912},
         "reason": "opens with a question; stands alone; its sentences keep to one subject",
         "hook_title": "Why does an octopus have three hearts?",
         "reframe": {"face_share": 1.0, "blurred_fill": False}},
        {"file": "clip-02.mp4", "start_s": 52.1, "end_s": 64.0, "duration_s": 11.9,
         "speech_start_s": 52.3, "speech_end_s": 63.7,
         "transcript": "High in the mountains a small red train climbs through the snow.",
         "scores": {"stands_alone": 1.0, "coherence": 0.77, "hook": 0.0, "density": 0.58,
                    "edges": 0.5, "about": 0.1, "total": 0.55},
         "reason": "stands alone; 2.9 words/s",
         "reframe": {"face_share": 0.9, "blurred_fill": False}},
    ],
}


@pytest.fixture
def platform(settings: Settings) -> Iterator[Platform]:
    yield open_platform(settings)
    forget_databases()


@pytest.fixture
def keys(platform: Platform) -> dict[str, str]:
    with platform.db.session() as session:
        return {"editor": create_key(session, "acme", "editor").secret,
                "viewer": create_key(session, "acme", "viewer").secret,
                "stranger": create_key(session, "globex", "editor").secret}


@pytest.fixture(scope="module")
def tiny_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("video") / "talk.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "color=s=64x36:r=10:d=2", "-c:v", "libx264", "-preset",
                "ultrafast", str(path)], ffmpeg=find_ffmpeg())
    return path


def _finished_clips_job(platform: Platform, item_id: str, video: Path) -> str:
    """A succeeded clips job of acme with the files the worker stores."""
    with platform.db.session() as session:
        tenant = get_or_create_tenant(session, "acme").id
    job = submit_clips(platform, tenant, item_id, ClipsOrder(count=2, min_s=8, max_s=20,
                                                             about="octopus"))
    files = {"clips.json": json.dumps(CLIPS_JSON).encode(), "clip-01.mp4": video.read_bytes(),
             "clip-01.srt": b"1\n00:00:00,000 --> 00:00:01,000\nWhy\n",
             "clip-02.mp4": video.read_bytes(), "contact-sheet.jpg": b"\xff\xd8\xff\xe0jpeg"}
    with platform.db.session() as session:
        for name, data in files.items():
            path = f"{tenant}/{job.id}/{name}"
            record_artifact(session, tenant, job.id, name, path,
                            platform.artifacts.put_bytes(data, path))
        row = job_rows.get_job(session, tenant, job.id)
        row.state, row.progress = "succeeded", 1.0
        row.result = {"artifacts": list(files)}
    return job.id


def test_clips_page_lists_your_videos_uploads_come_back_selected_and_a_submit_queues_a_job(
        platform: Platform, keys: dict[str, str], tiny_video: Path) -> None:
    client = client_for(platform, keys["editor"])
    assert 'href="/clips"' in client.get("/").text  # the navigation's entry
    empty = client.get("/clips").text
    assert 'id="no-videos"' in empty and 'name="back" value="/clips"' in empty
    uploaded = client.post("/library/upload", data={"back": "/clips"}, follow_redirects=False,
                           files={"file": ("talk.mp4", tiny_video.read_bytes(), "video/mp4")})
    assert uploaded.status_code == 303
    assert uploaded.headers["location"].startswith("/clips?added=")
    item_id = uploaded.headers["location"].split("added=")[1]
    page = client.get(uploaded.headers["location"]).text
    assert f'<option value="{item_id}" selected>talk.mp4</option>' in page
    # another tenant sees none of acme's videos
    assert item_id not in client_for(platform, keys["stranger"]).get("/clips").text

    form = {"item_id": item_id, "count": "2", "min_s": "8", "max_s": "20", "aspect": "1:1",
            "about": "octopus", "captions": "pop", "hook_title": "on"}
    bad = client.post("/clips", data={**form, "min_s": "30"})
    assert bad.status_code == 422
    said = html.unescape(bad.text)
    assert "Length '30-20' is not MIN-MAX seconds" in said and "Traceback" not in said
    assert 'value="octopus"' in bad.text  # what was typed is kept
    assert client.post("/clips", data={**form, "count": "two"}).status_code == 400
    assert client_for(platform, keys["stranger"]).post("/clips", data=form).status_code == 404
    assert client_for(platform, keys["viewer"]).post("/clips", data=form).status_code == 403

    made = client.post("/clips", data=form, follow_redirects=False)
    assert made.status_code == 303
    job_id = made.headers["location"].removeprefix("/jobs/")
    with platform.db.session() as session:
        tenant = get_or_create_tenant(session, "acme").id
        job = job_rows.get_job(session, tenant, job_id)
        assert job.kind == "clips"
        assert JobSpec.of_row(job).clips == ClipsOrder(count=2, min_s=8, max_s=20, aspect="1:1",
                                                       about="octopus", captions="pop",
                                                       hook_title=True)
    waiting = client.get(f"/jobs/{job_id}").text
    assert "Clips from a video" in waiting and "2 clips of 8–20 s · 1:1" in waiting


def test_a_finished_clips_job_shows_the_ranked_moments_players_downloads_and_the_sheet(
        platform: Platform, keys: dict[str, str], tiny_video: Path) -> None:
    client = client_for(platform, keys["editor"])
    uploaded = client.post("/library/upload", files={"file": ("talk.mp4",
                                                              tiny_video.read_bytes())},
                           follow_redirects=False)
    item_id = uploaded.headers["location"].split("added=")[1]
    job_id = _finished_clips_job(platform, item_id, tiny_video)
    page = html.unescape(client.get(f"/jobs/{job_id}").text)
    assert "2 clips from talk.mp4" in page
    assert page.index("1. 21.4–35.9 s") < page.index("2. 52.1–64.0 s")  # ranked, best first
    assert "Why does an octopus have three hearts?" in page
    assert "opens with a question; stands alone" in page and "score 0.91" in page
    assert "Title:</strong> Why does an octopus have three hearts?" in page
    assert "stands alone</dt><dd>1.00" in page and "hook</dt><dd>1.00" in page
    for clip in ("clip-01.mp4", "clip-02.mp4"):
        assert f'<video controls preload="metadata" playsinline src="/jobs/{job_id}/files/{clip}"' \
            in page
        assert f'href="/jobs/{job_id}/files/{clip}?download=1"' in page
    assert f'href="/jobs/{job_id}/files/clip-01.srt?download=1"' in page
    assert "clip-02.srt" not in page  # only the files that exist are offered
    assert f'src="/jobs/{job_id}/files/contact-sheet.jpg"' in page
    played = client.get(f"/jobs/{job_id}/files/clip-01.mp4", headers={"Range": "bytes=4-7"})
    assert played.status_code == 206 and played.content == b"ftyp"
    # the result panel the page swaps in when the event stream ends says the same
    assert "2 clips from talk.mp4" in html.unescape(client.get(f"/jobs/{job_id}/result").text)
    assert client_for(platform, keys["stranger"]).get(f"/jobs/{job_id}").status_code == 404


@pytest.mark.slow
def test_clips_from_a_video_in_the_browser_upload_submit_watch_and_play(
        editor_page: Any, studio: Studio, tmp_path: Path) -> None:
    """On the live studio and worker: upload a spoken talk from the clips page, ask for one
    clip, watch the job finish over server-sent events, play the clip."""
    from test_studio_browser import assert_accessible

    from clips.conftest import make_talk

    talk = make_talk(tmp_path)
    page = editor_page
    page.get_by_role("link", name="Clips").click()
    page.wait_for_url(re.compile(r".*/clips$"))
    page.get_by_label("Add files").set_input_files(str(talk.path))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url(re.compile(r".*/clips\?added=.*"))
    assert page.get_by_label("Video").locator("option:checked").inner_text() == "talk.mp4"
    page.get_by_label("How many clips").fill("1")
    page.get_by_label("Shortest (seconds)").fill("8")
    page.get_by_label("Longest (seconds)").fill("20")
    page.get_by_label("Captions").select_option("box")
    assert_accessible(page)
    screenshot(page, "clips-form")
    page.get_by_role("button", name="Find the clips").click()
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f-]{36}$"))
    page.locator("#job-state[data-state=succeeded]").wait_for(timeout=400_000)
    assert page.locator("#steps li[data-step='clip 1/1'][data-state=done]").count() == 1
    clip = page.locator("article.clip").first
    clip.wait_for()  # swapped in when the stream ended
    assert clip.locator("h3").inner_text().startswith("1. ")
    assert clip.locator(".clip-transcript").inner_text().lower().startswith("why")
    assert "question" in clip.locator(".clip-reason").inner_text()
    played = clip.locator("video").evaluate("""async v => {
        v.muted = true;
        if (v.readyState < 1) await new Promise(r => v.addEventListener('loadedmetadata', r,
                                                                       {once: true}));
        await v.play();
        await new Promise(r => setTimeout(r, 400));
        v.pause();
        return {duration: v.duration, at: v.currentTime, width: v.videoWidth,
                height: v.videoHeight};
    }""")
    assert 8.0 <= played["duration"] <= 20.5 and played["at"] > 0, played
    assert abs(played["width"] / played["height"] - 9 / 16) < 0.02, played  # 9:16, even sides
    page.wait_for_function("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    assert page.locator("img.contact-sheet").count() == 1
    assert_accessible(page)
    screenshot(page, "clips-job")


def test_the_clips_form_offers_your_songs_as_a_music_bed(
        platform: Platform, keys: dict[str, str], tiny_video: Path, tmp_path: Path) -> None:
    import numpy as np
    import soundfile as sf

    client = client_for(platform, keys["editor"])
    assert "Upload a song to the library to put music under the clips" in client.get(
        "/clips").text
    song = tmp_path / "calm.wav"
    sf.write(song, np.zeros(16000, np.float32), 16000)
    client.post("/library/upload", files={"file": ("calm.wav", song.read_bytes(), "audio/wav")})
    video = client.post("/library/upload", data={"back": "/clips"}, follow_redirects=False,
                        files={"file": ("talk.mp4", tiny_video.read_bytes(), "video/mp4")})
    item_id = video.headers["location"].split("added=")[1]
    page = client.get("/clips").text
    with platform.db.session() as session:
        tenant = get_or_create_tenant(session, "acme").id
        song_id = next(i.id for i in list_items(session, tenant, kind="audio"))
    assert f'<option value="{song_id}">calm.wav</option>' in page
    made = client.post("/clips", follow_redirects=False, data={
        "item_id": item_id, "count": "1", "min_s": "8", "max_s": "20", "aspect": "9:16",
        "captions": "karaoke", "music_item_id": song_id})
    assert made.status_code == 303, made.text
    with platform.db.session() as session:
        job = job_rows.get_job(session, tenant, made.headers["location"].removeprefix("/jobs/"))
        clips = JobSpec.of_row(job).clips
        assert clips is not None and clips.music_item_id == song_id
