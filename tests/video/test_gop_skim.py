"""GOP skimming: H.264 without B-frames (as phones write it) decodes a quarter second of each
steady GOP, and shot detection still finds every change exactly where full decoding does."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelforge.media import packet_watch
from reelforge.media.decode import decode_for_analysis
from reelforge.media.shots import cut_frames, detect_shots_in

from .synth import Join, ShotSpec, make_video

#: Like a phone: no B-frames, a keyframe every second, no scene-cut keyframes.
PHONE = {"bframes": 0, "keyint": 30, "x264_params": "scenecut=0"}


def _kinds(detection: object) -> list[tuple[str, int]]:
    return [(t.kind, t.cut_frame) for t in detection.transitions]  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def steady_ippp(media: Path) -> tuple[Path, object]:
    """Still shots (a tripod) joined by a cut, a dissolve and a fade, in I/P-frames only."""
    path = media / "steady-ippp.mp4"
    truth = make_video(path, [ShotSpec(180, 51, vx=0.0), ShotSpec(180, 52, vx=0.0),
                              ShotSpec(180, 53, vx=0.0), ShotSpec(180, 54, vx=0.0)],
                       [Join("cut"), Join("dissolve", 10), Join("fade", 8, hold=3)],
                       width=128, height=72, **PHONE)
    return path, truth


def test_steady_gops_without_b_frames_are_skimmed(steady_ippp: tuple[Path, object]) -> None:
    path, truth = steady_ippp
    skimmed = decode_for_analysis(path, fast=True)
    full = decode_for_analysis(path, fast=False)
    assert full.stats.frames == truth.frames  # type: ignore[attr-defined]
    assert skimmed.stats.frames < 0.6 * full.stats.frames
    assert skimmed.frame_times.tolist() == full.frame_times.tolist()  # every frame still timed


def test_skimming_finds_every_change_that_full_decoding_finds(
        steady_ippp: tuple[Path, object]) -> None:
    path, truth = steady_ippp
    fast = detect_shots_in(path, fast=True)
    full = detect_shots_in(path, fast=False)
    assert _kinds(fast) == _kinds(full)
    assert [kind for kind, _ in _kinds(fast)] == ["cut", "dissolve", "fade"]
    assert cut_frames(fast)[0] == truth.cuts[0]  # type: ignore[attr-defined]


def test_a_cut_the_packets_hide_is_found_by_decoding_its_gap(
        media: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = media / "hidden-cut-ippp.mp4"
    truth = make_video(path, [ShotSpec(70, 61, vx=0.0), ShotSpec(75, 62, vx=0.0),
                              ShotSpec(70, 63, vx=0.0)],
                       [Join("cut")] * 2, width=128, height=72, **PHONE)
    # an encoder whose packets show nothing: every GOP looks steady and is skimmed
    monkeypatch.setattr(packet_watch, "BIG_P", 1e9)
    monkeypatch.setattr(packet_watch, "NEAR_KEY", 1e9)
    skimmed = decode_for_analysis(path, fast=True)
    assert [c for c in truth.cuts if c not in set(skimmed.indices.tolist())]  # skipped at first
    detection = detect_shots_in(path, fast=True)
    assert cut_frames(detection) == truth.cuts
    assert all(t.exact for t in detection.transitions)
    # the shots' own samples were decoded too, so each shot's keyframe shows that shot
    for shot in detection.shots:
        assert any(shot.start_frame <= f < shot.end_frame for f in detection.video.samples)


def test_moving_shots_are_decoded_in_full_where_skimming_could_hide_a_change(
        media: Path) -> None:
    path = media / "pan-ippp.mp4"
    truth = make_video(path, [ShotSpec(90, 71, vx=3.0), ShotSpec(90, 72, vx=-3.0)],
                       [Join("cut")], width=128, height=72, **PHONE)
    detection = detect_shots_in(path, fast=True)
    assert cut_frames(detection) == truth.cuts
    assert len(detection.video.indices) >= 0.9 * truth.frames  # gaps whose ends differ: filled


def test_gops_with_b_frames_keep_skipping_b_frames_only(media: Path) -> None:
    path = media / "b-frames-steady.mp4"
    make_video(path, [ShotSpec(90, 81, vx=0.0), ShotSpec(90, 82, vx=0.0)], [Join("cut")],
               width=128, height=72, bframes=3, keyint=30)
    video = decode_for_analysis(path, fast=True)
    gaps = [b - a for a, b in zip(video.indices[:-1], video.indices[1:], strict=True)]
    assert max(gaps) <= 4  # no GOP skimmed: only B-frames were left out


def test_a_long_file_read_in_parts_finds_cuts_hidden_in_skimmed_gops(
        media: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts begin at keyframes and read past their end, so every skimmed GOP of a part is
    closed by a decoded keyframe that shows whether its skipped frames changed."""
    from reelforge.media.shots.compact import detect_shots_compact

    path = media / "ippp-parts.mp4"
    truth = make_video(path, [ShotSpec(100, 91 + i, vx=0.0) for i in range(6)],
                       [Join("cut")] * 5, width=128, height=72, bframes=0, keyint=75,
                       x264_params="scenecut=0")
    monkeypatch.setattr(packet_watch, "BIG_P", 1e9)
    monkeypatch.setattr(packet_watch, "NEAR_KEY", 1e9)
    parts = detect_shots_compact(path, part_s=2.0, margin_s=0.5)
    assert [s.start_frame for s in parts.shots[1:]] == truth.cuts
