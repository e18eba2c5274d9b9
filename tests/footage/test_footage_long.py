"""Long files are indexed in parts (shots and sound) with bounded memory: the parts' result
matches the one-piece result on a small clip made to be cut into several parts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.footage.conftest import (
    BLUE_SKY,
    BROWN,
    DARK_GREEN,
    GREEN,
    LIGHTS,
    NIGHT,
    ORANGE,
    PURPLE,
    SAND,
    scene,
    write_clip,
)

from reelforge.library import footage_analyse
from reelforge.library.footage_analyse import FileTask, analyse_file
from reelforge.media.shots import compact, detect_shots_in
from reelforge.media.shots.compact import detect_shots_compact


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six shots over 16 s at 10 fps, one of them only 0.6 s long (no sample of its own at a
    coarse interval)."""
    frames = (scene(BLUE_SKY, SAND, BROWN, 30, speed=7) + scene(GREEN, DARK_GREEN, GREEN, 35)
              + scene(NIGHT, NIGHT, LIGHTS, 6, speed=9) + scene(ORANGE, ORANGE, ORANGE, 30,
                                                                speed=0)
              + scene(PURPLE, PURPLE, PURPLE, 29, speed=2) + scene(SAND, SAND, BLUE_SKY, 30))
    return write_clip(tmp_path_factory.mktemp("long") / "harbour_long.mp4", frames)


def test_parts_find_the_same_shots_as_one_piece(long_clip: Path) -> None:
    from reelforge.media.shots.split import frame_index, plan_parts

    assert len(plan_parts(frame_index(long_clip), long_clip, part_s=3.0, margin_s=1.0)) >= 3
    whole = detect_shots_in(long_clip)
    parts = detect_shots_compact(long_clip, part_s=3.0, margin_s=1.0)
    assert len(parts.shots) == len(whole.shots) == 6
    assert [(s.start_frame, s.end_frame) for s in parts.shots] == \
        [(s.start_frame, s.end_frame) for s in whole.shots]
    # only the rows analysis reads are kept, and far fewer than the file's frames
    assert len(parts.series.indices) < len(whole.series.indices)
    assert all(any(s.start_frame <= f < s.end_frame for f in parts.series.indices)
               for s in parts.shots)


def test_a_long_file_is_described_as_in_one_piece(long_clip: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    task = FileTask(long_clip, None, "0" * 64, False, tmp_path / "thumbs")
    whole = analyse_file(task)
    monkeypatch.setattr(footage_analyse, "LONG_FILE_S", 1.0)
    monkeypatch.setattr(compact, "PART_S", 3.0)
    parts = analyse_file(task)
    assert not whole.problem and not parts.problem
    assert [(s.start_s, s.end_s) for s in parts.shots] == [(s.start_s, s.end_s)
                                                          for s in whole.shots]
    for one, other in zip(whole.shots, parts.shots, strict=True):  # same samples: same looks
        assert (one.colours, one.image_hash, one.keyframe_s, one.brightness, one.sharpness) == \
            (other.colours, other.image_hash, other.keyframe_s, other.brightness, other.sharpness)
        assert abs(one.motion - other.motion) <= 0.002  # motion summed between kept rows
    monkeypatch.setattr(compact, "MAX_SAMPLES", 20)  # every 0.8 s instead of 0.25 s
    coarse = analyse_file(task)
    assert [(s.start_s, s.end_s) for s in coarse.shots] == [(s.start_s, s.end_s)
                                                           for s in whole.shots]
    for one, other in zip(whole.shots, coarse.shots, strict=True):
        assert abs(one.brightness - other.brightness) < 0.01
        assert abs(one.motion - other.motion) < 0.01
        assert other.extra["thumbnail"] and other.image_hash
        assert set(other.colours) & set(one.colours)


def test_a_long_files_sound_is_heard_in_windows(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from reelforge.media import speech

    calls: list[tuple[float, int]] = []

    def read_part(path: Path, start_s: float, duration_s: float) -> np.ndarray:
        calls.append((start_s, int(duration_s)))
        return np.zeros(int(duration_s * speech.RATE), np.float32)

    class Heard:
        def transcribe(self, audio: np.ndarray, *, fallback: bool,
                       vad: bool) -> list[speech.HeardWord]:
            assert not fallback and vad and audio.size <= 9 * speech.RATE  # a window + 5 s
            return [speech.HeardWord("hello", 1.0, 1.5)]

    monkeypatch.setattr(speech, "read_speech_part", read_part)
    monkeypatch.setattr(speech, "recogniser", lambda threads=None: Heard())
    monkeypatch.setattr(speech, "voiced_only", lambda heard, voiced: heard)
    monkeypatch.setattr(footage_analyse, "LONG_FILE_S", 5.0)
    monkeypatch.setattr(footage_analyse, "SPEECH_WINDOW_S", 4.0)
    words = footage_analyse.heard_words(tmp_path / "any.mp4", 10.0)
    # each window keeps the words starting in it and the next starts where the last one ended
    # (or half a window on: nothing is said later in this one)
    assert calls == [(0.0, 9), (2.0, 9), (4.0, 9), (6.0, 4)]
    assert words == [("hello", 1.0, 1.5), ("hello", 3.0, 3.5), ("hello", 5.0, 5.5),
                     ("hello", 7.0, 7.5)]
