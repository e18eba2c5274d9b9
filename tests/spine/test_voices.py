from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from reelforge.errors import InputError
from reelforge.providers.base import SpeechRequest
from reelforge.providers.voice.emotion import voice_style
from reelforge.providers.voice.espeak import EspeakVoiceEngine
from reelforge.providers.voice.piper import PiperVoiceEngine

SENTENCES = ("Octopuses have three hearts.", "Each arm can taste what it touches.")


@pytest.fixture(scope="module")
def piper() -> PiperVoiceEngine:
    return PiperVoiceEngine()


def test_piper_writes_real_speech_with_one_cue_per_sentence(
    piper: PiperVoiceEngine, tmp_path: Path
) -> None:
    out = tmp_path / "a.wav"
    result = piper.speak(SpeechRequest(sentences=SENTENCES, voice="joe"), out)
    audio, rate = sf.read(out)
    assert rate == result.sample_rate == 22050
    assert abs(len(audio) / rate - result.duration_s) < 1e-3
    assert [c.text for c in result.cues] == list(SENTENCES)
    first, second = result.cues
    assert 0 < first.start_s < first.end_s < second.start_s < second.end_s <= result.duration_s
    gap = audio[int(first.end_s * rate) + 50 : int(second.start_s * rate) - 50]
    assert np.max(np.abs(gap)) < 0.01  # the pause between sentences is silent
    assert np.sqrt(np.mean(audio[int(first.start_s * rate) : int(first.end_s * rate)] ** 2)) > 0.03


def test_excited_speaks_faster_and_higher_than_sad(piper: PiperVoiceEngine, tmp_path: Path) -> None:
    def speak(emotion: str) -> tuple[float, float]:
        out = tmp_path / f"{emotion}.wav"
        result = piper.speak(
            SpeechRequest(sentences=SENTENCES, voice="joe", emotion=emotion, intensity=1.0), out
        )
        audio, rate = sf.read(out)
        spectrum = np.abs(np.fft.rfft(audio))
        freqs = np.fft.rfftfreq(audio.size, 1 / rate)
        speech = sum(c.end_s - c.start_s for c in result.cues)
        centroid = float((spectrum * freqs).sum() / spectrum.sum())
        return speech, centroid

    excited, sad = speak("excited"), speak("sad")
    assert excited[0] < sad[0] * 0.85  # faster
    assert excited[1] > sad[1]  # brighter / higher


def test_intensity_zero_is_the_neutral_reading() -> None:
    assert voice_style("dramatic", 0.0) == voice_style("neutral", 1.0)
    assert voice_style("excited", 0.5).speed == pytest.approx((1.0 + 1.15) / 2)


def test_unknown_emotion_is_a_clear_input_error() -> None:
    with pytest.raises(InputError, match="unknown emotion 'furious'"):
        voice_style("furious", 0.5)


def test_piper_unknown_voice_is_an_input_error(piper: PiperVoiceEngine, tmp_path: Path) -> None:
    with pytest.raises(InputError):
        piper.speak(SpeechRequest(sentences=SENTENCES, voice="nobody"), tmp_path / "x.wav")


@pytest.mark.skipif(
    shutil.which("espeak-ng") is None,
    reason="espeak-ng not installed (make install adds it on Debian as root)",
)
def test_espeak_voices_differ_in_pitch(tmp_path: Path) -> None:
    engine = EspeakVoiceEngine()
    assert len(engine.voices()) >= 10

    def pitch(voice: str) -> float:
        out = tmp_path / f"{voice.replace(':', '_')}.wav"
        engine.speak(SpeechRequest(sentences=("Hello there, this is a test.",), voice=voice), out)
        audio, rate = sf.read(out)
        spectrum = np.abs(np.fft.rfft(audio))
        freqs = np.fft.rfftfreq(audio.size, 1 / rate)
        band = (freqs > 60) & (freqs < 400)
        return float(freqs[band][np.argmax(spectrum[band])])

    assert pitch("espeak:en-us+f3") > pitch("espeak:en-us+m1")
