"""The built-in tracks' shipped analysis: taken only for the very bytes analysed, and equal to
what the analysis measures, so a new data folder skips analysing them without changing a thing."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from reelforge.providers.music import catalog as catalog_module
from reelforge.providers.music.builtin_features import SHIPPED, shipped_features
from reelforge.providers.music.catalog import SongCatalog, builtin_tracks
from reelforge.providers.music.song_analysis import ANALYSIS_VERSION, analyse_file

from .conftest import music_settings


def _close(a: object, b: object) -> bool:
    if isinstance(a, float | int) and isinstance(b, float | int):
        return math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-4)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def test_every_built_in_track_is_shipped_for_this_analysis_version() -> None:
    document = json.loads(SHIPPED.read_text(encoding="utf-8"))
    assert document["analysis_version"] == ANALYSIS_VERSION
    tracks = builtin_tracks()
    assert set(shipped_features(tracks)) == set(tracks)


def test_shipped_features_are_what_the_analysis_measures() -> None:
    tracks = builtin_tracks()
    key = min(tracks, key=lambda k: tracks[k].duration_s)  # the cheapest to analyse again
    measured = analyse_file(str(tracks[key].path))
    assert not isinstance(measured, str), measured
    shipped = shipped_features({key: tracks[key]})[key].to_dict()
    different = [name for name, value in measured.to_dict().items()
                 if not _close(value, shipped[name])]
    assert different == []


def test_a_track_whose_file_changed_is_not_taken_from_the_shipped_file(tmp_path: Path) -> None:
    tracks = builtin_tracks()
    key = next(iter(tracks))
    copy = tmp_path / "track.opus"
    shutil.copyfile(str(tracks[key].path), copy)
    with open(copy, "r+b") as handle:  # same size, one byte different
        handle.seek(copy.stat().st_size // 2)
        byte = handle.read(1)
        handle.seek(-1, 1)
        handle.write(bytes([byte[0] ^ 0xFF]))
    changed = tracks[key].model_copy(update={"path": str(copy)})
    assert shipped_features({key: changed}) == {}
    assert key in shipped_features({key: tracks[key]})


def test_a_new_data_folder_indexes_the_built_in_tracks_without_analysing_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    analysed: list[str] = []

    def analyse_files(paths: list[str], **_: object) -> list[object]:
        analysed.extend(paths)
        raise AssertionError("a shipped track was analysed again")

    monkeypatch.setattr(catalog_module, "analyse_files", analyse_files)
    catalog = SongCatalog(music_settings(tmp_path / "data"))
    assert catalog.ensure_builtin() == 28
    assert analysed == []
    assert len(catalog.index()) == 28
