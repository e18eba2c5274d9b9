"""HumeVoice against the Hume fake over real HTTP on loopback."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from reelforge.errors import InputError, ProviderError
from reelforge.fakes.server import RunningFakes
from reelforge.providers.base import SpeechRequest
from reelforge.providers.voice.hume import HumeVoice
from reelforge.settings import Settings


def wav_info(path: Path) -> tuple[int, int, float]:
    """(channels, sample rate, seconds) of a WAV file."""
    with wave.open(str(path)) as wav:
        return wav.getnchannels(), wav.getframerate(), wav.getnframes() / wav.getframerate()


ROUTE = "POST /v0/tts"
SENTENCES = ("Octopuses have three hearts.", "Each arm can taste what it touches.")


@pytest.fixture
def hume(remote_settings: Settings) -> HumeVoice:
    return HumeVoice.from_settings(remote_settings)


def speak(hume: HumeVoice, tmp_path: Path, **kwargs: object) -> tuple[Path, object]:
    out = tmp_path / "speech.wav"
    request = SpeechRequest(sentences=SENTENCES, voice="Ava Song", emotion="curious",
                            intensity=0.8, **kwargs)  # type: ignore[arg-type]
    return out, hume.speak(request, out)


def test_hume_speak_writes_mono_wav_with_one_exact_cue_per_sentence(
    hume: HumeVoice, fakes: RunningFakes, tmp_path: Path
) -> None:
    out, result = speak(hume, tmp_path)
    channels, rate, seconds = wav_info(out)
    assert channels == 1 and rate == result.sample_rate
    assert seconds == pytest.approx(result.duration_s, abs=1e-3)
    assert [c.text for c in result.cues] == list(SENTENCES)
    assert result.cues[0].start_s == 0.0
    assert result.cues[0].end_s == pytest.approx(result.cues[1].start_s)
    assert result.cues[-1].end_s == pytest.approx(seconds, abs=1e-3)
    (call,) = result.calls
    assert call.provider == "hume" and call.request_id and call.attempts == 1
    assert call.cost_usd == pytest.approx(sum(map(len, SENTENCES)) * 0.20 / 1000, rel=1e-3)
    assert fakes["hume"].state.paid["tts"] == 1


def test_hume_request_has_one_utterance_per_sentence_with_voice_wav_and_acting_direction(
    hume: HumeVoice, fakes: RunningFakes, tmp_path: Path
) -> None:
    speak(hume, tmp_path)
    (body,) = fakes["hume"].state.bodies[ROUTE]
    assert [u["text"] for u in body["utterances"]] == list(SENTENCES)
    assert body["format"] == {"type": "wav"}
    assert body["split_utterances"] is False
    utterance = body["utterances"][0]
    assert utterance["voice"] == {"name": "Ava Song", "provider": "HUME_AI"}
    assert utterance["description"].startswith("very curious")
    assert len(utterance["description"]) <= 100


def test_hume_voice_given_as_uuid_is_sent_as_id(hume: HumeVoice) -> None:
    uid = "0b7d8bd8-6f55-4b8e-9b0a-3a5c0c7d2f11"
    assert hume._voice_spec(uid) == {"id": uid, "provider": "HUME_AI"}


def test_hume_voices_pages_through_every_voice(hume: HumeVoice, fakes: RunningFakes) -> None:
    from reelforge.fakes.hume import LIBRARY_VOICES

    voices = hume.voices()
    assert sorted(v.name for v in voices) == sorted(LIBRARY_VOICES)
    assert all(v.id.startswith("hume:") and v.engine == "hume" for v in voices)
    assert fakes["hume"].state.requests["GET /v0/tts/voices"] == 1  # 23 voices, pages of 50


def test_hume_voices_follow_page_numbers(remote_settings: Settings, fakes: RunningFakes,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import reelforge.providers.voice.hume as module

    monkeypatch.setattr(module, "VOICES_PAGE_SIZE", 10)
    voices = HumeVoice.from_settings(remote_settings).voices()
    assert len({v.name for v in voices}) == len(voices) == 23
    assert fakes["hume"].state.requests["GET /v0/tts/voices"] == 3


@pytest.mark.parametrize("fault", ["429", "500", "502", "503", "drop", "malformed", "slow"])
def test_hume_client_retries_each_transient_fault_then_succeeds(
    fault: str, impatient_settings: Settings, fakes: RunningFakes, tmp_path: Path
) -> None:
    hume = HumeVoice.from_settings(impatient_settings)
    fakes["hume"].state.inject(ROUTE, fault, times=1)
    _, result = speak(hume, tmp_path)
    assert result.calls[0].attempts == 2
    assert fakes["hume"].state.requests[ROUTE] == 2


def test_hume_client_gives_up_after_max_retries_with_a_clear_error(
    hume: HumeVoice, fakes: RunningFakes, tmp_path: Path
) -> None:
    fakes["hume"].state.inject(ROUTE, "503", times=10)
    with pytest.raises(ProviderError) as caught:
        speak(hume, tmp_path)
    error = caught.value
    assert error.retryable and error.status == 503
    assert "gave up after 4 attempts" in str(error)
    assert fakes["hume"].state.requests[ROUTE] == 4  # 1 try + http_max_retries (3)
    assert not (tmp_path / "speech.wav").exists()


def test_hume_client_does_not_retry_a_rejected_key(
    remote_settings: Settings, fakes: RunningFakes, tmp_path: Path
) -> None:
    from pydantic import SecretStr

    wrong = remote_settings.model_copy(update={"hume_api_key": SecretStr("wrong-key-123")})
    with pytest.raises(ProviderError) as caught:
        speak(HumeVoice.from_settings(wrong), tmp_path)
    assert caught.value.status == 401 and not caught.value.retryable
    assert "HUME_API_KEY" in str(caught.value)
    assert fakes["hume"].state.requests[ROUTE] == 1


def test_hume_unknown_voice_is_a_clear_non_retried_error(
    hume: HumeVoice, fakes: RunningFakes, tmp_path: Path
) -> None:
    with pytest.raises(ProviderError, match="Nobody") as caught:
        hume.speak(SpeechRequest(sentences=("Hi there.",), voice="Nobody"), tmp_path / "x.wav")
    assert caught.value.status == 400
    assert fakes["hume"].state.requests[ROUTE] == 1


def test_hume_without_a_key_is_an_input_error(settings: Settings) -> None:
    with pytest.raises(InputError, match="HUME_API_KEY"):
        HumeVoice.from_settings(settings)
