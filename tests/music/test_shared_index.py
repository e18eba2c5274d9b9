"""Many workers, one index: kept in the artifact store, reloaded when replaced, never rebuilt
needlessly."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from reelforge.media.index import index_location
from reelforge.providers.music.catalog import SongCatalog, SongInput

from .conftest import music_settings


def songs(*titles: str) -> list[SongInput]:
    return [SongInput(key=f"library:{t}", source="library", title=t,
                      description=f"{t}, a song about {t.lower()}") for t in titles]


@pytest.fixture(params=["file", "memory"])
def shared_settings(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    base = music_settings(tmp_path / "data")
    if request.param == "file":
        url = f"file://{tmp_path / 'artifacts'}"
    else:
        url = f"memory://rf-music-{uuid.uuid4().hex[:8]}"
    return base.model_copy(update={"artifact_url": url})


def test_the_index_lives_in_the_artifact_store_when_one_is_configured(shared_settings) -> None:
    location = index_location(shared_settings)
    assert location.startswith(shared_settings.artifact_url) and location.endswith(
        "/indexes/songs.faiss")
    SongCatalog(shared_settings).add(songs("Rain", "Thunder"))
    assert not (shared_settings.data_dir / "indexes").exists()


def test_a_second_worker_loads_the_shared_index_without_rebuilding(
    shared_settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = SongCatalog(shared_settings)
    writer.add(songs("Rain", "Thunder", "Sunshine"))
    reader = SongCatalog(shared_settings)

    def no_rebuild(*_args: object) -> None:
        raise AssertionError("the shared index should have been used as it is")

    monkeypatch.setattr(reader.song_index, "_build", no_rebuild)
    assert reader.search("sunny weather", k=1)[0].track.title == "Sunshine"


def test_a_worker_sees_songs_another_worker_added(shared_settings) -> None:
    reader = SongCatalog(shared_settings)
    writer = SongCatalog(shared_settings)
    writer.add(songs("Rain"))
    assert [h.track.title for h in reader.search("rain", k=5)] == ["Rain"]
    writer.add(songs("Snowfall"))
    assert reader.search("snow", k=1)[0].track.title == "Snowfall"
