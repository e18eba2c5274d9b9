"""Speech whose word times are known: each word synthesised alone, trimmed, and joined with
silences of known length — the truth the aligner is measured against."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from reelforge.domain import Cue, Narration
from reelforge.providers.base import SpeechRequest, Voice
from reelforge.providers.voice.audio import trim_silence

SENTENCE = "Octopuses have nine brains and blue blood and they solve puzzles faster than you think"


def spoken_alone(engine: Voice, voice: str, word: str, folder: Path) -> tuple[np.ndarray, int]:
    wav = folder / f"{abs(hash((voice, word)))}.wav"
    engine.speak(SpeechRequest(sentences=(word,), voice=voice), wav)
    audio, rate = sf.read(wav, dtype="float32")
    return trim_silence(audio, keep_s=0.0, sample_rate=rate), rate


def joined_with_known_silences(
    speak: Callable[[str], tuple[np.ndarray, int]], words: list[str], out_wav: Path, seed: int = 0
) -> tuple[Narration, list[tuple[float, float]]]:
    """One narration of ``words`` (one cue, the whole sentence) and each word's true span."""
    rng = np.random.default_rng(seed)
    parts, truth, rate, at = [], [], 22050, 0.3
    for word in words:
        audio, rate = speak(word)
        if not parts:
            parts.append(np.zeros(round(0.3 * rate), np.float32))
        truth.append((at, at + audio.size / rate))
        gap = np.zeros(round(float(rng.uniform(0.08, 0.3)) * rate), np.float32)
        parts += [audio, gap]
        at += (audio.size + gap.size) / rate
    sf.write(out_wav, np.concatenate(parts), rate, subtype="PCM_16")
    narration = Narration(scene_index=0, audio=out_wav.name, duration_s=at, sample_rate=rate,
                          cues=[Cue(text=" ".join(words), start_s=truth[0][0],
                                    end_s=truth[-1][1])], engine="test", voice="test")
    return narration, truth


@pytest.fixture(scope="session")
def piper_engine() -> Voice:
    from reelforge.providers.voice.piper import PiperVoiceEngine

    return PiperVoiceEngine()
