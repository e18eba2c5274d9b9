"""HumeVoice against the Hume fake over real HTTP on loopback."""

from __future__ import annotations

import wave
from pathlib import Path

import httpx
import pytest

from reelforge.errors import InputError, ProviderError
from reelforge.fakes.server import RunningFakes
from reelforge.providers import spend
from reelforge.providers.base import SpeechRequest
from reelforge.providers.http import HttpPolicy, ProviderHttpError
from reelforge.providers.spend import MemorySpendLedger, PaidRequest, SpendScope
from reelforge.providers.voice.hume import HumeVoice
from reelforge.settings import Settings

from .conftest import FAST, TEST_KEY, paid_when_done


def wav_info(path: Path) -> tuple[int, int, float]:
    """(channels, sample rate, seconds) of a WAV file."""
    with wave.open(str(path)) as wav:
        return wav.getnchannels(), wav.getframerate(), wav.getnframes() / wav.getframerate()


ROUTE = "POST /v0/tts"
SCOPE = SpendScope(tenant_id=1, job_id="job-1", step="narrate scene-01")
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


class FailFirstConnect(httpx.AsyncHTTPTransport):
    """A real loopback transport whose first request fails before reaching the server."""

    def __init__(self, error: type[httpx.TransportError]) -> None:
        super().__init__()
        self.error: type[httpx.TransportError] | None = error

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.error is not None:
            error, self.error = self.error, None
            raise error("fake: no connection", request=request)
        return await super().handle_async_request(request)


@pytest.mark.parametrize("fault", ["429", "500", "503"])
def test_hume_client_retries_a_paid_call_the_server_refused_then_pays_once(
    fault: str, impatient_paid_settings: Settings, fakes: RunningFakes, tmp_path: Path
) -> None:
    hume = HumeVoice.from_settings(impatient_paid_settings)
    fakes["hume"].state.inject(ROUTE, fault, times=1)
    _, result = speak(hume, tmp_path)
    assert result.calls[0].attempts == 2
    assert fakes["hume"].state.requests[ROUTE] == 2
    assert fakes["hume"].state.paid["tts"] == 1


