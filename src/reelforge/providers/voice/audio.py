"""Small audio operations on float mono arrays: trimming, pitch, silence, writing WAVs safely."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly


def trim_silence(
    audio: np.ndarray, threshold: float = 0.01, keep_s: float = 0.03, sample_rate: int = 22050
) -> np.ndarray:
    """Drop leading and trailing near-silence, keeping a few ms so words are not clipped."""
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if loud.size == 0:
        return audio[:0]
    keep = int(keep_s * sample_rate)
    return audio[max(0, loud[0] - keep) : min(audio.size, loud[-1] + keep)]


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
