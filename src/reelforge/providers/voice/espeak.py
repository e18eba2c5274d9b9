"""The fallback offline voice: espeak-ng (Debian package), whose accents and variants give many
distinct voices with real pitch control. Robotic next to Piper, but small and always available."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from reelforge.domain import ProviderCall
from reelforge.errors import DependencyMissing, InputError, ProviderError
from reelforge.providers.base import SpeechRequest, SpeechResult, VoiceInfo
from reelforge.providers.voice.audio import join_sentences, trim_silence, write_wav
from reelforge.providers.voice.emotion import voice_style
from reelforge.settings import Settings

# (language code, accent name) x (variant, name, gender): each pair is one voice.
_ACCENTS = [
    ("en-us", "en-US", "American"),
    ("en-gb", "en-GB", "British"),
    ("en-gb-scotland", "en-GB", "Scottish"),
    ("en-029", "en", "Caribbean"),
]
_VARIANTS = [
    ("m1", "Marcus", "male"),
    ("m3", "Oliver", "male"),
    ("m7", "Hugo", "male"),
    ("f1", "Ava", "female"),
    ("f3", "Maya", "female"),
    ("f5", "Nora", "female"),
]
LEAD_IN_S = 0.15


def espeak_voices() -> list[VoiceInfo]:
    voices = []
    for code, language, accent in _ACCENTS:
        for variant, name, gender in _VARIANTS:
            voices.append(
                VoiceInfo(
                    id=f"espeak:{code}+{variant}",
                    name=f"{name} ({accent})",
                    language=language,
                    accent=accent,
                    gender=gender,
                    engine="espeak",
                    description=f"espeak-ng {code} variant {variant}",
                )
            )
    return voices


class EspeakVoiceEngine:
    name = "espeak-ng"
    version = "1"

    def __init__(self, binary: str | None = None) -> None:
        self.binary = binary or shutil.which("espeak-ng") or ""

    @classmethod
    def from_settings(cls, settings: Settings) -> EspeakVoiceEngine:
        return cls()

    def available(self) -> bool:
        return bool(self.binary)

    def voices(self) -> list[VoiceInfo]:
        return espeak_voices()

    def speak(self, request: SpeechRequest, out_wav: Path) -> SpeechResult:
        if not self.binary:
            raise DependencyMissing(
                "espeak-ng is not installed",
                hint="sudo apt-get install espeak-ng, or use --voice joe",
            )
        voice = request.voice.removeprefix("espeak:")
        if f"espeak:{voice}" not in {v.id for v in espeak_voices()}:
            raise InputError(
                f"unknown espeak voice {request.voice!r}",
                hint="run `reelforge voices` to list the voices",
            )
        started = time.monotonic()
        style = voice_style(request.emotion, request.intensity)
        words_per_min = int(165 * style.speed)
        pitch = int(max(0, min(99, 50 + style.pitch_semitones * 6)))
        amplitude = int(max(10, min(200, 100 * style.volume)))
        spoken: list[tuple[str, np.ndarray]] = []
        rate = 22050
        with tempfile.TemporaryDirectory(prefix="rf-espeak-") as tmp:
            for i, sentence in enumerate(request.sentences):
                wav = Path(tmp, f"{i}.wav")
                proc = subprocess.run(
                    [
                        self.binary,
                        "-v",
                        voice,
                        "-s",
                        str(words_per_min),
                        "-p",
                        str(pitch),
                        "-a",
                        str(amplitude),
                        "-w",
                        str(wav),
                        "--",
                        sentence,
                    ],
                    capture_output=True,
                    text=True,
                )
                if proc.returncode != 0 or not wav.exists():
                    raise ProviderError(
                        f"espeak-ng failed: {proc.stderr.strip()[:200]}", provider=self.name
                    )
                audio, rate = sf.read(wav, dtype="float32")
                audio = trim_silence(
                    audio if audio.ndim == 1 else audio.mean(axis=1), sample_rate=rate
                )
                if audio.size:
                    spoken.append((sentence, audio))
        samples, cues = join_sentences(spoken, rate, style.pause_s, LEAD_IN_S)
        write_wav(out_wav, samples, rate)
        call = ProviderCall(
            provider=self.name,
            operation="synthesize",
            model=voice,
            duration_s=time.monotonic() - started,
        )
        return SpeechResult(
            duration_s=samples.size / rate, sample_rate=rate, cues=cues, calls=[call]
        )
