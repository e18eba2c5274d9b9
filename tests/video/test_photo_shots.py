"""Shot detection on real photographs: the cuts the textured synthetic set never made.

Each reel (``photo_synth.hard_reel``) films scikit-image's sample photographs with a moving,
noisy camera and joins them the ways the review found missed on real footage: a jump cut inside
one photograph, cuts between photographs brought to the same tone (a luma change of ~5/255 in
the Y+U+V distance), a shot one second long at 10 fps, dissolves and a fade.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reelforge.media.shots import detect_shots

from .photo_synth import hard_reel, make_photo_video


def matched(truth: list[tuple[str, int, int, int]], found: list[int]) -> tuple[int, int]:
    """(missed, false): a cut matches within ±1 frame, a gradual change anywhere in its span."""
    left = sorted(found)
    missed = 0
    for kind, cut, start, end in truth:
        lo, hi = (cut - 1, cut + 1) if kind == "cut" else (start - 1, end)
        hit = next((f for f in left if lo <= f <= hi), None)
        if hit is None:
            missed += 1
        else:
            left.remove(hit)
    return missed, len(left)


@pytest.mark.parametrize(("fps", "rotate"), [(10, 0), (24, 3), (25, 6), (30, 9), (60, 12)])
def test_every_cut_between_real_photographs_of_one_tone_is_found(tmp_path: Path, fps: int,
                                                                 rotate: int) -> None:
    shots, joins = hard_reel(fps, rotate=rotate)
    path = tmp_path / f"reel{fps}.mp4"
    truth = make_photo_video(path, shots, joins, fps=fps)
    found = [shot.start_frame for shot in detect_shots(path)[1:]]
    cuts = [t for t in truth.transitions if t[0] == "cut"]
    missed_cuts, _ = matched(cuts, found)
    missed, false = matched(truth.transitions, found)
    assert missed_cuts == 0, (truth.transitions, found)  # the jump cut and the same-tone cuts
    assert false == 0, (truth.transitions, found)
    assert missed <= 1, (truth.transitions, found)  # at most one low-contrast dissolve


def test_a_cut_one_second_after_another_at_10_fps_is_kept(tmp_path: Path) -> None:
    """The minimum shot length is in seconds (0.4 s = 4 frames at 10 fps), not 12 frames."""
    shots, joins = hard_reel(10)
    truth = make_photo_video(tmp_path / "reel.mp4", shots, joins, fps=10)
    one_second = [(c, nxt) for (_, c, _, _), (_, nxt, _, _)
                  in zip(truth.transitions, truth.transitions[1:], strict=False)
                  if nxt - c == 10]
    assert one_second, truth.transitions  # the reel has such a pair
    found = {shot.start_frame for shot in detect_shots(tmp_path / "reel.mp4")[1:]}
    for first, second in one_second:
        assert {first, second} <= found, (one_second, sorted(found))
