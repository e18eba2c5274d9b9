"""POST /v1/jobs/{id}/footage/{scene_index}: a finished video re-made with one scene's shot
swapped for another of the tenant's library; only that scene is rendered again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from reelforge.jobs.platform import Platform, open_platform
from reelforge.library.footage import FootageShot
from reelforge.library.footage_store import tenant_footage_folder
from reelforge.settings import Settings
from reelforge.store.db import forget_databases
from reelforge.store.tenants import create_key, get_or_create_tenant

from .labelled import store_library
from .test_make_with_footage import SCRIPT

pytestmark = pytest.mark.slow


@pytest.fixture
def platform(settings: Settings) -> Iterator[Platform]:
    yield open_platform(settings.model_copy(update={
        "script_engine": "template", "video_engine": "local", "music_engine": "builtin",
        "fps": 12, "x264_preset": "ultrafast"}))
    forget_databases()


def _finished(platform: Platform, client: TestClient, job_id: str) -> dict[str, Any]:
    """Run the queued job here (the worker's code), then read its manifest through the API."""
    from reelforge.jobs.worker import execute_job

    assert execute_job(platform, job_id) == "succeeded"
    answer = client.get(f"/v1/jobs/{job_id}/artifacts/manifest.json")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _visualize_hits(manifest: dict[str, Any]) -> dict[str, bool]:
    return {s["step"]: s["cache_hit"] for s in manifest["steps"]
            if s["step"].startswith("visualize")}


def test_a_swap_through_the_api_re_renders_only_that_scene(
        platform: Platform, library: list[FootageShot], encode, tmp_path: Path) -> None:
    from reelforge.server.app import create_app

    with platform.db.session() as session:
        editor = create_key(session, "acme", "editor").secret
        other = create_key(session, "globex", "editor").secret
        tenant_id = get_or_create_tenant(session, "acme").id
    store_library(library, tenant_footage_folder(platform.settings, tenant_id), encode)
    client = TestClient(create_app(platform=platform),
                        headers={"Authorization": f"Bearer {editor}"})
    made = client.post("/v1/jobs", json={"script": SCRIPT, "duration_s": 10, "aspect": "16:9",
                                         "captions": "none", "footage": "library"})
    assert made.status_code == 202, made.text
    first = _finished(platform, client, made.json()["id"])
    beach = first["footage"][0]
    assert Path(beach["shot"]["source"]).name == "beach.mp4"
    candidate = beach["candidates"][0]
    assert candidate["shot_id"] != beach["shot"]["shot_id"]

    swapped = client.post(f"/v1/jobs/{made.json()['id']}/footage/0",
                          json={"shot_id": candidate["shot_id"]})
    assert swapped.status_code == 202, swapped.text
    assert swapped.json()["brief"]["footage_swaps"] == {"0": candidate["shot_id"]}
    second = _finished(platform, client, swapped.json()["id"])
    assert _visualize_hits(second) == {"visualize scene-01": False, "visualize scene-02": True,
                                       "visualize scene-03": True}
    assert second["footage"][0]["shot"]["shot_id"] == candidate["shot_id"]
    assert second["footage"][0]["swapped"] is True
    assert second["footage"][0]["runner_up"]["shot_id"] == beach["shot"]["shot_id"]
    assert [f["shot"] for f in second["footage"][1:]] == [f["shot"] for f in first["footage"][1:]]
    hits = {s["step"]: s["cache_hit"] for s in second["steps"]}
    assert hits["narrate scene-01"] and hits["narrate scene-02"]  # narration kept

    # the CLI's `jobs swap` calls the same service (scenes counted from 1 there)
    from typer.testing import CliRunner

    from reelforge.cli.main import app
    from reelforge.domain import JobSpec
    from reelforge.store.jobs import get_job

    coffee_other = first["footage"][1]["candidates"][0]["shot_id"]
    by_cli = CliRunner().invoke(app, ["jobs", "swap", made.json()["id"], "2", coffee_other,
                                      "--tenant", "acme"])
    assert by_cli.exit_code == 0, by_cli.output
    with platform.db.session() as session:
        spec = JobSpec.of_row(get_job(session, tenant_id, by_cli.stdout.strip().splitlines()[-1]))
    assert spec.brief is not None and spec.brief.footage_swaps == {1: coffee_other}
    assert spec.plan is not None and len(spec.plan.scenes) == 3  # the finished job's plan

    # what is refused, in words: a shot not in the library, a scene the video lacks, a job of
    # another tenant
    job_id = made.json()["id"]
    unknown = client.post(f"/v1/jobs/{job_id}/footage/1", json={"shot_id": "0123456789abcdef#7"})
    assert unknown.status_code == 422
    assert "not in this tenant's footage library" in unknown.text
    assert client.post(f"/v1/jobs/{job_id}/footage/5",
                       json={"shot_id": candidate["shot_id"]}).status_code == 422
    assert client.post(f"/v1/jobs/{job_id}/footage/0",
                       json={"shot_id": "a b"}).status_code == 422
    coffee = first["footage"][1]["shot"]["shot_id"]  # shown in scene 2 already
    twice = client.post(f"/v1/jobs/{job_id}/footage/0", json={"shot_id": coffee})
    assert twice.status_code == 422 and "already shown in scene 2" in twice.text
    stranger = client.post(f"/v1/jobs/{job_id}/footage/0", json={"shot_id": candidate["shot_id"]},
                           headers={"Authorization": f"Bearer {other}"})
    assert stranger.status_code == 404
