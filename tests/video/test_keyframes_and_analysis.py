"""Keyframes and the analysis document: placement, files, schema, pacing, measurements."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from PIL import Image
from PIL.ImageFilter import GaussianBlur

from reelforge.media.keyframes import choose_keyframes, write_keyframes
from reelforge.media.shots import detect_shots_in
from reelforge.media.video_analysis import analyze_video

from .conftest import Clip
from .synth import Join, ShotSpec, make_video

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "video-analysis.v1.json"


def test_keyframes_are_never_from_inside_a_transition(gradual_clip: Clip) -> None:
    keyframes = choose_keyframes(detect_shots_in(gradual_clip.path))
    assert keyframes
    for kind, _, start, end in gradual_clip.truth.transitions:
        if kind != "cut":
            assert not [k for k in keyframes if start <= k.frame < end]


def test_every_shot_gets_a_keyframe_inside_it(cuts_clip: Clip) -> None:
    detection = detect_shots_in(cuts_clip.path)
    keyframes = choose_keyframes(detection)
    for shot in detection.shots:
        mine = [k for k in keyframes if k.shot_index == shot.index]
        assert mine and all(shot.start_frame <= k.frame < shot.end_frame for k in mine)


def test_keyframe_prefers_the_sharp_frame_over_a_blurred_one(media: Path) -> None:
    path = media / "blurry.mp4"
    make_video(path, [ShotSpec(60, 91, vx=0.0)], [], width=128, height=72)
    detection = detect_shots_in(path)
    # blur every sample but one: the sharp one must be chosen
    samples = detection.video.samples
    frames = sorted(samples)
    sharp = frames[len(frames) // 3]
    for f in frames:
        if f != sharp:
            samples[f] = np.asarray(Image.fromarray(samples[f]).filter(GaussianBlur(3)))
    (keyframe,) = choose_keyframes(detection)
    assert keyframe.frame == sharp


@pytest.mark.parametrize("image_format", ["jpg", "webp"])
def test_keyframes_are_written_at_the_requested_size(cuts_clip: Clip, tmp_path: Path,
                                                     image_format: str) -> None:
    detection = detect_shots_in(cuts_clip.path)
    written = write_keyframes(detection, choose_keyframes(detection), tmp_path, size=96,
                              image_format=image_format)  # type: ignore[arg-type]
    assert len(written) >= len(detection.shots)
    for k in written:
        assert k.path is not None and k.path.endswith(f".{image_format}")
        with Image.open(k.path) as image:
            assert max(image.size) == 96


def test_analysis_validates_against_the_schema(gradual_clip: Clip, tmp_path: Path) -> None:
    doc = analyze_video(gradual_clip.path, keyframes_dir=tmp_path / "kf",
                        strip_path=tmp_path / "strip.jpg")
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(json.loads(json.dumps(doc)), schema,
                        format_checker=jsonschema.FormatChecker())
    assert Path(doc["thumbnail_strip"]["path"]).exists()  # type: ignore[index]


def test_pacing_counts_changes_of_shot_per_minute(cuts_clip: Clip) -> None:
    doc = analyze_video(cuts_clip.path)
    pacing = doc["pacing"]
    minutes = cuts_clip.truth.frames / 30 / 60
    assert pacing["shot_count"] == 4  # type: ignore[index]
    assert pacing["cuts_per_minute"] == pytest.approx(3 / minutes, rel=1e-3)  # type: ignore[index]


def test_per_shot_measures_tell_shots_apart(media: Path) -> None:
    path = media / "measures.mp4"
    make_video(path, [ShotSpec(45, 101, vx=0.0), ShotSpec(45, 102, vx=5.0)], [Join("cut")],
               width=128, height=72)
    still, moving = analyze_video(path)["shots"]  # type: ignore[misc]
    assert moving["motion"] > 2 * still["motion"]
    assert 0 < still["brightness"] < 1 and still["palette"] and len(still["descriptor"]) > 10
    assert still["descriptor"] != moving["descriptor"]
