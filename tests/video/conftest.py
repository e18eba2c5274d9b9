"""Small generated videos with known shots, made once per test session in a temp folder."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from reelforge.media.ffmpeg import find_ffmpeg

from .synth import Join, ShotSpec, Truth, compose, encode, make_video

W, H = 128, 72


@dataclass(frozen=True)
class Clip:
    path: Path
    truth: Truth


def _clip(folder: Path, name: str, shots: list[ShotSpec], joins: list[Join],
          **options: object) -> Clip:
    path = folder / name
    return Clip(path, make_video(path, shots, joins, width=W, height=H, **options))


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("video")


@pytest.fixture(scope="session")
def cuts_clip(media: Path) -> Clip:
    """Four shots joined by hard cuts; H.264 with B-frames, so fast mode skips frames."""
    return _clip(media, "cuts.mp4",
                 [ShotSpec(40, 11, vx=1.0), ShotSpec(33, 12, vx=3.0), ShotSpec(47, 13, vy=0.5),
                  ShotSpec(36, 14, vx=-2.0)], [Join("cut")] * 3)


@pytest.fixture(scope="session")
def gradual_clip(media: Path) -> Clip:
    """A fade through black, a dissolve and a hard cut; a camera flash inside the last shot."""
    return _clip(media, "gradual.mp4",
                 [ShotSpec(40, 21, vx=0.5), ShotSpec(50, 22, vx=0.3), ShotSpec(50, 23),
                  ShotSpec(45, 24, vx=0.5, flashes=(20,))],
                 [Join("fade", 8, hold=3), Join("dissolve", 10), Join("cut")])


@pytest.fixture(scope="session")
def vfr_clip(media: Path) -> Clip:
    """Variable frame rate (frame durations of 25-50 ms) with two cuts."""
    return _clip(media, "vfr.mp4", [ShotSpec(30, 31), ShotSpec(30, 32), ShotSpec(30, 33)],
                 [Join("cut")] * 2, vfr=True)


@pytest.fixture(scope="session")
def ffmpeg() -> Path:
    return find_ffmpeg()


def run_ffmpeg_args(ffmpeg: Path, *args: str | Path) -> None:
    subprocess.run([str(ffmpeg), "-v", "error", "-y", *map(str, args)], check=True)


@pytest.fixture(scope="session")
def bad_inputs(media: Path, cuts_clip: Clip) -> dict[str, Path]:
    """One file per kind of bad input, each with a video extension."""
    folder = media / "bad"
    folder.mkdir()
    files = {}
    files["zero-byte"] = folder / "empty.mp4"
    files["zero-byte"].write_bytes(b"")
    data = cuts_clip.path.read_bytes()
    files["truncated"] = folder / "truncated.mp4"
    files["truncated"].write_bytes(data[: len(data) // 2])  # the index (moov) is at the end
    files["not-a-video"] = folder / "notes.mp4"
    files["not-a-video"].write_text("these are meeting notes, not a video\n" * 50)
    files["image-only"] = folder / "picture.mp4"
    from PIL import Image

    Image.new("RGB", (64, 48), (200, 30, 30)).save(files["image-only"], format="PNG")
    files["audio-only"] = folder / "voice.mp4"
    _audio_only(files["audio-only"])
    files["unsupported-codec"] = folder / "odd.avi"
    frames, _ = compose([ShotSpec(10, 1)], [], 64, 48)
    encode(frames, folder / "mpeg4.avi", codec="mpeg4")
    raw = (folder / "mpeg4.avi").read_bytes()
    files["unsupported-codec"].write_bytes(raw.replace(b"FMP4", b"QQZZ"))
    files["huge-dimensions"] = folder / "huge.mp4"
    files["huge-dimensions"].write_bytes(
        b"YUV4MPEG2 W12000 H12000 F30:1 Ip A1:1 C420jpeg\nFRAME\n" + bytes(4096))
    return files


def _audio_only(path: Path) -> None:
    import av
    import numpy as np

    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("aac", rate=16000)
        samples = (np.sin(np.linspace(0, 400, 16000)) * 0.2).astype(np.float32)[None, :]
        frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
        frame.sample_rate = 16000
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
