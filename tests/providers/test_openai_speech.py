"""OpenAISpeechVoice against the OpenAI fake's /v1/audio/speech over loopback."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from reelforge.errors import InputError, ProviderError
from reelforge.fakes.server import RunningFakes
from reelforge.providers.base import SpeechRequest
from reelforge.providers.http import ProviderHttpError
from reelforge.providers.voice.openai_speech import OpenAISpeechVoice
from reelforge.settings import Settings

from .conftest import paid_when_done

ROUTE = "POST /v1/audio/speech"
SENTENCES = ("Octopuses have three hearts.", "Each arm can taste what it touches.")


@pytest.fixture
def voice(remote_settings: Settings) -> OpenAISpeechVoice:
    return OpenAISpeechVoice.from_settings(remote_settings)


def test_openai_speech_makes_one_request_per_sentence_and_times_each_cue(
    voice: OpenAISpeechVoice, fakes: RunningFakes, tmp_path: Path
) -> None:
    out = tmp_path / "speech.wav"
    result = voice.speak(SpeechRequest(sentences=SENTENCES, voice="coral", emotion="calm",
                                       intensity=0.2), out)
    with wave.open(str(out)) as wav:
        assert wav.getnchannels() == 1
        seconds = wav.getnframes() / wav.getframerate()
    assert seconds == pytest.approx(result.duration_s, abs=1e-3)
    assert [c.text for c in result.cues] == list(SENTENCES)
    assert result.cues[1].start_s == pytest.approx(result.cues[0].end_s)
    assert len(result.calls) == 2 and all(c.request_id for c in result.calls)
    assert all(c.cost_usd > 0 for c in result.calls)
    bodies = fakes["openai"].state.bodies[ROUTE]
    assert [b["input"] for b in bodies] == list(SENTENCES)
    assert bodies[0]["response_format"] == "wav" and bodies[0]["voice"] == "coral"
    assert bodies[0]["model"] == "gpt-4o-mini-tts"
    assert bodies[0]["instructions"] == (
        "Speak in a slightly calm and unhurried, soft and steady tone.")
    assert fakes["openai"].state.paid["speech"] == 2


def test_openai_speech_leaves_out_instructions_for_tts_1(
    remote_settings: Settings, fakes: RunningFakes, tmp_path: Path
) -> None:
    voice = OpenAISpeechVoice.from_settings(
        remote_settings.model_copy(update={"openai_speech_model": "tts-1"}))
    voice.speak(SpeechRequest(sentences=SENTENCES[:1], voice="nova", emotion="happy"),
                tmp_path / "a.wav")
    (body,) = fakes["openai"].state.bodies[ROUTE]
    assert "instructions" not in body


@pytest.mark.parametrize("fault", ["429", "500", "503"])
def test_openai_speech_retries_each_refusal_of_the_server_then_pays_once(
    fault: str, impatient_paid_settings: Settings, fakes: RunningFakes, tmp_path: Path
) -> None:
    fakes["openai"].state.inject(ROUTE, fault, times=1)
    voice = OpenAISpeechVoice.from_settings(impatient_paid_settings)
    result = voice.speak(SpeechRequest(sentences=SENTENCES[:1], voice="coral"), tmp_path / "a.wav")
    assert result.calls[0].attempts == 2
    assert fakes["openai"].state.requests[ROUTE] == 2
    assert fakes["openai"].state.paid["speech"] == 1


@pytest.mark.parametrize("fault", ["drop", "malformed", "slow", "502", "504"])
def test_openai_speech_is_not_resent_once_it_may_have_been_billed(
    fault: str, impatient_paid_settings: Settings, fakes: RunningFakes, tmp_path: Path
) -> None:
    fakes["openai"].state.inject(ROUTE, fault, times=1)
    voice = OpenAISpeechVoice.from_settings(impatient_paid_settings)
    with pytest.raises(ProviderHttpError) as caught:
        voice.speak(SpeechRequest(sentences=SENTENCES[:1], voice="coral"), tmp_path / "a.wav")
    assert caught.value.kind == "unconfirmed" and not caught.value.retryable
    assert "not retried, to avoid paying twice" in str(caught.value)
    if fault == "slow":
        assert paid_when_done(fakes["openai"].state, "speech") == 1
    assert fakes["openai"].state.requests[ROUTE] == 1


def test_openai_speech_slower_than_the_read_timeout_finishes_within_the_generation_timeout(
    impatient_settings: Settings, fakes: RunningFakes, tmp_path: Path
) -> None:
    fakes["openai"].state.inject(ROUTE, "slow", times=1)
    voice = OpenAISpeechVoice.from_settings(impatient_settings)
    result = voice.speak(SpeechRequest(sentences=SENTENCES[:1], voice="coral"), tmp_path / "a.wav")
    assert result.calls[0].attempts == 1
    assert fakes["openai"].state.requests[ROUTE] == 1 == fakes["openai"].state.paid["speech"]


def test_openai_speech_gives_up_after_the_retry_budget(
    voice: OpenAISpeechVoice, fakes: RunningFakes, tmp_path: Path
) -> None:
    fakes["openai"].state.inject(ROUTE, "503", times=10)
    with pytest.raises(ProviderError, match="gave up after 4 attempts"):
        voice.speak(SpeechRequest(sentences=SENTENCES[:1], voice="coral"), tmp_path / "a.wav")
    assert fakes["openai"].state.requests[ROUTE] == 4 and not (tmp_path / "a.wav").exists()


def test_openai_speech_unknown_voice_is_a_clear_error_naming_the_voice(
    voice: OpenAISpeechVoice, fakes: RunningFakes, tmp_path: Path
) -> None:
    with pytest.raises(ProviderError, match="'mermaid'") as caught:
        voice.speak(SpeechRequest(sentences=SENTENCES[:1], voice="mermaid"), tmp_path / "a.wav")
    assert caught.value.status == 400
    assert fakes["openai"].state.requests[ROUTE] == 1


def test_openai_speech_rejects_an_overlong_sentence_before_sending(
    voice: OpenAISpeechVoice, fakes: RunningFakes, tmp_path: Path
) -> None:
    with pytest.raises(InputError, match="4096"):
        voice.speak(SpeechRequest(sentences=("word " * 1000,), voice="coral"), tmp_path / "a.wav")
    assert fakes["openai"].state.requests[ROUTE] == 0


def test_openai_speech_lists_the_builtin_voices_with_their_prefix(voice: OpenAISpeechVoice) -> None:
    ids = [v.id for v in voice.voices()]
    assert "openai:coral" in ids and all(i.startswith("openai:") for i in ids)


def test_openai_speech_records_one_ledger_entry_per_sentence(
    voice: OpenAISpeechVoice, fakes: RunningFakes, tmp_path: Path
) -> None:
    from reelforge.providers import spend

    ledger = spend.MemorySpendLedger()
    scope = spend.SpendScope(tenant_id=1, job_id="job-1", step="narrate scene-01")
    with spend.recording(ledger, scope):
        result = voice.speak(SpeechRequest(sentences=SENTENCES, voice="coral"),
                             tmp_path / "a.wav")
    assert [e.state for e in ledger.entries] == ["confirmed", "confirmed"]
    assert [e.settlement.cost_usd for e in ledger.entries if e.settlement] == pytest.approx(
        [c.cost_usd for c in result.calls], abs=1e-6)
    assert fakes["openai"].state.paid["speech"] == 2
