"""A tiny labelled footage library made in the test: clips of distinct colours and motion with
descriptive names, a two-shot clip, a sidecar, a picture and a corrupt file."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from reelforge.library.footage import Embed

W, H, FPS = 160, 90, 10
Colour = tuple[int, int, int]


def scene(top: Colour, bottom: Colour, blob: Colour, frames: int, *, speed: int = 6,
          horizon: float = 0.5) -> list[np.ndarray]:
    """Two colour fields (sky over ground, say) with a square moving across, plus grain."""
    rng = np.random.default_rng(sum(top) + sum(bottom))
    out = []
    for i in range(frames):
        rgb = np.empty((H, W, 3), np.uint8)
        rgb[: int(H * horizon)] = top
        rgb[int(H * horizon):] = bottom
        x = (10 + i * speed) % (W - 20)
        rgb[50:70, x: x + 20] = blob
        grain = rng.integers(-6, 7, rgb.shape)
        out.append(np.clip(rgb.astype(np.int16) + grain, 0, 255).astype(np.uint8))
    return out


def write_clip(path: Path, frames: Sequence[np.ndarray], *, audio: np.ndarray | None = None,
               audio_rate: int = 22050, sar: Fraction | None = None) -> Path:
    """Encode frames (and optional mono float audio) as H.264/AAC at FPS."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height = frames[0].shape[1], frames[0].shape[0]
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "23", "g": "30"}
        if sar is not None:
            stream.codec_context.sample_aspect_ratio = sar
        sound = None
        if audio is not None:
            sound = container.add_stream("aac", rate=audio_rate)
            sound.layout = "mono"
        for i, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
        if sound is not None and audio is not None:
            block = 1024
            for at in range(0, audio.size, block):
                chunk = audio[at: at + block].astype(np.float32)[None, :]
                frame = av.AudioFrame.from_ndarray(chunk, format="flt", layout="mono")
                frame.sample_rate = audio_rate
                frame.pts = at
                container.mux(sound.encode(frame))
            container.mux(sound.encode())
    return path


BLUE_SKY, SAND, BROWN = (60, 140, 230), (235, 205, 120), (110, 70, 30)
GREEN, DARK_GREEN = (40, 150, 50), (20, 80, 25)
ORANGE, PURPLE = (240, 130, 20), (130, 40, 170)
NIGHT, LIGHTS = (10, 10, 25), (250, 230, 120)
RED = (210, 30, 40)


@pytest.fixture(scope="session")
def footage_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """beach_dog_running.mp4, forest/green_trees_wind.mp4, city_night_traffic.mp4,
    kitchen_two_shots.mp4 (orange 1.2 s, then purple 1.8 s), clip_0042.mp4 + its JSON sidecar
    (a birthday party), snowy_mountain.png, broken_video.mp4 and notes.docx."""
    root = tmp_path_factory.mktemp("footage")
    write_clip(root / "beach_dog_running.mp4", scene(BLUE_SKY, SAND, BROWN, 20, speed=7))
    write_clip(root / "forest" / "green_trees_wind.mp4", scene(GREEN, DARK_GREEN, GREEN, 20,
                                                               speed=1))
    write_clip(root / "city_night_traffic.mp4", scene(NIGHT, NIGHT, LIGHTS, 20, speed=9))
    write_clip(root / "kitchen_two_shots.mp4",
               scene(ORANGE, ORANGE, ORANGE, 12, speed=0) + scene(PURPLE, PURPLE, PURPLE, 18,
                                                                  speed=0))
    write_clip(root / "clip_0042.mp4", scene(RED, RED, (240, 240, 240), 20, speed=3))
    (root / "clip_0042.json").write_text(json.dumps(
        {"description": "A birthday party with balloons and cake", "tags": ["party", "family"]}))
    picture = np.zeros((120, 160, 3), np.uint8)
    picture[:60] = (235, 240, 250)
    picture[60:] = (140, 140, 150)
    Image.fromarray(picture).save(root / "snowy_mountain.png")
    (root / "broken_video.mp4").write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 8)
    (root / "notes.docx").write_bytes(b"PK\x03\x04 not footage")
    return root


@pytest.fixture(scope="session")
def embed() -> Embed:
    from reelforge.media.embeddings import get_text_encoder

    return get_text_encoder().encode


@pytest.fixture(scope="session")
def indexed(footage_dir: Path, tmp_path_factory: pytest.TempPathFactory,
            embed: Embed) -> tuple[Path, object]:
    """The footage library of ``footage_dir`` (no transcription: the clips are silent) and the
    report of adding it."""
    from reelforge.library.footage_add import add_footage

    folder = tmp_path_factory.mktemp("library")
    report = add_footage([footage_dir], folder, embed=embed, transcribe=False)
    return folder, report


Speak = Callable[[str, Path], tuple[np.ndarray, int]]
