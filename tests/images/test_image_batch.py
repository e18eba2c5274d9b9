"""Folder runs: totals add up, bad files are skipped with reasons, unchanged files are reused."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from reelforge.errors import InputError
from reelforge.media.image_batch import analyze_folder, find_images
from reelforge.settings import Settings

from .conftest import bomb_png, scene

Save = Callable[..., Path]


def _mixed_folder(save: Save) -> tuple[Path, list[Path]]:
    good = [save(scene(i), f"good{i}.jpg") for i in range(3)]
    good.append(save(scene(9), "nested/deeper.png"))
    folder = good[0].parent
    (folder / "broken.jpg").write_bytes(b"not a picture at all")
    (folder / "empty.png").write_bytes(b"")
    cut = save(scene(4), "cut.jpg")
    cut.write_bytes(cut.read_bytes()[:500])
    bomb_png(folder / "bomb.png", 60_000, 60_000)
    (folder / "phone.heic").write_bytes(b"\x00\x00\x00\x18ftypheic" + b"\x00" * 32)
    (folder / "camera.CR2").write_bytes(b"II*\x00" + b"\x00" * 32)
    (folder / "notes.txt").write_text("not a picture, and not counted")
    (folder / ".hidden.jpg").write_bytes(b"ignored")
    return folder, good


def test_run_finishes_and_totals_add_up_with_a_reason_for_every_skip(
    save: Save, settings: Settings
) -> None:
    folder, good = _mixed_folder(save)
    result = analyze_folder(folder, settings, workers=1)
    totals = result.totals
    assert totals["found"] == 10 == totals["analysed"] + totals["skipped"]
    assert sorted(Path(a.path).name for a in result.analyses) == sorted(p.name for p in good)
    reasons = {Path(s.path).name: s.reason for s in result.skipped}
    assert set(reasons) == {"broken.jpg", "empty.png", "cut.jpg", "bomb.png", "phone.heic",
                            "camera.CR2"}
    assert "decompression-bomb" in reasons["bomb.png"]
    assert "truncated" in reasons["cut.jpg"] or "corrupt" in reasons["cut.jpg"]
    assert all(reason.strip() for reason in reasons.values())


def test_second_run_skips_unchanged_files_and_redoes_a_changed_one(
    save: Save, settings: Settings
) -> None:
    folder, good = _mixed_folder(save)
    first = analyze_folder(folder, settings, workers=1)
    assert first.totals["decoded_now"] == 10 and first.from_cache == 0

    second = analyze_folder(folder, settings, workers=1)
    assert second.totals["decoded_now"] == 0 and second.from_cache == 10
    assert [a.to_dict() for a in second.analyses] == [a.to_dict() for a in first.analyses]
    assert second.skipped == first.skipped

    scene(20).save(good[1])
    os.utime(good[1], ns=(1, 1))
    third = analyze_folder(folder, settings, workers=1)
    assert third.totals["decoded_now"] == 1
    changed = next(a for a in third.analyses if a.path == str(good[1].absolute()))
    before = next(a for a in first.analyses if a.path == str(good[1].absolute()))
    assert changed.phash != before.phash


def test_no_cache_analyses_everything_again(save: Save, settings: Settings) -> None:
    folder, _ = _mixed_folder(save)
    analyze_folder(folder, settings, workers=1)
    again = analyze_folder(folder, settings, workers=1, use_cache=False)
    assert again.from_cache == 0 and again.totals["decoded_now"] == 10


def test_process_pool_gives_the_same_results_as_one_process(
    save: Save, settings: Settings
) -> None:
    folder, _ = _mixed_folder(save)
    pooled = analyze_folder(folder, settings, workers=2, use_cache=False)
    single = analyze_folder(folder, settings, workers=1, use_cache=False)
    assert [a.to_dict() for a in pooled.analyses] == [a.to_dict() for a in single.analyses]
    assert pooled.skipped == single.skipped


def test_progress_is_reported_up_to_the_total(save: Save, settings: Settings) -> None:
    folder, _ = _mixed_folder(save)
    seen: list[tuple[int, int]] = []
    analyze_folder(folder, settings, workers=1, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (10, 10)


def test_missing_folder_and_file_instead_of_folder_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="folder not found"):
        find_images(tmp_path / "nope")
    file = tmp_path / "a.jpg"
    file.write_bytes(b"x")
    with pytest.raises(InputError, match="is a file, not a folder"):
        find_images(file)


def test_unusable_cache_location_still_analyses_and_says_why(
    save: Save, tmp_path: Path
) -> None:
    folder, good = _mixed_folder(save)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    settings = Settings(_env_file=None, data_dir=blocker / "data")  # type: ignore[call-arg]
    result = analyze_folder(folder, settings, workers=1)
    assert len(result.analyses) == len(good)
    assert result.cache_problem and "unusable" in result.cache_problem


def test_file_that_vanishes_before_decoding_is_skipped(tmp_path: Path) -> None:
    from reelforge.media.image_files import UnreadableImage, analyze_file

    with pytest.raises(UnreadableImage, match="disappeared"):
        analyze_file(tmp_path / "gone.jpg")


def test_corrupt_cache_file_is_reported_and_the_run_still_finishes(
    save: Save, settings: Settings
) -> None:
    folder, good = _mixed_folder(save)
    cache = settings.data_dir / "images" / "analysis.sqlite"
    cache.parent.mkdir(parents=True)
    cache.write_bytes(b"this is not an SQLite database" * 100)
    result = analyze_folder(folder, settings, workers=1)
    assert len(result.analyses) == len(good) and result.totals["found"] == 10
    assert result.cache_problem
