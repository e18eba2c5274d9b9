"""A long recording is heard a window at a time (bounded memory, issue 18's hour of talk):
no word is lost or heard twice at a window's edge, and a real spoken talk heard in windows
gives the words and times it gives heard whole."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from reelforge.media import heard
from reelforge.media.speech import RATE, HeardWord, heard_in_windows

from .conftest import Talk


def test_windows_lose_no_word_and_hear_none_twice() -> None:
    said = [(f"w{i}", round(t, 3), round(t + 0.45, 3))
            for i, t in enumerate(np.arange(0.2, 699.0, 0.61))]
    reads: list[tuple[float, float]] = []

    def read_part(start: float, length: float) -> np.ndarray:
        reads.append((start, length))
        return np.zeros(int(length * RATE), np.float32)

    def hear(audio: np.ndarray) -> list[HeardWord]:
        # what a recogniser can hear: the words wholly inside the stretch it is given
        start, length = reads[-1]
        return [HeardWord(w, a - start, b - start) for w, a, b in said
                if a >= start and b <= start + length]

    words = heard_in_windows(700.0, read_part, hear, window_s=120.0, overlap_s=5.0)
    assert [w.text for w in words] == [w for w, _, _ in said]
    assert np.allclose([(w.start_s, w.end_s) for w in words], [(a, b) for _, a, b in said])
    assert len(reads) == 6 and max(length for _, length in reads) == 125.0  # bounded


def test_a_window_with_a_long_silence_still_moves_on() -> None:
    def hear(audio: np.ndarray) -> list[HeardWord]:
        return [HeardWord("hello", 1.0, 1.5)]  # only near each window's start

    reads: list[float] = []

    def read_part(start: float, length: float) -> np.ndarray:
        reads.append(start)
        return np.zeros(int(length * RATE), np.float32)

    words = heard_in_windows(400.0, read_part, hear, window_s=100.0)
    assert reads == [0.0, 50.0, 100.0, 150.0, 200.0, 250.0, 300.0]
    assert len(words) == len(reads)


@pytest.mark.slow
def test_a_talk_heard_in_windows_is_heard_as_whole(
        talk_video: Talk, monkeypatch: pytest.MonkeyPatch) -> None:
    from reelforge.media.ffmpeg import find_ffmpeg

    ffmpeg = find_ffmpeg()
    whole = heard.heard_words(talk_video.path, ffmpeg)
    monkeypatch.setattr(heard, "WHOLE_UP_TO_S", 5.0)
    monkeypatch.setattr("reelforge.media.speech.LONG_WINDOW_S", 12.0)
    windowed = heard.heard_words(talk_video.path, ffmpeg)
    texts = [w.text.lower().strip(".,?!") for w in whole]
    again = [w.text.lower().strip(".,?!") for w in windowed]
    import difflib

    same = difflib.SequenceMatcher(a=texts, b=again, autojunk=False)
    matched = sum(block.size for block in same.get_matching_blocks())
    assert matched >= 0.95 * len(texts), (texts, again)
    assert len(again) <= len(texts) + 2  # nothing heard twice at an edge
    assert all(b.start_s >= a.start_s for a, b in itertools.pairwise(windowed))
