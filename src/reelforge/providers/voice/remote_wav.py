"""WAV audio from remote voices: validate it, join one piece per sentence, time each cue exactly.

Remote TTS servers stream WAV, so a header may claim a data size of 0 or 0xFFFFFFFF; we read
the chunks ourselves and accept that, but anything that is not 16-bit PCM is an error.
"""

from __future__ import annotations

import io
import os
import struct
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelforge.domain import Cue
from reelforge.errors import ProviderError


@dataclass(frozen=True)
class Pcm:
    """Mono 16-bit little-endian samples and their rate."""

    samples: np.ndarray
    sample_rate: int

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


def read_wav(data: bytes, *, provider: str, what: str) -> Pcm:
    """Parse a PCM WAV (mono or stereo, 16-bit); raise ProviderError if it is anything else."""

    def bad(reason: str) -> ProviderError:
        return ProviderError(f"{what} is not usable audio: {reason}", provider=provider,
                             hint="the provider sent broken audio; try again")

    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise bad("not a RIFF/WAVE file")
    pos, fmt, pcm = 12, None, None
    while pos + 8 <= len(data):
        chunk_id, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body_start = pos + 8
        if chunk_id == b"data":
            end = len(data) if size in (0, 0xFFFFFFFF) else min(len(data), body_start + size)
            pcm = data[body_start:end]
            break
        if chunk_id == b"fmt ":
            fmt = struct.unpack("<HHIIHH", data[body_start:body_start + 16])
        pos = body_start + size + (size & 1)
    if fmt is None or pcm is None:
        raise bad("no fmt or data chunk")
    audio_format, channels, rate, _, _, bits = fmt
    if audio_format not in (1, 0xFFFE) or bits != 16 or channels not in (1, 2) or rate <= 0:
        raise bad(f"format {audio_format}, {channels} channels, {bits} bits (need 16-bit PCM)")
    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % (2 * channels)], dtype="<i2")
    if channels == 2:
        samples = samples.reshape(-1, 2).mean(axis=1).astype("<i2")
    if len(samples) == 0:
        raise bad("no samples")
    return Pcm(samples=samples, sample_rate=rate)


def resample(pcm: Pcm, rate: int) -> Pcm:
    """Linear resampling, only used when a server mixes rates between pieces."""
    if pcm.sample_rate == rate:
        return pcm
    n = round(len(pcm.samples) * rate / pcm.sample_rate)
    x = np.linspace(0, len(pcm.samples) - 1, n)
    out = np.interp(x, np.arange(len(pcm.samples)), pcm.samples.astype(np.float32))
    return Pcm(samples=out.astype("<i2"), sample_rate=rate)


def join_sentences(pieces: list[tuple[str, Pcm]]) -> tuple[Pcm, list[Cue]]:
    """One WAV from per-sentence pieces, with a cue per sentence at its exact sample offset."""
    rate = pieces[0][1].sample_rate
    cues, parts, offset = [], [], 0
    for text, piece in pieces:
        piece = resample(piece, rate)
        cues.append(Cue(text=text, start_s=offset / rate,
                        end_s=(offset + len(piece.samples)) / rate))
        parts.append(piece.samples)
        offset += len(piece.samples)
    return Pcm(samples=np.concatenate(parts), sample_rate=rate), cues


def write_wav(path: Path, pcm: Pcm) -> None:
    """Write atomically: a temporary name beside ``path``, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(pcm.sample_rate)
        wav.writeframes(pcm.samples.astype("<i2").tobytes())
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, path)


def acting_direction(emotion: str, intensity: float) -> str | None:
    """A short acting direction (≤100 characters) from an emotion and a 0..1 intensity."""
    tones = {
        "curious": "curious and inquisitive, leaning in",
        "excited": "excited and energetic, upbeat pace",
        "happy": "happy and bright, smiling while speaking",
        "calm": "calm and unhurried, soft and steady",
        "warm": "warm and friendly, close to the listener",
        "serious": "serious and measured, low and firm",
        "sad": "sad and subdued, slower with gentle pauses",
        "dramatic": "dramatic, building tension, strong emphasis",
        "confident": "confident and assured, clear emphasis",
        "mysterious": "mysterious and hushed, intriguing pauses",
    }
    tone = tones.get(emotion.lower())
    if tone is None:
        return None if emotion.lower() == "neutral" else f"{emotion}"[:100]
    degree = "slightly " if intensity < 0.34 else ("very " if intensity >= 0.67 else "")
    return f"{degree}{tone}"[:100]
