"""Reframing to 9:16: a real face (scikit-image's astronaut photograph) panned across a wide
frame stays inside the window, the window never jumps between two frames of one shot, a shot
change gets a new framing, and a picture with no face is shown whole over a blurred fill."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from tests.video.synth import encode

from reelforge.errors import InputError
from reelforge.media.faces import Face, detect_faces
from reelforge.media.ffmpeg import find_ffmpeg
from reelforge.media.reframe import (
    Encoding,
    ReframeRules,
    parse_aspect,
    plan_crop,
    render_reframed,
    sample_faces,
    window_size,
)

W, H, FPS = 320, 180, 12
SIDE = 150  # the photograph's size in the frame
#: The most the window may move between two frames of one shot (pixels of a 320-px frame).
MAX_JUMP = 5


@pytest.fixture(scope="module")
def photo() -> tuple[np.ndarray, Face]:
    """The astronaut photograph at SIDE × SIDE and its face box (found on the still picture)."""
    from PIL import Image
    from skimage import data

    picture = np.asarray(Image.fromarray(data.astronaut()).resize((SIDE, SIDE)))
    faces = detect_faces(picture)
    assert len(faces) == 1
    return picture, faces[0]


def _background(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    small = rng.integers(40, 120, (9, 16, 3), dtype=np.uint8)
    return np.repeat(np.repeat(small, 20, axis=0), 20, axis=1)


def panned(photo: tuple[np.ndarray, Face], offsets: list[int], seed: int = 1,
           ) -> tuple[list[np.ndarray], list[Face]]:
    """Frames with the photograph at each x offset, and the face's true box in each."""
    picture, face = photo
    frames, truth = [], []
    y = (H - SIDE) // 2
    for x in offsets:
        frame = _background(seed).copy()
        frame[y:y + SIDE, x:x + SIDE] = picture
        frames.append(frame)
        truth.append(Face(face.x + x, face.y + y, face.width, face.height))
    return frames, truth


def inside_share(xs: np.ndarray, width: int, truth: list[Face]) -> float:
    inside = [x <= f.x and f.x + f.width <= x + width for x, f in zip(xs.tolist(), truth,
                                                                        strict=True)]
    return sum(inside) / len(inside)


@pytest.fixture(scope="module")
def pan_video(photo: tuple[np.ndarray, Face], tmp_path_factory: pytest.TempPathFactory,
              ) -> tuple[Path, list[Face]]:
    # 1 s still on the left, 4 s pan to the right edge (~3.5 px a frame), 1 s still
    offsets = [0] * FPS + [round(x) for x in np.linspace(0, W - SIDE, 4 * FPS)] + \
        [W - SIDE] * FPS
    frames, truth = panned(photo, offsets)
    path = tmp_path_factory.mktemp("pan") / "pan.mp4"
    encode(frames, path, fps=FPS)
    return path, truth


def test_a_panned_face_stays_inside_the_9_16_window_without_jumps(
        pan_video: tuple[Path, list[Face]]) -> None:
    path, truth = pan_video
    samples = sample_faces(path)
    assert sum(s.face is not None for s in samples) >= 0.9 * len(samples)
    plan = plan_crop(W, H, parse_aspect("9:16"), FPS, len(truth), samples)
    assert (plan.width, plan.height) == (100, 180) and not plan.fill
    assert inside_share(plan.xs, plan.width, truth) >= 0.95
    assert int(np.max(np.abs(np.diff(plan.xs)))) <= MAX_JUMP
    assert plan.xs[-1] - plan.xs[0] > 150, "the window followed the face"


def test_a_still_face_gives_a_still_window(photo: tuple[np.ndarray, Face]) -> None:
    frames, truth = panned(photo, [60] * 24)
    samples = [s for s in _samples_of(frames)]
    plan = plan_crop(W, H, parse_aspect("9:16"), FPS, len(frames), samples)
    assert np.ptp(plan.xs) == 0
    assert inside_share(plan.xs, plan.width, truth) == 1.0


def _samples_of(frames: list[np.ndarray], every: int = 2):  # type: ignore[no-untyped-def]
    from reelforge.media.reframe import FaceSample

    for k in range(0, len(frames), every):
        found = detect_faces(frames[k])
        yield FaceSample(k / FPS, found[0] if found else None)


