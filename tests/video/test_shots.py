"""Shot detection on generated videos whose every cut, fade, dissolve and flash is known."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from reelforge.media.shots import cut_frames, detect_shots, detect_shots_in

from .conftest import Clip
from .synth import Join, ShotSpec, make_video


def test_hard_cuts_are_found_at_their_exact_frames(cuts_clip: Clip) -> None:
    detection = detect_shots_in(cuts_clip.path)
    assert cut_frames(detection) == cuts_clip.truth.cuts
    assert all(t.kind == "cut" and t.exact for t in detection.transitions)


def test_fast_mode_skips_frames_but_finds_the_same_cuts_as_full_decoding(cuts_clip: Clip) -> None:
    fast = detect_shots_in(cuts_clip.path, fast=True)
    full = detect_shots_in(cuts_clip.path, fast=False)
    assert fast.video.stats.frames < full.video.stats.frames == cuts_clip.truth.frames
    assert cut_frames(fast) == cut_frames(full) == cuts_clip.truth.cuts


@pytest.mark.parametrize(("codec", "suffix"), [("mpeg4", "mkv"), ("libx265", "mp4"),
                                               ("libvpx-vp9", "webm")])
def test_cuts_are_exact_in_other_codecs(media: Path, codec: str, suffix: str) -> None:
    path = media / f"other-codec-{codec}.{suffix}"
    truth = make_video(path, [ShotSpec(30, 41), ShotSpec(30, 42, vx=3.0), ShotSpec(30, 43)],
                       [Join("cut")] * 2, width=128, height=72, codec=codec)
    for fast in (True, False):
        assert [s.start_frame for s in detect_shots(path, fast=fast)] == [0, *truth.cuts]


def test_shots_tile_the_whole_video_with_times_and_timecodes(cuts_clip: Clip) -> None:
    shots = detect_shots(cuts_clip.path)
    assert shots[0].start_frame == 0 and shots[0].transition == "start"
    assert shots[-1].end_frame == cuts_clip.truth.frames
    for before, after in itertools.pairwise(shots):
        assert before.end_frame == after.start_frame
        assert before.end_s == pytest.approx(after.start_s)
    assert shots[1].start_s == pytest.approx(cuts_clip.truth.cuts[0] / 30)
    assert all(re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3}", s.start_timecode) for s in shots)
    assert shots[-1].end_s == pytest.approx(cuts_clip.truth.frames / 30)


def test_fade_is_reported_as_one_transition(gradual_clip: Clip) -> None:
    detection = detect_shots_in(gradual_clip.path)
    kind, _, start, end = gradual_clip.truth.transitions[0]
    assert kind == "fade"
    fades = [t for t in detection.transitions if t.kind == "fade"]
    assert len(fades) == 1
    assert abs(fades[0].start_frame - start) <= 2 and abs(fades[0].end_frame - end) <= 2
    assert not [t for t in detection.transitions
                if t.kind != "fade" and start - 2 <= t.cut_frame <= end + 2]


def test_dissolve_is_one_transition_with_a_span_not_a_cut(gradual_clip: Clip) -> None:
    detection = detect_shots_in(gradual_clip.path)
    _, _, start, end = gradual_clip.truth.transitions[1]
    inside = [t for t in detection.transitions if start - 2 <= t.cut_frame <= end + 2]
    assert [t.kind for t in inside] == ["dissolve"]
    assert inside[0].length > 5


def test_every_change_of_shot_is_found_once(gradual_clip: Clip) -> None:
    detection = detect_shots_in(gradual_clip.path)
    assert [s.transition for s in detection.shots] == ["start", "fade", "dissolve", "cut"]


def test_camera_flash_is_not_a_cut(gradual_clip: Clip) -> None:
    detection = detect_shots_in(gradual_clip.path)
    (flash,) = gradual_clip.truth.flashes
    assert not [t for t in detection.transitions if abs(t.cut_frame - flash) <= 4]


def test_fast_pan_is_not_a_cut(media: Path) -> None:
    path = media / "pan.mp4"
    make_video(path, [ShotSpec(90, 51, vx=6.0, vy=1.0)], [], width=128, height=72)
    assert len(detect_shots(path)) == 1


def test_fade_in_from_black_at_the_start_is_not_a_change_of_shot(media: Path) -> None:
    path = media / "fade-in.mp4"
    make_video(path, [ShotSpec(12, 61), ShotSpec(50, 62)], [Join("fade", 6, hold=4)],
               width=128, height=72)
    # the first shot is only black and a fade: what remains is one shot plus the fade
    shots = detect_shots(path)
    assert [s.transition for s in shots][1:] in ([], ["fade"])


def test_changes_closer_than_the_minimum_shot_length_count_once(media: Path) -> None:
    path = media / "close.mp4"
    truth = make_video(path, [ShotSpec(30, 71), ShotSpec(5, 72), ShotSpec(30, 73)],
                       [Join("cut")] * 2, width=128, height=72)
    assert len(detect_shots(path, min_shot_s=0.4)) == 2
    assert [s.start_frame for s in detect_shots(path, min_shot_s=0.0)] == [0, *truth.cuts]


def test_variable_frame_rate_times_come_from_timestamps(vfr_clip: Clip) -> None:
    shots = detect_shots(vfr_clip.path)
    assert [s.start_frame for s in shots[1:]] == vfr_clip.truth.cuts
    for shot, cut in zip(shots[1:], vfr_clip.truth.cuts, strict=True):
        assert shot.start_s == pytest.approx(vfr_clip.truth.times[cut], abs=1e-3)


def test_cut_between_skipped_frames_is_decoded_to_its_exact_frame(
        media: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reelforge.media import packet_watch

    path = media / "no-scenecut.mp4"
    truth = make_video(path, [ShotSpec(42, 111), ShotSpec(41, 112), ShotSpec(40, 113)],
                       [Join("cut")] * 2, width=128, height=72, x264_params="scenecut=0")
    # an encoder that marks nothing: no keyframe at the cuts, no packet looks big
    monkeypatch.setattr(packet_watch, "BIG_P", 1e9)
    monkeypatch.setattr(packet_watch, "NEAR_KEY", 1e9)
    detection = detect_shots_in(path)
    decoded = set(detection.video.indices.tolist())
    assert [c for c in truth.cuts if c - 1 not in decoded]  # the first pass skipped the frame
    assert cut_frames(detection) == truth.cuts
    assert all(t.exact for t in detection.transitions)
