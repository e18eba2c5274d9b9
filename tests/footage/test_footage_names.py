"""An uploaded shot is named by its library item (its file name and item id) wherever a user
sees it — the footage search (API and studio), a platform job's manifest and the studio's
footage card — while its stored path stays on the server; a file the CLI added keeps its own
path (issue 17)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.footage.test_one_library import api, studio
from typer.testing import CliRunner

from reelforge.cli.main import app
from reelforge.domain import Brief, FootageChoice, FootagePick, Manifest, Montage, MontageCut
from reelforge.jobs.platform import Platform, open_platform
from reelforge.library.footage_names import shown_file, shown_manifest
from reelforge.settings import Settings
from reelforge.store.db import forget_databases


@pytest.fixture
def running(settings: Settings) -> Iterator[Platform]:
    yield open_platform(settings, immediate=True)
    forget_databases()


def pick(source: str, shot: str = "ab#0") -> FootagePick:
    return FootagePick(shot_id=shot, source=source, kind="video", start_s=0, end_s=2,
                       width=160, height=90, score=0.6)


def test_an_upload_is_its_item_and_a_cli_file_keeps_its_path(tmp_path: Path) -> None:
    folder = tmp_path / "footage" / "tenant-3"
    upload = str(folder / "uploads" / "1f0c-item" / "Beach day.mp4")
    assert shown_file(folder, upload).name == "Beach day.mp4"
    assert shown_file(folder, upload).item_id == "1f0c-item"
    cli = str(tmp_path / "Videos" / "holiday" / "dog.mp4")
    assert shown_file(folder, cli).name == cli and shown_file(folder, cli).item_id is None
    thumbs = str(folder / "thumbs" / "x.jpg")  # inside the folder, but not an upload
    assert shown_file(folder, thumbs).item_id is None

    brief = Brief(prompt="a day at the beach", footage="library")
    manifest = Manifest(job_id="j", reelforge_version="t", brief=brief, footage=[
        FootageChoice(scene_index=0, shot=pick(upload), runner_up=pick(cli, "cd#0"),
                      treatment="cut", candidates=[pick(upload), pick(cli, "cd#0")]),
        FootageChoice(scene_index=1)],
        montage=Montage(bpm=120, beats_per_shot=2, cuts=[
            MontageCut(index=0, shot=pick(upload), at_s=0, duration_s=1, beats=2)]))
    shown = shown_manifest(manifest, folder)
    first = shown.footage[0]
    assert first.shot is not None and first.runner_up is not None
    assert (first.shot.source, first.shot.item_id) == ("Beach day.mp4", "1f0c-item")
    assert (first.runner_up.source, first.runner_up.item_id) == (cli, None)
    assert [(c.source, c.item_id) for c in first.candidates] == [
        ("Beach day.mp4", "1f0c-item"), (cli, None)]
    assert shown.footage[1].shot is None
    assert shown.montage is not None and shown.montage.cuts[0].shot.source == "Beach day.mp4"
    text = shown.model_dump_json()
    assert str(folder) not in text and "uploads/" not in text
    assert manifest.footage[0].shot.source == upload  # type: ignore[union-attr]  # a copy


def test_the_footage_search_names_an_upload_by_its_item_never_the_server_path(
    running: Platform, footage_dir: Path,
) -> None:
    client = api(running, tenant="acme")
    answer = client.post("/v1/library/items", files={
        "file": ("Snow day.png", (footage_dir / "snowy_mountain.png").read_bytes())})
    item_id = answer.json()["id"]
    found = client.get("/v1/footage/search", params={"q": "a snowy mountain", "k": 1})
    assert found.status_code == 200, found.text
    [row] = found.json()
    assert (row["file"], row["item_id"]) == ("Snow day.png", item_id)
    assert str(running.settings.data_dir) not in found.text and "uploads/" not in found.text

    page = studio(running, tenant="acme").get("/library/videos",
                                              params={"q": "a snowy mountain"}).text
    assert "<h3>Snow day.png</h3>" in page and "uploads/" not in page


def test_a_file_the_cli_added_is_searched_by_its_real_path(
    running: Platform, footage_dir: Path, tmp_path: Path,
) -> None:
    folder = tmp_path / "clips"
    folder.mkdir()
    shutil.copy(footage_dir / "beach_dog_running.mp4", folder)
    added = CliRunner().invoke(app, ["footage", "add", str(folder), "--workers", "1",
                                     "--no-transcribe", "--json"])
    assert added.exit_code == 0, added.output
    [row] = api(running).get("/v1/footage/search", params={"q": "a dog", "k": 1}).json()
    assert row["file"] == str((folder / "beach_dog_running.mp4").resolve())
    assert row["item_id"] is None


def test_the_studios_footage_card_names_an_upload_and_links_its_item(
    settings: Settings,
) -> None:
    """A manifest as a platform job now stores it: the card shows the upload's name, linked to
    its item."""
    from reelforge.services import jobs as job_service
    from reelforge.store import jobs as job_rows
    from reelforge.store.artifacts import record_artifact
    from reelforge.store.tenants import get_or_create_tenant

    running = open_platform(settings)  # jobs queued, not run
    with running.db.session() as session:
        tenant = get_or_create_tenant(session, "acme").id
    brief = Brief(prompt="a dog on the beach", duration_s=8, aspect="1:1", footage="library")
    job = job_service.submit(running, tenant, brief)
    shown = pick("Beach day.mp4").model_copy(update={"item_id": "1f0c-item"})
    manifest = Manifest(job_id=job.id, reelforge_version="t", brief=brief, footage=[
        FootageChoice(scene_index=0, shot=shown, treatment="cut", reason="similarity 0.60")])
    with tempfile.TemporaryDirectory() as temporary, running.db.session() as session:
        file = Path(temporary) / "manifest.json"
        file.write_text(manifest.model_dump_json())
        path = f"{tenant}/{job.id}/manifest.json"
        record_artifact(session, tenant, job.id, "manifest.json", path,
                        running.artifacts.put_file(file, path))
        job_rows.get_job(session, tenant, job.id).state = "succeeded"
    page = " ".join(studio(running, tenant="acme").get(f"/jobs/{job.id}").text.split())
    assert ('<strong class="shot-file"><a href="/library/videos#v-1f0c-item" title="In your '
            'library">Beach day.mp4</a></strong>') in page
    forget_databases()
