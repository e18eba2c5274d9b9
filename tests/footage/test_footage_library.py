"""Indexing a small labelled library and searching it: the right clip comes first, shots have
the right timecodes, colours are in the words, re-adding skips what did not change, and a file
that cannot be used is listed with its reason without stopping the others."""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path

import pytest
from tests.footage.conftest import BLUE_SKY, BROWN, SAND, scene, write_clip

from reelforge.errors import InputError
from reelforge.library.footage import Embed
from reelforge.library.footage_add import FootageAddReport, add_footage
from reelforge.library.footage_store import (
    VECTORS_FILE,
    FolderFootageIndex,
    default_footage_folder,
    open_footage_index,
)
from reelforge.settings import Settings


def _index(indexed: tuple[Path, FootageAddReport], embed: Embed) -> FolderFootageIndex:
    return open_footage_index(indexed[0], embed)


def _name(match_or_path: object) -> str:
    return Path(str(match_or_path)).name


def test_every_usable_file_is_indexed_and_the_rest_are_listed_with_a_reason(
    indexed: tuple[Path, FootageAddReport],
) -> None:
    report = indexed[1]
    assert sorted(_name(p) for p in report.added) == [
        "beach_dog_running.mp4", "city_night_traffic.mp4", "clip_0042.mp4",
        "green_trees_wind.mp4", "kitchen_two_shots.mp4", "snowy_mountain.png"]
    reasons = {_name(f.path): f.reason for f in report.failed}
    assert set(reasons) == {"broken_video.mp4", "notes.docx"}
    assert "truncated" in reasons["broken_video.mp4"]
    assert "unsupported file type .docx" in reasons["notes.docx"]
    assert report.shots_added == 7  # five one-shot clips, the two-shot clip, the picture


def test_a_dog_on_the_beach_finds_the_beach_clip_first(
    indexed: tuple[Path, FootageAddReport], embed: Embed,
) -> None:
    matches = _index(indexed, embed).search("a dog running on the beach", 3)
    assert _name(matches[0].shot.source) == "beach_dog_running.mp4"
    assert matches[0].score > matches[1].score + 0.1
    assert "“beach”" in matches[0].reason and "“dog”" in matches[0].reason


def test_sidecar_words_make_a_camera_named_clip_findable(
    indexed: tuple[Path, FootageAddReport], embed: Embed,
) -> None:
    best = _index(indexed, embed).search("birthday cake with balloons", 1)[0]
    assert _name(best.shot.source) == "clip_0042.mp4"
    assert "party" in best.shot.names and "described as" in best.reason


def test_colours_are_measured_and_put_into_the_descriptions(
    indexed: tuple[Path, FootageAddReport], embed: Embed,
) -> None:
    by_file: dict[str, list[str]] = {}
    for shot in _index(indexed, embed).shots:
        by_file.setdefault(_name(shot.source), []).append(shot.description)
        assert all(colour in shot.description for colour in shot.colours[:3])
    assert "green" in by_file["green_trees_wind.mp4"][0]
    assert "purple" in by_file["kitchen_two_shots.mp4"][1]
    assert "dark" in by_file["city_night_traffic.mp4"][0]
    assert "blue" in by_file["beach_dog_running.mp4"][0]


def test_two_shot_clip_gives_two_shots_with_their_timecodes(
    indexed: tuple[Path, FootageAddReport], embed: Embed,
) -> None:
    shots = [s for s in _index(indexed, embed).shots
             if _name(s.source) == "kitchen_two_shots.mp4"]
    assert [(s.start_s, s.end_s) for s in shots] == [(0.0, 1.2), (1.2, 3.0)]
    assert [s.colours[0] for s in shots] == ["orange", "purple"]
    assert shots[0].shot_id.endswith("#0") and shots[1].shot_id.endswith("#1")
    assert shots[0].image_hash != shots[1].image_hash
    assert all(Path(str(s.extra["thumbnail"])).is_file() for s in shots)


def test_filters_apply_before_ranking(
    indexed: tuple[Path, FootageAddReport], embed: Embed,
) -> None:
    index = _index(indexed, embed)
    pictures = index.search("a dog on the beach", 5, kind="picture")
    assert [_name(m.shot.source) for m in pictures] == ["snowy_mountain.png"]
    long_ones = index.search("kitchen", 10, kind="video", min_duration_s=1.5)
    assert long_ones and all(m.shot.duration_s >= 1.5 for m in long_ones)
    assert (1.2, 3.0) in {(m.shot.start_s, m.shot.end_s) for m in long_ones}
    assert (0.0, 1.2) not in {(m.shot.start_s, m.shot.end_s) for m in long_ones}


