"""Long files in parts: split at keyframes, detected in processes, the same shots as one piece."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reelforge.cli.main import app
from reelforge.media.shots import detect_shots
from reelforge.media.shots.split import detect_shots_split, frame_index, plan_parts

from .photo_synth import hard_reel, make_photo_video
from .synth import Join


@pytest.fixture(scope="module")
def two_reels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """32 s at 25 fps, a keyframe every second: 15 changes, several near part edges."""
    shots, joins = hard_reel(25, rotate=6)
    path = tmp_path_factory.mktemp("split") / "reels.mp4"
    make_photo_video(path, shots + shots, [*joins, Join("cut"), *joins], fps=25, keyint=25)
    return path


def test_parts_tile_the_file_and_begin_at_keyframes(two_reels: Path) -> None:
    index = frame_index(two_reels)
    parts = plan_parts(index, two_reels, part_s=3.0, margin_s=2.0)
    assert len(parts) >= 8
    assert parts[0].first == 0 and parts[-1].end == len(index.all_pts)
    assert all(a.end == b.first for a, b in pairwise(parts))
    keys = set(index.keyframe_rows.tolist())
    assert all(p.first in keys and p.decode_first in keys for p in parts)
    assert all(p.decode_first <= p.first and p.decode_last >= p.end - 1 for p in parts)


@pytest.mark.parametrize(("part_s", "workers"), [(2.0, 2), (3.0, 1), (5.0, 2)])
def test_split_detection_finds_the_same_shots_as_one_piece(two_reels: Path, part_s: float,
                                                           workers: int) -> None:
    whole = detect_shots(two_reels)
    split = detect_shots_split(two_reels, part_s=part_s, workers=workers)
    assert split.parts > 3
    assert split.total_frames == whole[-1].end_frame
    assert [(s.start_frame, s.end_frame, s.transition) for s in split.shots] == [
        (s.start_frame, s.end_frame, s.transition) for s in whole]
    assert len(whole) == 16


def test_cli_splits_when_asked_for_workers(two_reels: Path) -> None:
    result = CliRunner().invoke(app, ["video", "shots", str(two_reels), "--workers", "2",
                                      "--json"])
    assert result.exit_code == 0, result.output
    assert '"frames": 818' in result.output and result.output.count('"index"') == 16
