"""The clips' music bed (``--music``): a song looped under each clip, pulled down while someone
speaks by the same sidechain ``make`` uses (media/ducking.py); a bad song is one clear error
before any work."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf

from reelforge.errors import InputError
from reelforge.library.moments import Moment, MomentScores
from reelforge.media.ffmpeg import find_ffmpeg, run_ffmpeg
from reelforge.pipeline.clips import check_music
from reelforge.services.clips import ClipRequest, render_clip
from reelforge.settings import Settings

RATE = 16000
VOICE_HZ, MUSIC_HZ = 1000.0, 300.0


def _moment(start: float, end: float) -> Moment:
    scores = MomentScores(1.0, 1.0, 1.0, 1.0, 1.0, None, 1.0)
    return Moment(start_s=start, end_s=end, speech_start_s=start, speech_end_s=end, first=0,
                  last=1, text="", scores=scores, reason="")


@pytest.fixture(scope="module")
def talk_and_song(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A 10 s grey video whose "voice" (a 1 kHz tone) speaks from 1 s to 4 s, and a 300 Hz
    "song" of 3 s (looped under the clip)."""
    folder = tmp_path_factory.mktemp("bed")
    t = np.arange(10 * RATE) / RATE
    voice = np.where((t >= 1) & (t < 4), 0.5 * np.sin(2 * np.pi * VOICE_HZ * t), 0.0)
    sf.write(folder / "voice.wav", voice.astype(np.float32), RATE)
    song_t = np.arange(3 * RATE) / RATE
    sf.write(folder / "song.wav", (0.5 * np.sin(2 * np.pi * MUSIC_HZ * song_t)).astype(
        np.float32), RATE)
    video = folder / "talk.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "color=c=0x606060:s=320x180:r=10:d=10", "-i",
                str(folder / "voice.wav"), "-t", "10", "-c:v", "libx264", "-preset",
                "ultrafast", "-c:a", "aac", "-shortest", str(video)], ffmpeg=find_ffmpeg())
    return video, folder / "song.wav"


def _band(audio: np.ndarray, rate: int, hz: float, start: float, end: float) -> float:
    """Amplitude of the ``hz`` component between ``start`` and ``end`` seconds."""
    part = audio[int(start * rate): int(end * rate)]
    t = np.arange(part.size) / rate
    return float(2 * abs(np.mean(part * np.exp(-2j * np.pi * hz * t))))


def _sound(path: Path) -> tuple[np.ndarray, int]:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        frames = [f.to_ndarray() for f in container.decode(stream)]
        rate = stream.rate
    audio = np.concatenate([f.reshape(f.shape[0], -1) for f in frames], axis=1)
    return audio.mean(axis=0), rate


def test_the_song_plays_under_the_clip_and_ducks_while_someone_speaks(
        talk_and_song: tuple[Path, Path], tmp_path: Path, settings: Settings) -> None:
    video, song = talk_and_song
    moment = _moment(0.5, 9.5)  # the voice speaks over the clip's 0.5–3.5 s
    request = ClipRequest(video=video, out_dir=tmp_path, aspect="9:16", music=song)
    render_clip(video, tmp_path / "bed.mp4", moment, [], request, settings)
    audio, rate = _sound(tmp_path / "bed.mp4")
    under_voice = _band(audio, rate, MUSIC_HZ, 2.0, 3.0)
    alone = _band(audio, rate, MUSIC_HZ, 5.0, 6.5)  # before the last 2 s fade
    assert alone > 0.05, alone  # the song is there
    assert under_voice < 0.6 * alone, (under_voice, alone)  # pulled down under the voice
    assert _band(audio, rate, VOICE_HZ, 1.0, 3.0) > 0.2  # the voice itself is kept

    plain = ClipRequest(video=video, out_dir=tmp_path, aspect="9:16")
    render_clip(video, tmp_path / "plain.mp4", moment, [], plain, settings)
    quiet, rate = _sound(tmp_path / "plain.mp4")
    assert _band(quiet, rate, MUSIC_HZ, 5.0, 6.5) < 0.01


def test_a_music_bed_that_is_not_a_song_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        check_music(tmp_path / "missing.mp3")
    (tmp_path / "notes.mp3").write_text("not a song")
    with pytest.raises(InputError, match=r"cannot be read as audio|no sound"):
        check_music(tmp_path / "notes.mp3")
