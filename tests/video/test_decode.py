"""Decoding: display rotation, delayed starts, corrupt frames and every kind of bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelforge.errors import InputError, NotFound
from reelforge.media.decode import decode_for_analysis
from reelforge.media.probe import probe_video

from .conftest import Clip, run_ffmpeg_args
from .synth import ShotSpec, compose, encode


def test_probe_reports_container_and_codec_facts(cuts_clip: Clip) -> None:
    info = probe_video(cuts_clip.path)
    assert (info.codec, info.width, info.height, info.fps) == ("h264", 128, 72, 30.0)
    assert info.declared_frames == cuts_clip.truth.frames and not info.has_audio


def test_rotation_metadata_turns_the_analysis_frames(cuts_clip: Clip, ffmpeg: Path,
                                                     media: Path) -> None:
    rotated = media / "rotated.mp4"
    run_ffmpeg_args(ffmpeg, "-display_rotation", "90", "-i", cuts_clip.path, "-c", "copy",
                    rotated)
    info = probe_video(rotated)
    assert (info.width, info.height, info.rotation) == (72, 128, 270)
    video = decode_for_analysis(rotated)
    assert video.tiny.shape[2] > video.tiny.shape[3]  # portrait, as a player shows it


def test_delayed_video_start_keeps_its_presentation_time(cuts_clip: Clip, ffmpeg: Path,
                                                          media: Path) -> None:
    delayed = media / "delayed.mp4"
    run_ffmpeg_args(ffmpeg, "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-itsoffset", "1",
                    "-i", cuts_clip.path, "-map", "1:v", "-map", "0:a", "-c:v", "copy",
                    "-c:a", "aac", "-t", "3", delayed)
    video = decode_for_analysis(delayed)
    assert video.times[0] == pytest.approx(1.0, abs=0.01)
    assert probe_video(delayed).has_audio


def test_corrupt_frame_in_the_middle_is_skipped_and_counted(media: Path) -> None:
    frames, _ = compose([ShotSpec(30, 81)], [], 96, 64)
    good = media / "mjpeg.mkv"
    encode(frames, good, codec="mjpeg")
    raw = bytearray(good.read_bytes())
    starts = [i for i in range(len(raw) - 3) if raw[i:i + 3] == b"\xff\xd8\xff"]
    raw[starts[15] + 20: starts[15] + 600] = bytes(580)  # wipe one JPEG's headers
    broken = media / "mjpeg-broken.mkv"
    broken.write_bytes(raw)
    video = decode_for_analysis(broken)
    assert video.stats.corrupt_frames == 1
    assert video.stats.frames == 29


@pytest.mark.parametrize(("kind", "message"), [
    ("zero-byte", "is empty (0 bytes)"),
    ("truncated", "is truncated"),
    ("not-a-video", "is not a video FFmpeg can read"),
    ("image-only", "is a still image"),
    ("audio-only", "has audio only"),
    ("unsupported-codec", "is not supported"),
    ("huge-dimensions", "declares a 12000x12000 picture"),
])
def test_bad_input_gives_one_clear_error(bad_inputs: dict[str, Path], kind: str,
                                         message: str) -> None:
    with pytest.raises(InputError) as caught:
        decode_for_analysis(bad_inputs[kind])
    assert message in str(caught.value)
    assert caught.value.hint


def test_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        probe_video(tmp_path / "nope.mp4")


def test_animated_gif_is_a_video_not_a_still_image(tmp_path: Path) -> None:
    from PIL import Image

    frames = compose([ShotSpec(8, 121)], [], 64, 48)[0] + compose([ShotSpec(8, 122)], [], 64, 48)[0]
    gif = tmp_path / "loop.gif"
    pictures = [Image.fromarray(f) for f in frames]
    pictures[0].save(gif, save_all=True, append_images=pictures[1:], duration=40, loop=0)
    video = decode_for_analysis(gif)
    assert video.total_frames == 16
