"""Deleting a library item takes its shots out of the tenant's footage library: the footage
search, ``make``'s footage candidates and the index on disk no longer hold it (issue 17)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.footage.test_one_library import api, items_of, studio

from reelforge.jobs.platform import Platform, open_platform
from reelforge.settings import Settings
from reelforge.store.db import forget_databases
from reelforge.store.tenants import tenant_by_name


@pytest.fixture
def running(settings: Settings) -> Iterator[Platform]:
    yield open_platform(settings, immediate=True)
    forget_databases()


def tenant_id(platform: Platform, name: str = "acme") -> int:
    with platform.db.session() as session:
        return tenant_by_name(session, name).id


def candidate_sources(platform: Platform, text: str) -> set[str]:
    """The files ``make --footage library`` would choose among for a scene of ``text``."""
    from reelforge.library.footage_choice import ChoiceRules, SceneNeed, candidates
    from reelforge.library.footage_source import open_tenant_footage

    index = open_tenant_footage(platform.settings, tenant_id(platform))
    found = candidates([SceneNeed(0, text, text, 2.0, "calm")], index,
                       ChoiceRules(min_score=-1.0))
    return {Path(c.shot.source).name for scene in found for c in scene}


def upload(platform: Platform, footage_dir: Path) -> dict[str, str]:
    client = api(platform, tenant="acme")
    answer = client.post("/v1/library/items", files=[
        ("file", ("mountain.png", (footage_dir / "snowy_mountain.png").read_bytes())),
        ("file", ("beach.mp4", (footage_dir / "beach_dog_running.mp4").read_bytes()))])
    assert answer.status_code == 202, answer.text
    return {u["name"]: u["item"]["id"] for u in answer.json()["uploads"]}


def test_a_deleted_picture_is_no_longer_searched_nor_a_candidate_for_make(
    running: Platform, footage_dir: Path,
) -> None:
    from reelforge.library.footage_store import load_library, tenant_footage_folder

    ids = upload(running, footage_dir)
    client = api(running, tenant="acme")
    query = {"q": "a snowy mountain", "k": 5}
    before = [row["file"] for row in client.get("/v1/footage/search", params=query).json()]
    assert "mountain.png" in {Path(f).name for f in before}
    assert "mountain.png" in candidate_sources(running, "a snowy mountain")
    folder = tenant_footage_folder(running.settings, tenant_id(running))
    [picture] = [s for s in load_library(folder).shots.values() if s.kind == "picture"]
    thumbnail = Path(str(picture.extra["thumbnail"]))
    assert thumbnail.is_file()

    gone = client.delete(f"/v1/library/items/{ids['mountain.png']}")
    assert gone.status_code == 204, gone.text

    after = client.get("/v1/footage/search", params=query).json()
    assert {Path(row["file"]).name for row in after} == {"beach.mp4"}
    assert candidate_sources(running, "a snowy mountain") == {"beach.mp4"}
    library = load_library(folder)
    assert [s.kind for s in library.shots.values()] == ["video"]
    assert [Path(p).name for p in library.files] == ["beach.mp4"]
    assert not thumbnail.exists()
    assert not (folder / "uploads" / ids["mountain.png"]).exists()  # the local copy
    assert list((running.settings.data_dir / "artifacts").rglob("*.png")) == []  # the upload
    assert [i.name for i in items_of(running)] == ["beach.mp4"]
    assert client.get(f"/v1/library/items/{ids['mountain.png']}").status_code == 404
    assert client.delete(f"/v1/library/items/{ids['mountain.png']}").status_code == 404


def test_another_tenant_cannot_delete_an_item_and_a_viewer_may_not(
    running: Platform, footage_dir: Path,
) -> None:
    ids = upload(running, footage_dir)
    assert api(running, tenant="globex").delete(
        f"/v1/library/items/{ids['beach.mp4']}").status_code == 404
    assert api(running, tenant="acme", role="viewer").delete(
        f"/v1/library/items/{ids['beach.mp4']}").status_code == 403
    assert len(items_of(running)) == 2
    assert "beach.mp4" in candidate_sources(running, "a dog on the beach")


def test_the_studio_deletes_a_video_and_its_shots_leave_the_search(
    running: Platform, footage_dir: Path,
) -> None:
    ids = upload(running, footage_dir)
    client = studio(running, tenant="acme")
    page = client.get("/library/videos").text
    assert f'action="/library/items/{ids["beach.mp4"]}/delete"' in page
    done = client.post(f"/library/items/{ids['beach.mp4']}/delete",
                       data={"csrf_token": "test-token"}, follow_redirects=False)
    assert done.status_code == 303, done.text
    assert done.headers["location"].startswith("/library/videos?deleted=beach.mp4")
    shown = client.get(done.headers["location"]).text
    assert "Deleted beach.mp4" in shown
    found = " ".join(client.get("/library/videos", params={"q": "a dog on the beach"})
                     .text.split())
    assert "beach.mp4</h3>" not in found and "mountain.png</h3>" in found
    assert candidate_sources(running, "a dog on the beach") == {"mountain.png"}


def test_an_item_deleted_while_it_is_indexed_does_not_come_back(
    settings: Settings, footage_dir: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The index job read the item, then its row was deleted before the job stored its shots:
    the job takes them out again and ends canceled."""
    from reelforge.library import footage_add
    from reelforge.library.footage_store import load_library, tenant_footage_folder
    from reelforge.store.jobs import Job
    from reelforge.store.library import LibraryItem, delete_item

    platform = open_platform(settings, immediate=True)
    try:
        indexed = footage_add.index_file

        def delete_then_index(path: Path, folder: Path, **kwargs: object):  # type: ignore[no-untyped-def]
            with platform.db.session() as session:
                delete_item(session, session.get(LibraryItem, path.parent.name))
            return indexed(path, folder, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(footage_add, "index_file", delete_then_index)
        api(platform, tenant="acme").post("/v1/library/items", files={
            "file": ("mountain.png", (footage_dir / "snowy_mountain.png").read_bytes())})
        folder = tenant_footage_folder(settings, tenant_id(platform))
        assert load_library(folder).shots == {}
        assert list((folder / "uploads").iterdir()) == []
        with platform.db.session() as session:
            assert session.query(Job).filter_by(kind="index").one().state == "canceled"
    finally:
        forget_databases()