def test_a_shot_change_takes_a_new_framing_at_once(photo: tuple[np.ndarray, Face]) -> None:
    left, truth_left = panned(photo, [0] * 24)
    right, truth_right = panned(photo, [W - SIDE] * 24, seed=2)
    frames, truth = left + right, truth_left + truth_right
    plan = plan_crop(W, H, parse_aspect("9:16"), FPS, len(frames), list(_samples_of(frames)),
                     cut_times_s=[24 / FPS])
    assert plan.cuts == (24,)
    assert inside_share(plan.xs, plan.width, truth) == 1.0
    jumps = np.abs(np.diff(plan.xs))
    assert jumps[23] > 100 and np.delete(jumps, 23).max() == 0


def test_without_a_face_the_picture_is_shown_whole_over_a_blur(tmp_path: Path) -> None:
    frames = [_background(3) for _ in range(12)]
    path = tmp_path / "noface.mp4"
    encode(frames, path, fps=FPS)
    samples = sample_faces(path)
    plan = plan_crop(W, H, parse_aspect("9:16"), FPS, 12, samples)
    assert plan.fill and plan.face_share == 0.0
    out = tmp_path / "tall.mp4"
    render_reframed(path, out, plan, Encoding(find_ffmpeg(), preset="ultrafast"), tmp_path)
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == (100, 180)


def test_the_render_follows_the_plan(pan_video: tuple[Path, list[Face]], tmp_path: Path) -> None:
    path, truth = pan_video
    plan = plan_crop(W, H, parse_aspect("9:16"), FPS, len(truth), sample_faces(path))
    out = tmp_path / "tall.mp4"
    render_reframed(path, out, plan, Encoding(find_ffmpeg(), preset="ultrafast"), tmp_path)
    source = [f.to_ndarray(format="rgb24").astype(np.int16) for f in av.open(str(path)).decode(
        video=0)]
    with av.open(str(out)) as container:
        rendered = [f.to_ndarray(format="rgb24").astype(np.int16)
                    for f in container.decode(video=0)]
    assert len(rendered) == len(truth)
    assert rendered[0].shape == (180, 100, 3)
    for k in (0, len(truth) // 2, len(truth) - 1):  # each frame is the planned window's pixels
        x = int(plan.xs[k])
        assert np.abs(rendered[k] - source[k][:, x:x + 100]).mean() < 12


def test_aspects_parse_and_bad_ones_are_clear() -> None:
    assert window_size(1920, 1080, parse_aspect("9:16")) == (608, 1080)
    assert window_size(1920, 1080, parse_aspect("1:1")) == (1080, 1080)
    assert window_size(1080, 1920, parse_aspect("16:9")) == (1080, 608)
    with pytest.raises(InputError, match="not W:H"):
        parse_aspect("tall")


def test_rules_bound_the_step() -> None:
    assert ReframeRules().max_speed * 100 / FPS <= MAX_JUMP


def test_reframe_command_writes_a_vertical_video_of_the_whole_file(
        pan_video: tuple[Path, list[Face]], tmp_path: Path) -> None:
    import subprocess
    import sys

    path, truth = pan_video
    out = tmp_path / "vertical.mp4"
    done = subprocess.run([sys.executable, "-m", "reelforge.cli.main", "reframe", str(path),
                           "--aspect", "9:16", "--out", str(out)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with av.open(str(out)) as container:
        assert (container.streams.video[0].width, container.streams.video[0].height) == (100, 180)
        assert sum(1 for _ in container.decode(video=0)) == len(truth)
    bad = subprocess.run([sys.executable, "-m", "reelforge.cli.main", "reframe", str(path),
                          "--aspect", "tall", "--out", str(out)], capture_output=True, text=True)
    assert bad.returncode != 0 and "aspect 'tall' is not W:H" in bad.stderr


def test_scans_find_the_shot_change_to_the_frame_and_the_whole_file_in_constant_memory(
        photo: tuple[np.ndarray, Face], tmp_path: Path) -> None:
    from reelforge.media.activity import scan_activity
    from reelforge.media.reframe import scan_stretch

    left, _ = panned(photo, [0] * 30)
    right, _ = panned(photo, [W - SIDE] * 30, seed=2)
    path = tmp_path / "cut.mp4"
    encode(left + right, path, fps=FPS)
    stretch = scan_stretch(path)
    assert stretch.cuts_s == [30 / FPS]
    assert scan_stretch(path, 1.0, 4.0).cuts_s == [30 / FPS - 1.0]
    activity = scan_activity(path, find_ffmpeg(), rate=5.0)
    assert len(activity.cuts_s) == 1 and abs(activity.cuts_s[0] - 30 / FPS) <= 0.2
    assert len(activity.per_second) == 5
