"""The job page's footage card: each scene's shot (file, time range, score, reason, keyframe)
and the swap form, which starts a new job with that scene's shot swapped (issue 17).

The HTTP test fakes a finished job (its manifest only); the browser test makes real videos on
the live studio and checks that the swap re-rendered only the swapped scene."""

from __future__ import annotations

import html
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from studio_support import SCREENSHOTS, Studio, screenshot
from test_studio_http import client_for

from footage_make.labelled import make_library, store_library
from reelforge.domain import Brief, FootageChoice, FootagePick, JobSpec, Manifest
from reelforge.jobs.platform import Platform, open_platform
from reelforge.library.footage import FootageShot
from reelforge.library.footage_store import tenant_footage_folder
from reelforge.services import jobs as job_service
from reelforge.settings import Settings
from reelforge.store import jobs as job_rows
from reelforge.store.artifacts import record_artifact
from reelforge.store.db import forget_databases
from reelforge.store.tenants import create_key, get_or_create_tenant

#: Two scenes, each with one right shot in the labelled library.
SCRIPT = """title: By the sea

# The shore
visual: dog on the beach
Every evening our puppy sprints along the shore.

# Breakfast
visual: coffee cup
Nothing starts the day like a fresh hot brew.
"""


@pytest.fixture
def platform(settings: Settings) -> Iterator[Platform]:
    yield open_platform(settings)
    forget_databases()


def _encode() -> Any:
    from reelforge.media.embeddings import get_text_encoder

    return get_text_encoder().encode


def _tenant_library(settings: Settings, tenant: str, folder: Path) -> list[FootageShot]:
    """The labelled library as ``tenant``'s footage library; its shots."""
    platform = open_platform(settings)
    with platform.db.session() as session:
        tenant_id = get_or_create_tenant(session, tenant).id
    shots = make_library(folder)
    store_library(shots, tenant_footage_folder(settings, tenant_id), _encode())
    return shots


def _pick(shot: FootageShot, score: float) -> FootagePick:
    return FootagePick(shot_id=shot.shot_id, source=shot.source, kind=shot.kind,
                       start_s=shot.start_s, end_s=shot.end_s, width=shot.width,
                       height=shot.height, score=score)


def _finished_with_footage(platform: Platform, shots: list[FootageShot]) -> str:
    """A succeeded job of acme whose manifest shows the beach in scene 1 and the engine's
    picture in scene 2, each with candidates."""
    with platform.db.session() as session:
        tenant = get_or_create_tenant(session, "acme").id
    beach, surf, coffee = shots[0], shots[1], shots[2]
    brief = Brief(script=SCRIPT, duration_s=8, aspect="1:1", footage="library")
    job = job_service.submit(platform, tenant, brief)
    footage = [
        FootageChoice(scene_index=0, shot=_pick(beach, 0.71), runner_up=_pick(surf, 0.44),
                      treatment="cut", reason="similarity 0.71, named “beach”; 3.0 s of the shot",
                      candidates=[_pick(surf, 0.44), _pick(coffee, 0.12)]),
        FootageChoice(scene_index=1, reason="best match 0.21 is below 0.30: drawn by the video "
                      "engine", candidates=[_pick(coffee, 0.21)]),
    ]
    manifest = Manifest(job_id=job.id, reelforge_version="test", brief=brief, footage=footage)
    with tempfile.TemporaryDirectory() as folder, platform.db.session() as session:
        file = Path(folder) / "manifest.json"
        file.write_bytes(manifest.model_dump_json().encode())
        path = f"{tenant}/{job.id}/manifest.json"
        record_artifact(session, tenant, job.id, "manifest.json", path,
                        platform.artifacts.put_file(file, path))
        job_rows.get_job(session, tenant, job.id).state = "succeeded"
    return job.id


