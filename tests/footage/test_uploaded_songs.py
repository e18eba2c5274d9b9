"""Songs in the one library (issue 17): a song a tenant uploads is found by the song search and
chosen by ``make``'s music like a song `reelforge songs add` indexed, but only for that tenant
(the local tenant's uploads are the server's own songs, shared like those of `songs add`);
deleting it takes it out of the catalog."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.footage.test_one_library import api, studio, write_tone
from typer.testing import CliRunner

from reelforge.cli.main import app
from reelforge.jobs.platform import Platform, open_platform
from reelforge.settings import Settings
from reelforge.store.db import forget_databases
from reelforge.store.jobs import Job


@pytest.fixture
def running(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    from reelforge.providers.music.catalog import SongCatalog

    monkeypatch.setattr(SongCatalog, "ensure_builtin", lambda self, **_: 0)  # not under test
    yield open_platform(settings, immediate=True)
    forget_databases()


def titles(platform: Platform, tenant: str) -> list[str]:
    found = api(platform, tenant=tenant).post("/v1/songs/search",
                                              json={"query": "an evening theme", "limit": 5})
    assert found.status_code == 200, found.text
    return [hit["title"] for hit in found.json()]


def test_a_song_the_cli_adds_is_found_by_the_song_search(
    running: Platform, tmp_path: Path,
) -> None:
    write_tone(tmp_path / "music" / "evening_theme.wav")
    added = CliRunner().invoke(app, ["songs", "add", str(tmp_path / "music"), "--workers", "1",
                                     "--json"])
    assert added.exit_code == 0, added.output
    assert any("evening" in title.lower() for title in titles(running, "local"))
    searched = CliRunner().invoke(app, ["songs", "search", "an evening theme", "--json"])
    assert searched.exit_code == 0, searched.output
    assert "evening" in searched.stdout.lower()


def upload_song(platform: Platform, tenant: str, tmp_path: Path,
                name: str = "evening_theme.wav") -> str:
    song = write_tone(tmp_path / tenant / name).read_bytes()
    answer = api(platform, tenant=tenant).post("/v1/library/items", files={"file": (name, song)})
    assert answer.status_code == 202, answer.text
    with platform.db.session() as session:
        assert {j.state for j in session.query(Job).filter_by(kind="analyze")} == {"succeeded"}
    return str(answer.json()["id"])


def cli_titles() -> str:
    searched = CliRunner().invoke(app, ["songs", "search", "an evening theme", "--json"])
    assert searched.exit_code == 0, searched.output
    return " ".join(str(r["title"]) for r in json.loads(searched.stdout)["results"]).lower()


def test_a_song_a_tenant_uploads_is_found_by_its_own_song_search_only(
    running: Platform, tmp_path: Path,
) -> None:
    write_tone(tmp_path / "music" / "rain_study.wav", seconds=2.0)  # the server's own song
    added = CliRunner().invoke(app, ["songs", "add", str(tmp_path / "music"), "--workers", "1"])
    assert added.exit_code == 0, added.output
    upload_song(running, "acme", tmp_path)

    assert any("evening" in title.lower() for title in titles(running, "acme"))
    assert any("rain" in title.lower() for title in titles(running, "acme"))  # shared songs too
    assert not any("evening" in t.lower() for t in titles(running, "globex"))  # not its song
    assert "evening" not in cli_titles()  # nor the server's own search
    page = studio(running, tenant="acme").get("/library/songs", params={"q": "evening"}).text
    assert "evening theme" in page.lower()
    assert "evening theme" not in studio(running, tenant="globex").get(
        "/library/songs", params={"q": "evening"}).text.lower()


def test_the_local_tenants_upload_is_a_song_of_the_clis_search(
    running: Platform, tmp_path: Path,
) -> None:
    upload_song(running, "local", tmp_path)
    assert "evening" in cli_titles()
    assert any("evening" in title.lower() for title in titles(running, "globex"))  # shared


def test_a_job_searches_the_songs_of_its_own_tenant(
    running: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The worker gives the pipeline its tenant's songs: the music engine it builds finds the
    upload (the job itself is stopped before it renders anything)."""
    from reelforge.pipeline import runner
    from reelforge.providers.base import MusicRequest
    from reelforge.providers.registry import music_source

    upload_song(running, "acme", tmp_path)
    seen: list[list[str]] = []

    def engine_only(spec, settings, *args, **kwargs):  # type: ignore[no-untyped-def]
        engine = music_source(settings.model_copy(update={"music_engine": "library"}))
        seen.append([t.track.title for t in engine.search(MusicRequest(query="evening",
                                                                       limit=3))])
        raise RuntimeError("stopped before rendering")

    monkeypatch.setattr(runner, "run_job", engine_only)
    made = api(running, tenant="acme").post("/v1/jobs", json={
        "prompt": "An evening by the sea", "duration_s": 5})
    assert made.status_code == 202, made.text
    assert seen and any("evening" in title.lower() for title in seen[0])


def test_a_deleted_song_leaves_the_song_search(running: Platform, tmp_path: Path) -> None:
    from reelforge.store.songs import Song

    item = upload_song(running, "acme", tmp_path)
    assert any("evening" in title.lower() for title in titles(running, "acme"))
    folder = running.settings.data_dir / "songs"
    assert list(folder.rglob("evening_theme.wav"))  # the copy the music renders from
    assert api(running, tenant="acme").delete(f"/v1/library/items/{item}").status_code == 204
    assert titles(running, "acme") == []
    with running.db.session() as session:
        assert session.query(Song).count() == 0
    assert list(folder.rglob("evening_theme.wav")) == []


def test_a_song_deleted_while_it_is_analysed_does_not_stay_in_the_catalog(
    running: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from reelforge.providers.music.catalog import SongCatalog
    from reelforge.store.library import LibraryItem, delete_item
    from reelforge.store.songs import Song

    added = SongCatalog.add

    def delete_then_add(self, songs, **kwargs):  # type: ignore[no-untyped-def]
        with running.db.session() as session:  # the item is deleted as the job indexes it
            delete_item(session, session.get(LibraryItem, songs[0].key.removeprefix("item:")))
        return added(self, songs, **kwargs)

    monkeypatch.setattr(SongCatalog, "add", delete_then_add)
    upload_song(running, "acme", tmp_path)
    with running.db.session() as session:
        assert session.query(Song).count() == 0
    assert list((running.settings.data_dir / "songs").rglob("*.wav")) == []
