"""WAV from remote voices: streamed headers, stereo, broken files, exact cue times."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from reelforge.errors import ProviderError
from reelforge.providers.voice.remote_wav import Pcm, acting_direction, join_sentences, read_wav


def wav(samples: np.ndarray, rate: int = 24000, channels: int = 1, data_size: int | None = None,
        bits: int = 16) -> bytes:
    data = samples.astype("<i2").tobytes()
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * channels * 2, channels * 2, bits)
    size = len(data) if data_size is None else data_size
    return (b"RIFF" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE" + b"fmt " + struct.pack("<I", 16)
            + fmt + b"data" + struct.pack("<I", size) + data)


def test_read_wav_accepts_a_streamed_header_with_unknown_sizes() -> None:
    pcm = read_wav(wav(np.arange(2400), data_size=0xFFFFFFFF), provider="openai", what="audio")
    assert pcm.sample_rate == 24000 and len(pcm.samples) == 2400


def test_read_wav_mixes_stereo_down_to_mono() -> None:
    stereo = np.array([[100, 300]] * 10).reshape(-1)
    pcm = read_wav(wav(stereo, channels=2), provider="p", what="audio")
    assert list(pcm.samples) == [200] * 10


@pytest.mark.parametrize("data", [b"", b"ID3\x03mp3 data here", wav(np.arange(10), bits=8)])
def test_read_wav_rejects_what_is_not_16_bit_pcm(data: bytes) -> None:
    with pytest.raises(ProviderError, match="not usable audio"):
        read_wav(data, provider="p", what="audio of sentence 1")


def test_join_sentences_times_each_cue_at_its_sample_offset() -> None:
    a = Pcm(np.zeros(2400, dtype="<i2"), 24000)
    b = Pcm(np.zeros(1200, dtype="<i2"), 12000)  # another rate is resampled
    joined, cues = join_sentences([("One.", a), ("Two.", b)])
    assert joined.sample_rate == 24000 and len(joined.samples) == 4800
    assert [(c.start_s, c.end_s) for c in cues] == [(0.0, 0.1), (0.1, 0.2)]


def test_acting_direction_scales_with_intensity_and_stays_short() -> None:
    assert acting_direction("neutral", 0.5) is None
    assert acting_direction("excited", 0.1).startswith("slightly excited")
    assert acting_direction("excited", 0.9).startswith("very excited")
    assert all(len(acting_direction(e, 1.0) or "") <= 100 for e in ("sad", "dramatic", "x" * 300))
