"""Small audio operations on float mono arrays: trimming, pitch, silence, writing WAVs safely."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

from reelforge.domain import Cue


def loud_span(
    audio: np.ndarray, threshold: float = 0.01, keep_s: float = 0.03, sample_rate: int = 22050
) -> tuple[int, int]:
    """The sample range ``trim_silence`` keeps (callers that time words need its start)."""
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if loud.size == 0:
        return 0, 0
    keep = int(keep_s * sample_rate)
    return max(0, int(loud[0]) - keep), min(audio.size, int(loud[-1]) + keep)


def trim_silence(
    audio: np.ndarray, threshold: float = 0.01, keep_s: float = 0.03, sample_rate: int = 22050
) -> np.ndarray:
    """Drop leading and trailing near-silence, keeping a few ms so words are not clipped."""
    start, end = loud_span(audio, threshold, keep_s, sample_rate)
    return audio[start:end]


def resample_by(audio: np.ndarray, factor: float) -> np.ndarray:
    """Make the audio ``factor`` times shorter (factor > 1 raises the pitch when played back)."""
    if abs(factor - 1.0) < 1e-3:
        return audio
    up, down = 1000, max(1, round(1000 * factor))
    return resample_poly(audio, up, down).astype(np.float32)


def silence(seconds: float, sample_rate: int) -> np.ndarray:
    return np.zeros(max(0, round(seconds * sample_rate)), dtype=np.float32)


def write_wav(path: Path, audio: np.ndarray, sample_rate: int) -> None:
    """Write 16-bit PCM mono, via a temporary name so a crash never leaves half a file."""
    tmp = path.with_name(path.name + ".part")
    sf.write(tmp, np.clip(audio, -1.0, 1.0), sample_rate, subtype="PCM_16", format="WAV")
    os.replace(tmp, path)


def join_sentences(spoken: Sequence[tuple[str, np.ndarray]], sample_rate: int, pause_s: float,
                   lead_s: float) -> tuple[np.ndarray, list[Cue]]:
    """Sentences' audio in order, ``pause_s`` apart, ``lead_s`` of silence around the whole;
    one cue per sentence with its exact start and end in the result."""
    parts: list[np.ndarray] = [silence(lead_s, sample_rate)]
    cues: list[Cue] = []
    position = lead_s
    for i, (text, audio) in enumerate(spoken):
        if i:
            parts.append(silence(pause_s, sample_rate))
            position += pause_s
        cues.append(Cue(text=text, start_s=position, end_s=position + audio.size / sample_rate))
        parts.append(audio)
        position += audio.size / sample_rate
    parts.append(silence(lead_s, sample_rate))
    return np.concatenate(parts), cues
