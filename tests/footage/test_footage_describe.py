"""A shot in words: names without camera noise, sidecars, colours and looks in the sentence,
and a reason that says which of the query's words the shot shares."""

from __future__ import annotations

import json
from pathlib import Path

from reelforge.library.footage import FootageShot
from reelforge.library.footage_describe import (
    ShotFacts,
    Sidecar,
    describe,
    match_reason,
    name_words,
    sidecar_for,
)


def test_name_words_split_file_and_folder_names_and_drop_camera_noise() -> None:
    root = Path("/videos")
    path = root / "holidays" / "Spain 2023" / "BeachDog_IMG_0042.mp4"
    assert name_words(path, root) == ("beach", "dog", "spain", "holidays")


def test_json_sidecar_gives_description_and_tags(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    (tmp_path / "clip.json").write_text(json.dumps(
        {"description": "Kids  at a party", "tags": "Cake, balloons"}))
    assert sidecar_for(clip) == Sidecar("Kids at a party", ("cake", "balloons"))


def test_text_sidecar_is_the_description_and_bad_json_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Sunset over\nthe harbour\n")
    assert sidecar_for(tmp_path / "a.mov").description == "Sunset over the harbour"
    (tmp_path / "b.json").write_text("{not json")
    broken = sidecar_for(tmp_path / "b.mov")
    assert broken.description == "" and "b.json is not readable JSON" in broken.problem


def test_description_puts_names_first_then_speech_then_looks() -> None:
    text = describe(ShotFacts(kind="video", duration_s=3.2, width=1920, height=1080,
                              names=("beach", "dog"), transcript="look at him go",
                              colours=("blue", "yellow", "white", "grey"), brightness=0.8,
                              motion=0.3, sharpness=0.9))
    assert text == ("beach dog. Someone says: “look at him go”. A bright moving blue, yellow "
                    "and white video shot, landscape, 3 seconds.")


def test_picture_description_has_no_motion_or_length() -> None:
    text = describe(ShotFacts(kind="picture", duration_s=0, width=600, height=900,
                              names=("mountain",), colours=("white",), brightness=0.1))
    assert text == "mountain. A dark white picture, portrait."


def _shot(**fields: object) -> FootageShot:
    base: dict[str, object] = dict(shot_id="x#0", source="/v/beach_dog.mp4", kind="video",
                                   start_s=0.0, end_s=2.0, width=160, height=90,
                                   description="beach dog. A blue video shot.")
    return FootageShot(**{**base, **fields})  # type: ignore[arg-type]


def test_reason_names_the_shared_words_colours_and_speech() -> None:
    shot = _shot(names=("beach", "dog"), colours=("blue",), transcript="The dogs love waves.")
    assert match_reason("Dogs running on the beach, blue sky", shot) == \
        "named “beach”, “dog”; says “dogs”; colour blue"


def test_reason_without_shared_words_says_what_the_shot_is_about() -> None:
    assert match_reason("a puppy at the seaside", _shot()) == \
        "close in meaning to “beach dog. A blue video shot.”"
