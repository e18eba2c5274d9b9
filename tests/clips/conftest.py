"""A talk video made in the test: the paragraphs of ``talk.py`` spoken by the offline Piper
voice, each over its own footage (the astronaut photograph on a different background and
place), so the paragraphs are distinct shots with a face to follow."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf
from tests.clips.talk import PARAGRAPHS

from reelforge.media.ffmpeg import find_ffmpeg, run_ffmpeg
from reelforge.providers.base import SpeechRequest
from reelforge.text import split_sentences

W, H, FPS = 320, 180, 10
PAUSE_S = 1.2  # silence between paragraphs


@dataclass(frozen=True)
class Talk:
    path: Path
    paragraphs: list[tuple[float, float]]  # each paragraph's (start, end) in the video


def _photo(side: int) -> np.ndarray:
    from PIL import Image
    from skimage import data

    return np.asarray(Image.fromarray(data.astronaut()).resize((side, side)))


def _frame(paragraph: int, photo: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(paragraph + 10)
    small = rng.integers(30, 140, (9, 16, 3), dtype=np.uint8)
    frame = np.repeat(np.repeat(small, 20, axis=0), 20, axis=1)
    side = photo.shape[0]
    x = [10, 160, 80, 40, 150][paragraph % 5]
    frame[(H - side) // 2:(H - side) // 2 + side, x:x + side] = photo
    return frame


@pytest.fixture(scope="session")
def talk_video(tmp_path_factory: pytest.TempPathFactory) -> Talk:
    return make_talk(tmp_path_factory.mktemp("talk"))


def make_talk(folder: Path) -> Talk:
    """The talk in ``folder``/talk.mp4 (also used by the studio's browser test)."""
    from reelforge.providers.voice.piper import PiperVoiceEngine

    engine = PiperVoiceEngine()
    parts, spans, rate, at = [], [], 22050, 0.5
    for k, paragraph in enumerate(PARAGRAPHS):
        wav = folder / f"p{k}.wav"
        engine.speak(SpeechRequest(sentences=tuple(split_sentences(paragraph)), voice="joe"), wav)
        audio, rate = sf.read(wav, dtype="float32")
        if not parts:
            parts.append(np.zeros(round(0.5 * rate), np.float32))
        spans.append((at, at + audio.size / rate))
        parts += [audio, np.zeros(round(PAUSE_S * rate), np.float32)]
        at += audio.size / rate + PAUSE_S
    sf.write(folder / "talk.wav", np.concatenate(parts), rate, subtype="PCM_16")
    photo = _photo(150)
    silent = folder / "picture.mp4"
    with av.open(str(silent), mode="w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "26"}
        frames = [_frame(k, photo) for k in range(len(PARAGRAPHS))]
        for i in range(round(at * FPS)):
            t = i / FPS
            k = next((n for n, (a, _) in enumerate(spans) if t < a - PAUSE_S / 2), len(spans))
            picture = av.VideoFrame.from_ndarray(frames[max(0, k - 1)], format="rgb24")
            picture.pts = i
            for packet in stream.encode(picture):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    path = folder / "talk.mp4"
    run_ffmpeg(["-i", str(silent), "-i", str(folder / "talk.wav"), "-c:v", "copy", "-c:a", "aac",
                "-shortest", str(path)], ffmpeg=find_ffmpeg())
    return Talk(path=path, paragraphs=spans)
