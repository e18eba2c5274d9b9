"""The studio's HTTP behaviour without a browser: sign-in cookie, redirects, cross-site forms,
roles, errors in words, engines per step, re-runs with an edited plan, byte ranges."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from reelforge.domain import Brief, JobSpec, Plan, Scene, Track
from reelforge.jobs.platform import Platform, open_platform
from reelforge.services import jobs as job_service
from reelforge.settings import Settings
from reelforge.store import jobs as job_rows
from reelforge.store.artifacts import record_artifact
from reelforge.store.db import forget_databases
from reelforge.store.tenants import create_key

FORM = {"prompt": "Why cats purr", "duration_s": "5", "aspect": "1:1", "voice": "joe",
        "emotion": "calm", "intensity": "0.5"}


@pytest.fixture
def platform(settings: Settings) -> Iterator[Platform]:
    """Runware "configured" at a closed loopback port: its estimate is real, its probe fails."""
    yield open_platform(settings.model_copy(update={
        "runware_api_key": SecretStr("rw-test-key"), "runware_base_url": "http://127.0.0.1:9/v1"}))
    forget_databases()


@pytest.fixture
def keys(platform: Platform) -> dict[str, str]:
    with platform.db.session() as session:
        return {role: create_key(session, "acme", role).secret
                for role in ("admin", "editor", "viewer")}


def client_for(platform: Platform, key: str | None = None) -> TestClient:
    from reelforge.server.app import create_app

    client = TestClient(create_app(platform=platform), base_url="http://studio.test")
    client.cookies.set("rf_csrf", "test-token")  # issue 9: the studio's double-submit token
    client.headers["X-CSRF-Token"] = "test-token"
    if key:
        answer = client.post("/signin", data={"key": key, "next": "/"}, follow_redirects=False)
        assert answer.status_code == 303
    return client


def test_pages_redirect_to_sign_in_and_htmx_requests_get_hx_redirect(platform: Platform) -> None:
    client = client_for(platform)
    page = client.get("/jobs?state=failed", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/signin?next=/jobs%3Fstate%3Dfailed"
    fragment = client.post("/estimate", data=FORM, headers={"HX-Request": "true"})
    assert fragment.headers["HX-Redirect"].startswith("/signin")


def test_sign_in_sets_an_http_only_same_site_strict_cookie_and_rejects_wrong_keys_in_words(
        platform: Platform, keys: dict[str, str]) -> None:
    client = client_for(platform)
    wrong = client.post("/signin", data={"key": "rf_nope_nope"})
    assert wrong.status_code == 401 and "not accepted" in wrong.text
    right = client.post("/signin", data={"key": keys["editor"], "next": "//evil.example/x"},
                        follow_redirects=False)
    assert right.headers["location"] == "/"  # never redirected off-site
    cookie = right.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert "acme" in client.get("/").text


def test_a_form_posted_from_another_site_is_refused(platform: Platform,
                                                    keys: dict[str, str]) -> None:
    client = client_for(platform, keys["editor"])
    answer = client.post("/jobs", data=FORM, headers={"Origin": "http://evil.example"})
    assert answer.status_code == 403 and "another site" in answer.text
    with platform.db.session() as session:
        assert job_rows.list_jobs(session, 1) == []


def test_viewer_cannot_make_a_video_and_is_told_which_role_can(platform: Platform,
                                                               keys: dict[str, str]) -> None:
    client = client_for(platform, keys["viewer"])
    assert "can look but not make videos" in client.get("/").text
    answer = client.post("/jobs", data=FORM)
    assert answer.status_code == 403
    assert "Ask an admin for a key with the role admin or editor" in answer.text
    settings_page = client.get("/settings").text
    assert "Only an admin" in settings_page
    assert "Not reachable" in settings_page  # runware's probe found nothing listening


@pytest.mark.parametrize(("field", "value", "words"), [
    ("duration_s", "abc", "is not a number"),
    ("duration_s", "2", "5 to 600 seconds long, not 2"),
    ("prompt", "   ", "Tell reelforge what the video is about"),
    ("engine_script", "gpt-9", "Unknown script engine"),
])
def test_create_form_explains_bad_input_in_words_and_keeps_what_was_typed(
        platform: Platform, keys: dict[str, str], field: str, value: str, words: str) -> None:
    client = client_for(platform, keys["editor"])
    answer = client.post("/jobs", data={**FORM, field: value})
    assert answer.status_code == 400
    assert words in answer.text and 'role="alert"' in answer.text
    assert "invalid_input" not in answer.text and "Traceback" not in answer.text
    if field != "prompt":
        assert "Why cats purr</textarea>" in answer.text


def test_estimate_follows_the_engine_chosen_for_each_step(platform: Platform,
                                                          keys: dict[str, str]) -> None:
    client = client_for(platform, keys["editor"])
    offline = client.post("/estimate", data={**FORM, "engine_video": "local"})
    assert "$0.00" in offline.text and "free" in offline.text
    remote = client.post("/estimate", data={**FORM, "engine_video": "runware"})
    # the template writer plans 3 scenes (issue 15: the estimate counted 1), 3 × 5 s at $0.06/s
    assert "runware $0.90" in remote.text


def test_re_run_from_an_edited_scene_keeps_the_brief_and_engines_and_carries_the_plan(
        platform: Platform, keys: dict[str, str]) -> None:
    brief = Brief(prompt="Why cats purr", duration_s=5, aspect="1:1")
    job = job_service.submit(platform, _tenant(platform), brief,
                             engines={"script": "template", "video": "local"})
    plan = Plan(title="Cats", template="explainer", music_brief="calm", scenes=[
        Scene(index=0, title="Purr", narration="Cats purr.", visual_prompt="a cat")])
    _store_plan(platform, job.id, plan)
    client = client_for(platform, keys["editor"])
    answer = client.post(f"/jobs/{job.id}/scenes/0", data={"narration": "  Cats purr   softly. "},
                         follow_redirects=False)
    assert answer.status_code == 303
    new_id = answer.headers["location"].rsplit("/", 1)[1]
    with platform.db.session() as session:
        again = job_rows.get_job(session, _tenant(platform), new_id)
    spec = JobSpec.of_row(again)
    assert spec.engines == {"script": "template", "video": "local"}
    assert spec.plan is not None and spec.plan.scenes[0].narration == "Cats purr softly."
    assert spec.brief is not None and spec.brief.prompt == "Why cats purr"
    assert spec.brief.aspect == "1:1"
    missing = client.post(f"/jobs/{job.id}/scenes/3", data={"narration": "x"})
    assert missing.status_code == 400 and "no scene 4" in missing.text


def test_job_files_answer_byte_ranges_so_the_player_can_scrub(platform: Platform,
                                                              keys: dict[str, str],
                                                              tmp_path: Path) -> None:
    job = job_service.submit(platform, _tenant(platform), Brief(prompt="x", duration_s=5))
    video = tmp_path / "final.mp4"
    video.write_bytes(bytes(range(256)) * 8)
    path = f"{_tenant(platform)}/{job.id}/final.mp4"
    platform.artifacts.put_file(video, path)
    with platform.db.session() as session:
        record_artifact(session, _tenant(platform), job.id, "final.mp4", path, 2048)
    client = client_for(platform, keys["viewer"])
    part = client.get(f"/jobs/{job.id}/files/final.mp4", headers={"Range": "bytes=256-511"})
    assert part.status_code == 206 and part.content == bytes(range(256))
    assert part.headers["content-range"] == "bytes 256-511/2048"
    whole = client.get(f"/jobs/{job.id}/files/final.mp4?download=1")
    assert whole.headers["content-disposition"].startswith("attachment")
    assert client.get("/jobs/not-a-job").status_code == 404


def _tenant(platform: Platform) -> int:
    from reelforge.store.tenants import tenant_by_name

    with platform.db.session() as session:
        return tenant_by_name(session, "acme").id


def _store_plan(platform: Platform, job_id: str, plan: Plan) -> None:
    import json
    import tempfile

    tenant = _tenant(platform)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump({"plan": plan.model_dump(mode="json")}, file)
    path = f"{tenant}/{job_id}/plan.json"
    size = platform.artifacts.put_file(Path(file.name), path)
    with platform.db.session() as session:
        record_artifact(session, tenant, job_id, "plan.json", path, size)


def test_cancel_from_the_jobs_list_cancels_a_queued_job_and_returns_to_the_list(
        platform: Platform, keys: dict[str, str]) -> None:
    job = job_service.submit(platform, _tenant(platform), Brief(prompt="x", duration_s=5))
    client = client_for(platform, keys["editor"])
    listed = client.get("/jobs?state=queued")
    assert f'action="/jobs/{job.id}/cancel"' in listed.text
    answer = client.post(f"/jobs/{job.id}/cancel", follow_redirects=False,
                         headers={"Referer": "http://studio.test/jobs"})
    assert answer.status_code == 303 and answer.headers["location"] == "/jobs"
    assert job_service.get(platform, _tenant(platform), job.id).state == "canceled"
    page = client.get(f"/jobs/{job.id}").text
    assert "You canceled this job." in page and f'action="/jobs/{job.id}/rerun"' in page


def test_an_upload_of_an_unsupported_file_is_explained_and_nothing_is_stored(
        platform: Platform, keys: dict[str, str]) -> None:
    client = client_for(platform, keys["editor"])
    answer = client.post("/library/upload", files={"file": ("notes.txt", b"hello", "text/plain")})
    assert answer.status_code == 400
    assert "Unsupported file type &#39;.txt&#39;" in answer.text
    assert "Upload a video (mp4" in answer.text
    viewer = client_for(platform, keys["viewer"])
    assert 'action="/library/upload"' not in viewer.get("/library/images").text


def test_your_songs_show_their_measured_features(platform: Platform,
                                                 keys: dict[str, str]) -> None:
    from reelforge.store.library import new_item

    with platform.db.session() as session:
        song = new_item(session, _tenant(platform), kind="audio", name="theme.ogg", location="x",
                        stored=True, size=10, content_type="audio/ogg")
        song.state = "analyzed"
        song.analysis = {"duration_s": 92.4, "bpm": 118.2, "key": "A", "mode": "minor",
                         "loudness_lufs": -13.6, "vocal_likelihood": 0.1}
    page = client_for(platform, keys["viewer"]).get("/library").text
    assert "theme.ogg" in page
    assert "1:32 · 118 BPM · A minor · -14 LUFS · instrumental" in page


def test_a_key_made_in_the_studio_is_never_faster_than_the_key_that_made_it(
        platform: Platform) -> None:
    from reelforge.store.tenants import ApiKey

    with platform.db.session() as session:
        slow_admin = create_key(session, "acme", "admin", rate_per_minute=120).secret
    client = client_for(platform, slow_admin)
    answer = client.post("/settings/keys", data={"role": "viewer", "name": "made in studio"})
    assert answer.status_code == 201, answer.text
    with platform.db.session() as session:
        made = session.query(ApiKey).filter_by(name="made in studio").one()
        assert made.rate_per_minute == 120  # not the server's default


def _finished_with_music(platform: Platform, track: Track, *, plan: Plan | None = None) -> str:
    """A succeeded job of acme whose manifest chose the catalog song ``track``."""
    import tempfile

    from reelforge.domain import Manifest, MusicChoice

    tenant = _tenant(platform)
    brief = Brief(prompt="A storm over the sea", duration_s=5, aspect="1:1")
    job = job_service.submit(platform, tenant, brief, engines={"video": "local"}, plan=plan)
    choice = MusicChoice(track=track, query="stormy, dark", score=0.31,
                         reason="best catalog match 0.31 for 'stormy, dark'")
    manifest = Manifest(job_id=job.id, reelforge_version="test", brief=brief, music=choice)
    files = {"manifest.json": manifest.model_dump_json().encode()}
    with tempfile.TemporaryDirectory() as folder, platform.db.session() as session:
        for name, data in files.items():
            (Path(folder) / name).write_bytes(data)
            path = f"{tenant}/{job.id}/{name}"
            size = platform.artifacts.put_file(Path(folder) / name, path)
            record_artifact(session, tenant, job.id, name, path, size)
        job_rows.get_job(session, tenant, job.id).state = "succeeded"
    return job.id


def _other_tenant_client(platform: Platform) -> TestClient:
    with platform.db.session() as session:
        key = create_key(session, "globex", "admin").secret
    return client_for(platform, key)


def test_the_music_card_plays_the_composed_piece_the_worker_stored_to_its_tenant_only(
        platform: Platform, keys: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from reelforge.domain import Manifest, MusicChoice
    from reelforge.jobs.worker import execute_job
    from reelforge.pipeline.runner import JobResult

    piece = Track(id="composed:abc", title="Storm — D minor, 96 BPM", source="composed",
                  artist="reelforge composer", path="/cache/composed/abc.wav",
                  licence="generated by reelforge")

    def composed_run(spec: JobSpec, settings: Settings, out_dir: Path, **options: str) -> Any:
        """What the pipeline leaves when the score step composed: music.wav beside the video."""
        job_dir = out_dir / options["job_id"]
        job_dir.mkdir(parents=True)
        (job_dir / "music.wav").write_bytes(b"RIFF" + bytes(2044))
        assert spec.brief is not None
        choice = MusicChoice(track=piece, query="stormy", score=1.0,
                             reason="composed: the best catalog match 0.09 was below 0.25")
        return JobResult(job_id=options["job_id"], job_dir=job_dir, manifest=Manifest(
            job_id=options["job_id"], reelforge_version="test", brief=spec.brief, music=choice))

    monkeypatch.setattr("reelforge.pipeline.runner.run_job", composed_run)
    job_id = job_service.submit(platform, _tenant(platform), Brief(prompt="A storm", duration_s=5),
                                engines={"music": "composed"}).id
    assert execute_job(platform, job_id) == "succeeded"
    page = client_for(platform, keys["viewer"]).get(f"/jobs/{job_id}").text
    assert "Storm — D minor, 96 BPM" in page and "generated by reelforge" in page
    assert "Why this piece:" in page and "best catalog match 0.09 was below 0.25" in page
    assert f'<audio id="music-player" controls preload="none" src="/jobs/{job_id}/music"' in page
    assert "Compose instead" not in page  # it already is composed (and a viewer cannot re-run)
    owner = client_for(platform, keys["viewer"]).get(f"/jobs/{job_id}/music",
                                                     headers={"Range": "bytes=0-3"})
    assert owner.status_code == 206 and owner.content == b"RIFF"
    assert owner.headers["content-type"].startswith("audio/")
    stranger = _other_tenant_client(platform)
    assert stranger.get(f"/jobs/{job_id}/music").status_code == 404
    assert stranger.get(f"/jobs/{job_id}/files/music.wav").status_code == 404


def test_the_music_card_plays_the_catalog_song_the_job_chose_from_the_servers_own_copy(
        platform: Platform, keys: dict[str, str]) -> None:
    from reelforge.providers.music.catalog import builtin_tracks

    song = next(iter(builtin_tracks().values()), None)
    if song is None:
        pytest.skip("the built-in song catalog (immich-memories-music) is not installed")
    assert song.path is not None
    # the manifest's path is never served: the server looks the song up by its catalog key
    job_id = _finished_with_music(platform, song.model_copy(update={"path": "/etc/passwd"}))
    client = client_for(platform, keys["editor"])
    page = client.get(f"/jobs/{job_id}").text
    assert song.title in page and "Why this song:" in page and song.licence in page
    assert f'src="/jobs/{job_id}/music"' in page
    assert f'action="/jobs/{job_id}/compose-music"' in page
    answer = client.get(f"/jobs/{job_id}/music")
    assert answer.status_code == 200 and answer.content == Path(song.path).read_bytes()
    assert answer.headers["content-type"] == "audio/ogg"
    assert _other_tenant_client(platform).get(f"/jobs/{job_id}/music").status_code == 404
    unknown = _finished_with_music(platform, song.model_copy(update={"id": "builtin:none/x"}))
    gone = client.get(f"/jobs/{unknown}/music")
    assert gone.status_code == 404 and "cannot be played here" in gone.text


def test_compose_instead_re_runs_with_the_composer_keeping_the_brief_plan_and_other_engines(
        platform: Platform, keys: dict[str, str]) -> None:
    song = Track(id="builtin:calm/x", title="Calm X", source="builtin", licence="CC0")
    plan = Plan(title="Storm", template="explainer", music_brief="stormy", scenes=[
        Scene(index=0, title="Sea", narration="The sea rises.", visual_prompt="waves")])
    job_id = _finished_with_music(platform, song, plan=plan)
    client = client_for(platform, keys["editor"])
    answer = client.post(f"/jobs/{job_id}/compose-music", follow_redirects=False)
    assert answer.status_code == 303
    new_id = answer.headers["location"].rsplit("/", 1)[1]
    assert new_id != job_id
    with platform.db.session() as session:
        old = JobSpec.of_row(job_rows.get_job(session, _tenant(platform), job_id))
        spec = JobSpec.of_row(job_rows.get_job(session, _tenant(platform), new_id))
    assert spec.engines == {"video": "local", "music": "composed"}
    assert spec.brief == old.brief and spec.plan == old.plan == plan
    viewer = client_for(platform, keys["viewer"]).post(f"/jobs/{job_id}/compose-music")
    assert viewer.status_code == 403
    assert _other_tenant_client(platform).post(f"/jobs/{job_id}/compose-music").status_code == 404


@pytest.mark.parametrize(("engine", "why"), [("builtin", "Why this song:"),
                                             ("composed", "Why this piece:")])
def test_reviewing_the_script_plays_the_music_the_video_would_get_before_anything_renders(
        platform: Platform, keys: dict[str, str], engine: str, why: str) -> None:
    client = client_for(platform, keys["editor"])
    page = client.post("/jobs", data={**FORM, "review": "1", "engine_music": engine}).text
    assert "Review the script." in page and 'id="music-preview"' in page and why in page
    url = page.split('id="music-preview-player" controls preload="none" src="', 1)[1]
    url = url.split('"', 1)[0]
    assert url.startswith("/music/previews/")
    heard = client.get(url)
    assert heard.status_code == 200 and heard.headers["content-type"].startswith("audio/")
    assert len(heard.content) > 10_000
    assert _other_tenant_client(platform).get(url).status_code == 404
    assert client.get("/music/previews/..%2F..%2Fsecrets.wav").status_code == 404
    with platform.db.session() as session:
        assert job_rows.list_jobs(session, _tenant(platform)) == []  # nothing was made