@pytest.mark.parametrize("error", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
def test_hume_client_retries_a_paid_call_that_never_connected_then_pays_once(
    error: type[httpx.TransportError], remote_settings: Settings, fakes: RunningFakes,
    tmp_path: Path,
) -> None:
    hume = HumeVoice(TEST_KEY, base_url=remote_settings.hume_base_url,
                     policy=HttpPolicy.from_settings(remote_settings),
                     transport=FailFirstConnect(error))
    _, result = speak(hume, tmp_path)
    assert result.calls[0].attempts == 2
    assert fakes["hume"].state.requests[ROUTE] == 1  # the first try never arrived
    assert fakes["hume"].state.paid["tts"] == 1


def test_hume_synthesis_slower_than_the_timeout_is_paid_once_and_not_retried(
    impatient_paid_settings: Settings, fakes: RunningFakes, tmp_path: Path
) -> None:
    fakes["hume"].state.inject(ROUTE, "slow", times=1)
    with pytest.raises(ProviderHttpError) as caught:
        speak(HumeVoice.from_settings(impatient_paid_settings), tmp_path)
    error = caught.value
    assert not error.retryable and error.kind == "unconfirmed" and error.attempts == 1
    assert "may have been processed and charged" in error.message
    assert "not retried, to avoid paying twice" in error.message
    assert "REELFORGE_HTTP_GENERATION_TIMEOUT_S" in (error.hint or "")
    assert "re-run the job" in (error.hint or "")
    assert paid_when_done(fakes["hume"].state, "tts") == 1  # the fake finished and billed it
    assert fakes["hume"].state.requests[ROUTE] == 1
    assert not (tmp_path / "speech.wav").exists()


@pytest.mark.parametrize("fault", ["drop", "malformed"])
def test_hume_broken_reply_to_a_paid_call_is_not_retried(
    fault: str, impatient_paid_settings: Settings, fakes: RunningFakes, tmp_path: Path
) -> None:
    fakes["hume"].state.inject(ROUTE, fault, times=1)
    with pytest.raises(ProviderHttpError) as caught:
        speak(HumeVoice.from_settings(impatient_paid_settings), tmp_path)
    assert caught.value.kind == "unconfirmed" and not caught.value.retryable
    assert "may have been processed and charged" in str(caught.value)
    assert fakes["hume"].state.requests[ROUTE] == 1


def test_hume_generation_timeout_lets_a_slow_synthesis_finish_with_one_paid_call(
    impatient_settings: Settings, fakes: RunningFakes, tmp_path: Path
) -> None:
    """Read timeout 0.4 s, generation timeout 20 s: the 1 s synthesis is waited for."""
    assert impatient_settings.http_read_timeout_s < FAST.slow_response_s
    assert impatient_settings.http_generation_timeout_s > FAST.slow_response_s
    fakes["hume"].state.inject(ROUTE, "slow", times=1)
    _, result = speak(HumeVoice.from_settings(impatient_settings), tmp_path)
    assert result.calls[0].attempts == 1 and result.calls[0].duration_s >= FAST.slow_response_s
    assert fakes["hume"].state.requests[ROUTE] == 1
    assert fakes["hume"].state.paid["tts"] == 1


def test_hume_voice_list_that_times_out_is_still_retried(
    impatient_paid_settings: Settings, fakes: RunningFakes
) -> None:
    from reelforge.fakes.hume import LIBRARY_VOICES

    fakes["hume"].state.inject("GET /v0/tts/voices", "slow", times=1)
    voices = HumeVoice.from_settings(impatient_paid_settings).voices()
    assert len(voices) == len(LIBRARY_VOICES)
    assert fakes["hume"].state.requests["GET /v0/tts/voices"] == 2


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


@pytest.mark.parametrize("status", ["502", "504"])
def test_hume_gateway_error_to_a_paid_call_is_not_resent_and_recorded_as_maybe_billed(
    status: str, hume: HumeVoice, fakes: RunningFakes, tmp_path: Path
) -> None:
    """A 502/504 comes from a gateway in front of Hume: the request may have reached it."""
    ledger = MemorySpendLedger()
    fakes["hume"].state.inject(ROUTE, status, times=1)
    with spend.recording(ledger, SCOPE), pytest.raises(ProviderHttpError) as caught:
        speak(hume, tmp_path)
    assert caught.value.kind == "unconfirmed" and caught.value.status == int(status)
    assert "not retried, to avoid paying twice" in str(caught.value)
    assert fakes["hume"].state.requests[ROUTE] == 1
    (entry,) = ledger.entries
    assert entry.state == "failed" and entry.settlement is not None
    assert entry.settlement.may_have_billed is True


def test_hume_paid_call_is_in_the_ledger_before_it_is_sent_then_confirmed(
    hume: HumeVoice, fakes: RunningFakes, tmp_path: Path
) -> None:
    seen_before_send: list[str] = []

    class Watching(MemorySpendLedger):
        def before_send(self, scope: SpendScope, request: PaidRequest) -> str:
            seen_before_send.append(f"{fakes['hume'].state.requests[ROUTE]} requests so far")
            return super().before_send(scope, request)

    ledger = Watching()
    with spend.recording(ledger, SCOPE):
        _, result = speak(hume, tmp_path)
    assert seen_before_send == ["0 requests so far"]
    (entry,) = ledger.entries
    (call,) = result.calls  # type: ignore[attr-defined]
    assert (entry.scope, entry.request.provider, entry.request.operation) == (SCOPE, "hume", "tts")
    assert entry.request.model == hume.model
    assert entry.request.estimated_cost_usd == pytest.approx(call.cost_usd)
    assert entry.state == "confirmed" and entry.settlement is not None
    assert entry.settlement.request_id == call.request_id
    assert entry.settlement.cost_usd == pytest.approx(call.cost_usd)


def test_hume_paid_call_the_server_refused_is_recorded_as_not_billed(
    hume: HumeVoice, fakes: RunningFakes, tmp_path: Path
) -> None:
    ledger = MemorySpendLedger()
    fakes["hume"].state.inject(ROUTE, "503", times=10)
    with spend.recording(ledger, SCOPE), pytest.raises(ProviderError):
        speak(hume, tmp_path)
    (entry,) = ledger.entries
    assert entry.state == "failed" and entry.settlement is not None
    assert entry.settlement.may_have_billed is False


def test_hume_without_a_recording_writes_no_ledger_and_still_speaks(
    hume: HumeVoice, fakes: RunningFakes, tmp_path: Path
) -> None:
    assert spend.current() is None
    out, _ = speak(hume, tmp_path)
    assert out.exists()


def test_hume_engine_version_changes_with_the_octave_version(remote_settings: Settings) -> None:
    """The version keys the step cache: other Octave audio must not be reused."""
    versions = {HumeVoice.from_settings(remote_settings.model_copy(
        update={"hume_octave_version": v})).version for v in (None, "1", "2")}
    assert len(versions) == 3