def test_the_job_page_shows_each_scenes_shot_and_a_swap_starts_a_new_job(
        platform: Platform, tmp_path: Path) -> None:
    with platform.db.session() as session:
        editor = create_key(session, "acme", "editor").secret
        viewer = create_key(session, "acme", "viewer").secret
        stranger = create_key(session, "globex", "editor").secret
    shots = _tenant_library(platform.settings, "acme", tmp_path / "clips")
    job_id = _finished_with_footage(platform, shots)
    beach, surf = shots[0], shots[1]

    client = client_for(platform, editor)
    page = client.get(f"/jobs/{job_id}").text
    assert "Your footage, scene by scene" in page
    assert "beach.mp4" in page and "0.0–4.0 s · match 0.71" in page
    assert "similarity 0.71, named “beach”" in page and "drawn by the video engine" in page
    assert f'action="/jobs/{job_id}/footage/0"' in page and f'value="{surf.shot_id}"' in page
    thumb = f"/footage/thumbnail?shot={beach.shot_id.replace('#', '%23')}"
    assert f'src="{thumb}"' in page
    answer = client.get(thumb)
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/jpeg"
    assert client_for(platform, stranger).get(thumb).status_code == 404  # not its library
    assert "Swap and re-render" not in client_for(platform, viewer).get(f"/jobs/{job_id}").text

    unknown = client.post(f"/jobs/{job_id}/footage/0", data={"shot_id": "0123456789abcdef#3"})
    assert unknown.status_code == 422
    said = html.unescape(unknown.text)
    assert "is not in this tenant's footage library" in said and "Traceback" not in said

    swapped = client.post(f"/jobs/{job_id}/footage/0", data={"shot_id": surf.shot_id},
                          follow_redirects=False)
    assert swapped.status_code == 303
    new_id = swapped.headers["location"].removeprefix("/jobs/")
    assert new_id != job_id
    with platform.db.session() as session:
        tenant_id = get_or_create_tenant(session, "acme").id
        spec = JobSpec.of_row(job_rows.get_job(session, tenant_id, new_id))
    assert spec.brief is not None and spec.brief.footage_swaps == {0: surf.shot_id}
    assert spec.brief.script == SCRIPT


def _manifest(studio: Studio, job_id: str) -> dict[str, Any]:
    answer = httpx.get(f"{studio.url}/v1/jobs/{job_id}/artifacts/manifest.json",
                       headers={"Authorization": f"Bearer {studio.keys['editor']}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


@pytest.mark.slow
def test_a_swap_in_the_studio_re_renders_only_the_swapped_scene(
        editor_page: Any, studio: Studio, tmp_path: Path) -> None:
    shots = _tenant_library(studio.settings, "acme", tmp_path / "clips")
    forget_databases()
    made = httpx.post(f"{studio.url}/v1/jobs", timeout=30,
                      headers={"Authorization": f"Bearer {studio.keys['editor']}"},
                      json={"script": SCRIPT, "duration_s": 8, "aspect": "1:1",
                            "captions": "none", "footage": "library"})
    assert made.status_code == 202, made.text
    first_id = made.json()["id"]
    page = editor_page
    page.goto(f"/jobs/{first_id}")
    card = page.locator("#footage")
    card.wait_for(timeout=180_000)  # swapped in when the job's event stream ends
    scene = card.locator(".footage-scene[data-scene='0']")
    assert scene.locator(".shot-file").inner_text() == "beach.mp4"
    assert "similarity" in scene.locator(".shot-reason").inner_text()
    keyframe = scene.locator(".shot img")
    assert keyframe.get_attribute("alt") == "Keyframe of beach.mp4"
    assert keyframe.evaluate("i => i.complete && i.naturalWidth") == 32  # the keyframe loaded
    choice = scene.locator("label.candidate").first
    picked = choice.locator("input").get_attribute("value")
    picked_file = next(Path(s.source).name for s in shots if s.shot_id == picked)
    choice.click()
    screenshot(page, "job-footage")
    card.screenshot(path=str(SCREENSHOTS / "job-footage-card.png"), animations="disabled")
    scene.get_by_role("button", name="Swap and re-render scene 1").click()
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f-]{36}$"))
    second_id = page.url.rsplit("/", 1)[1]
    assert second_id != first_id
    card.wait_for(timeout=180_000)
    scene = card.locator(".footage-scene[data-scene='0']")
    assert scene.locator(".shot-file").inner_text() == picked_file
    assert "picked by you" in scene.inner_text()
    assert "picked by you instead of beach.mp4" in scene.locator(".shot-reason").inner_text()

    # only the swapped scene was rendered again: the other scene's clip came from the cache
    steps = {s["step"]: s["cache_hit"] for s in _manifest(studio, second_id)["steps"]}
    assert steps["visualize scene-01"] is False and steps["visualize scene-02"] is True
    assert steps["narrate scene-01"] and steps["narrate scene-02"]
    made_rows = page.locator("#made-h + p + table tbody tr")
    cached = [r for r in made_rows.all_inner_texts() if r.startswith("visualize")]
    assert any("scene-02" in r and "cached" in r for r in cached)
    assert any("scene-01" in r and "cached" not in r for r in cached)
    assert _manifest(studio, second_id)["footage"][0]["shot"]["shot_id"] == picked
