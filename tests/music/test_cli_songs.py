"""`reelforge songs …` as a user runs it: JSON for scripts, clear errors, Spotify import."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reelforge.cli.main import app
from reelforge.errors import InputError
from reelforge.fakes.common import FakeConfig
from reelforge.fakes.server import start_fake
from reelforge.providers.music.catalog import SongCatalog

from .conftest import C_MAJOR_PROGRESSION, SR, click_track, progression, write_audio

runner = CliRunner()
SPOTIFY_SECRET = "spotify-test-secret-0123456789"


def songs(*args: str) -> dict | list:
    result = runner.invoke(app, ["songs", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_search_json_applies_every_filter(builtin_settings) -> None:
    out = songs("search", "hopeful, building, cinematic", "--k", "4", "--min-duration", "30",
                "--bpm", "90-130", "--usable-only", "--json")
    results = out["results"]
    assert out["query"] == "hopeful, building, cinematic" and len(results) == 4
    for song in results:
        assert song["duration_s"] >= 30 and 90 <= song["bpm"] <= 130
        assert song["usable_as_audio"] and song["licence"].startswith("MIT")
    assert results[0]["score"] >= results[-1]["score"]


def test_add_then_search_finds_the_users_song(builtin_settings, tmp_path: Path) -> None:
    folder = tmp_path / "Music"
    write_audio(folder / "Sunrise Chords.wav", progression(C_MAJOR_PROGRESSION, repeats=2), SR)
    (folder / "empty.mp3").write_bytes(b"")
    (report,) = songs("add", str(folder), "--workers", "1", "--json")
    assert (report["added"], report["found"]) == (1, 2)
    assert report["skipped"] == [{"path": str(folder.resolve() / "empty.mp3"),
                                  "reason": "empty file (0 bytes)"}]
    hits = songs("search", "sunrise chords", "--source", "library", "--json")["results"]
    assert [h["title"] for h in hits] == ["Sunrise Chords"]
    (again,) = songs("add", str(folder), "--json")
    assert (again["added"], again["unchanged"]) == (0, 1)


def test_clusters_json_names_groups_by_shared_tags(builtin_settings) -> None:
    out = songs("clusters", "--json")
    sizes = [g["size"] for g in out["groups"]]
    assert sum(sizes) + len(out["outliers"]) == 28 and len(sizes) >= 3
    for group in out["groups"]:
        assert group["name"] and group["name"] != "untagged"
        assert group["median_bpm"] is not None


def test_list_json_shows_the_built_in_catalog(builtin_settings) -> None:
    rows = songs("list", "--source", "builtin", "--json")
    assert len(rows) == 28 and all(r["source"] == "builtin" for r in rows)


def test_bad_input_is_one_line_on_stderr_and_exit_2(builtin_settings) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reelforge.cli.main", "songs", "search", "calm", "--bpm", "fast"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert "--bpm 'fast' is not a tempo range" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) <= 2


@pytest.mark.parametrize(("args", "message"), [
    (["search", "calm", "--bpm", "130-90"], "lower bound is above the upper one"),
    (["search", "calm", "--source", "youtube"], "not a song source"),
    (["search", "calm", "--k", "0"], "--k must be at least 1"),
    (["add", "/no/such/folder"], "folder not found: /no/such/folder"),
    (["clusters", "--method", "magic"], "--method 'magic' is not known"),
])
def test_bad_input_raises_an_input_error_naming_the_problem(args, message,
                                                            builtin_settings) -> None:
    result = runner.invoke(app, ["songs", *args])
    assert isinstance(result.exception, InputError)
    assert message in str(result.exception)


@pytest.fixture
def spotify_env(builtin_settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    fake = start_fake("spotify", builtin_settings, config=FakeConfig(api_key=SPOTIFY_SECRET))
    monkeypatch.setenv("SPOTIFY_CLIENT_ID", "test-client")
    monkeypatch.setenv("SPOTIFY_CLIENT_SECRET", SPOTIFY_SECRET)
    monkeypatch.setenv("REELFORGE_SPOTIFY_API_URL", f"{fake.url}/v1")
    monkeypatch.setenv("REELFORGE_SPOTIFY_ACCOUNTS_URL", fake.url)
    yield
    fake.server.should_exit = True
    fake.thread.join(timeout=5)


def test_import_spotify_adds_metadata_only_rows_searchable_but_never_usable(
    spotify_env, builtin_settings
) -> None:
    imported = songs("import-spotify", "calm", "--limit", "5", "--json")
    assert 1 <= len(imported) <= 5
    first = imported[0]
    assert first["id"].startswith("spotify:") and first["link"].startswith("https://open.spotify")
    assert first["title"] and first["artist"] and first["duration_s"] > 0
    catalog = SongCatalog(builtin_settings)
    rows = catalog.songs("spotify")
    assert len(rows) == len(imported) and not any(r.usable_as_audio for r in rows)
    query = f"{first['title']} by {first['artist']}"
    found = songs("search", query, "--k", "3", "--json")["results"]
    assert found[0]["id"] == first["id"] and found[0]["usable_as_audio"] is False
    usable = songs("search", query, "--k", "40", "--usable-only", "--json")["results"]
    assert all(r["source"] != "spotify" for r in usable)


def test_import_spotify_without_credentials_says_what_to_set(builtin_settings,
                                                              monkeypatch) -> None:
    monkeypatch.delenv("SPOTIFY_CLIENT_ID", raising=False)
    monkeypatch.delenv("SPOTIFY_CLIENT_SECRET", raising=False)
    result = runner.invoke(app, ["songs", "import-spotify", "calm"])
    assert result.exit_code != 0
    assert "SPOTIFY_CLIENT_ID" in str(result.exception)


def test_click_track_folder_reports_tempo_in_list(builtin_settings, tmp_path: Path) -> None:
    write_audio(tmp_path / "m" / "click.wav", click_track(120, 8.0), SR)
    songs("add", str(tmp_path / "m"), "--json")
    (row,) = songs("list", "--source", "library", "--json")
    assert row["bpm"] == pytest.approx(120, abs=2)