def test_second_add_skips_unchanged_files_and_reindexes_a_changed_one(
    indexed: tuple[Path, FootageAddReport], footage_dir: Path, embed: Embed, tmp_path: Path,
) -> None:
    library = tmp_path / "library"
    shutil.copytree(indexed[0], library)
    again = add_footage([footage_dir], library, embed=embed, transcribe=False)
    assert again.added == [] and again.shots_added == 0
    assert len(again.skipped) == 6 and len(again.failed) == 2

    folder = tmp_path / "mine"
    clip = write_clip(folder / "beach_dog_running.mp4", scene(BLUE_SKY, SAND, BROWN, 20))
    add_footage([folder], library, embed=embed, transcribe=False)
    write_clip(clip, scene(SAND, BLUE_SKY, BROWN, 30))  # new content, same name
    changed = add_footage([folder], library, embed=embed, transcribe=False)
    assert [_name(p) for p in changed.added] == ["beach_dog_running.mp4"]
    shots = [s for s in open_footage_index(library, embed).shots if s.source == str(clip)]
    assert [s.end_s for s in shots] == [3.0]  # the old 2 s shot is gone


def test_a_moved_file_keeps_its_shots_and_a_deleted_one_leaves(
    footage_dir: Path, embed: Embed, tmp_path: Path,
) -> None:
    folder = tmp_path / "clips"
    folder.mkdir()
    shutil.copy(footage_dir / "beach_dog_running.mp4", folder / "a.mp4")
    shutil.copy(footage_dir / "city_night_traffic.mp4", folder / "b.mp4")
    library = tmp_path / "library"
    add_footage([folder], library, embed=embed, transcribe=False)
    (folder / "a.mp4").rename(folder / "dog.mp4")
    (folder / "b.mp4").unlink()
    report = add_footage([folder], library, embed=embed, transcribe=False)
    assert report.added == [] and [_name(p) for p in report.removed] == ["b.mp4"]
    assert [_name(s.source) for s in open_footage_index(library, embed).shots] == ["dog.mp4"]


def test_a_copy_is_indexed_once_and_a_removed_files_thumbnails_go(
    footage_dir: Path, embed: Embed, tmp_path: Path,
) -> None:
    folder = tmp_path / "clips"
    folder.mkdir()
    shutil.copy(footage_dir / "beach_dog_running.mp4", folder / "a.mp4")
    shutil.copy(footage_dir / "beach_dog_running.mp4", folder / "b.mp4")
    library = tmp_path / "library"
    report = add_footage([folder], library, embed=embed, transcribe=False)
    assert [_name(p) for p in report.added] == ["a.mp4"] and report.shots_added == 1
    assert [(_name(w.path), "same content as" in w.reason) for w in report.warnings] == [
        ("b.mp4", True)]
    shutil.copy(footage_dir / "city_night_traffic.mp4", folder / "c.mp4")
    add_footage([folder], library, embed=embed, transcribe=False)
    thumbs = sorted((library / "thumbs").iterdir())
    assert len(thumbs) == 2
    (folder / "c.mp4").unlink()
    add_footage([folder], library, embed=embed, transcribe=False)
    assert len(list((library / "thumbs").iterdir())) == 1


def test_vectors_lost_in_a_crash_are_made_again_from_the_descriptions(
    indexed: tuple[Path, FootageAddReport], embed: Embed, tmp_path: Path,
) -> None:
    library = tmp_path / "library"
    shutil.copytree(indexed[0], library)
    (library / VECTORS_FILE).unlink()
    best = open_footage_index(library, embed).search("dog on the beach", 1)[0]
    assert _name(best.shot.source) == "beach_dog_running.mp4"
    assert (library / VECTORS_FILE).is_file()


def test_missing_or_empty_library_names_the_add_command(
    settings: Settings, embed: Embed, tmp_path: Path,
) -> None:
    folder = default_footage_folder(settings)
    assert folder.is_relative_to(settings.data_dir)
    with pytest.raises(InputError, match="does not exist yet") as missing:
        open_footage_index(folder, embed)
    assert "reelforge footage add" in str(missing.value)
    (tmp_path / "empty").mkdir()
    add_footage([tmp_path / "empty"], folder, embed=embed)
    with pytest.raises(InputError, match=r"is empty.*reelforge footage add"):
        open_footage_index(folder, embed)


def test_non_square_pixels_give_the_display_size(embed: Embed, tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clips" / "dv_wide.mp4",
                      scene(BLUE_SKY, SAND, BROWN, 10), sar=Fraction(4, 3))
    add_footage([clip], tmp_path / "library", embed=embed, transcribe=False)
    shot = open_footage_index(tmp_path / "library", embed).shots[0]
    assert (shot.width, shot.height) == (213, 90)


def test_a_failed_transcription_is_a_note_and_progress_counts_files(
    embed: Embed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import numpy as np

    def deaf(path: Path, duration_s: float = 0.0) -> list[tuple[str, float, float]]:
        raise RuntimeError("no sound card in a test")

    monkeypatch.setattr("reelforge.library.footage_analyse.heard_words", deaf)
    clip = write_clip(tmp_path / "clips" / "river_walk.mp4", scene(BLUE_SKY, SAND, BROWN, 10),
                      audio=np.zeros(22050, np.float32))
    seen: list[tuple[int, int, str]] = []
    report = add_footage([clip.parent], tmp_path / "library", embed=embed,
                         progress=lambda done, total, name: seen.append((done, total, name)))
    assert [_name(p) for p in report.added] == ["river_walk.mp4"]
    assert [w.reason for w in report.warnings] == [
        "not transcribed (RuntimeError: no sound card in a test)"]
    assert seen == [(0, 1, ""), (1, 1, "river_walk.mp4")]
