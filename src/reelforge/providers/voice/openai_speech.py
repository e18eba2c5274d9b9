"""OpenAI-compatible speech (``POST /v1/audio/speech``) as a Voice.

One request per sentence, so each cue's time comes from its own audio; ``instructions`` carries
the emotion and intensity (gpt-4o-mini-tts follows it; tts-1 ignores it). Any server with the
same route works (point OPENAI_BASE_URL at it).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import httpx

from reelforge.domain import ProviderCall
from reelforge.errors import InputError
from reelforge.providers import metrics
from reelforge.providers.base import SpeechRequest, SpeechResult, VoiceInfo
from reelforge.providers.http import HttpPolicy, ProviderHttp, run_sync
from reelforge.providers.paid_calls import paid_call
from reelforge.providers.voice.remote_wav import (
    Pcm,
    acting_direction,
    join_sentences,
    read_wav,
    write_wav,
)
from reelforge.settings import Settings

PROVIDER = "openai"
MAX_INPUT_CHARS = 4096
VOICES = ("alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer",
          "verse")
#: (USD per million input characters, USD per minute of audio); published list prices.
PRICES = {"tts-1": (15.0, 0.0), "tts-1-hd": (30.0, 0.0), "gpt-4o-mini-tts": (0.0, 0.015)}
FOLLOWS_INSTRUCTIONS = ("gpt-4o-mini-tts",)
WORDS_PER_SECOND = 2.5  # speech length guessed for the ledger's estimate before the reply


class OpenAISpeechVoice:
    """Speaks through ``/v1/audio/speech`` of OpenAI or any compatible server."""

    name = "openai"

    def __init__(
        self,
        api_key: str,
        *,
        model: str = "gpt-4o-mini-tts",
        base_url: str = "https://api.openai.com/v1",
        speed: float = 1.0,
        policy: HttpPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._api_key = api_key
        self.model = model
        self.base_url = base_url
        self.speed = speed
        self.policy = policy or HttpPolicy()
        self.version = f"1:{model}"
        self._transport = transport

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAISpeechVoice:
        if settings.openai_api_key is None:
            raise InputError(
                "the OpenAI speech voice needs an API key",
                hint="set OPENAI_API_KEY (any value for a local compatible server), or pick an"
                " offline voice such as --voice joe",
            )
        return cls(
            settings.openai_api_key.get_secret_value(),
            model=settings.openai_speech_model,
            base_url=settings.openai_base_url,
            speed=settings.openai_speech_speed,
            policy=HttpPolicy.from_settings(settings),
        )

    def voices(self) -> list[VoiceInfo]:
        return [
            VoiceInfo(id=f"openai:{v}", name=v, language="en", accent="", gender="",
                      engine=self.name, description=f"OpenAI {self.model} voice")
            for v in VOICES
        ]

    def speak(self, request: SpeechRequest, out_wav: Path) -> SpeechResult:
        sentences = [s.strip() for s in request.sentences if s.strip()]
        if not sentences:
            raise InputError("there is nothing to say", hint="give the scene some narration")
        too_long = next((s for s in sentences if len(s) > MAX_INPUT_CHARS), None)
        if too_long is not None:
            raise InputError(
                f"a sentence is {len(too_long)} characters; the speech API takes at most"
                f" {MAX_INPUT_CHARS}",
                hint="split it into shorter sentences",
            )
        voice = request.voice.strip() or "coral"
        pieces, calls = run_sync(self._speak(sentences, voice, request))
        pcm, cues = join_sentences(pieces)
        write_wav(out_wav, pcm)
        return SpeechResult(duration_s=pcm.duration_s, sample_rate=pcm.sample_rate, cues=cues,
                            calls=calls)

    async def _speak(
        self, sentences: list[str], voice: str, request: SpeechRequest
    ) -> tuple[list[tuple[str, Pcm]], list[ProviderCall]]:
        instructions = None
        if self.model in FOLLOWS_INSTRUCTIONS:
            direction = acting_direction(request.emotion, request.intensity)
            instructions = f"Speak in a {direction} tone." if direction else None
        pieces: list[tuple[str, Pcm]] = []
        calls: list[ProviderCall] = []
        http = ProviderHttp(
            PROVIDER, self.base_url, policy=self.policy, key_name="OPENAI_API_KEY",
            headers={"Authorization": f"Bearer {self._api_key}"}, secrets=[self._api_key],
            transport=self._transport,
        )
        async with http:
            for index, text in enumerate(sentences):
                body: dict[str, Any] = {"model": self.model, "voice": voice, "input": text,
                                        "response_format": "wav", "speed": self.speed}
                if instructions:
                    body["instructions"] = instructions
                estimate = self._cost(text, len(text.split()) / WORDS_PER_SECOND)
                with paid_call(PROVIDER, "audio.speech", self.model, request=body,
                               estimated_cost_usd=estimate) as paid:
                    reply = await http.request(
                        "synthesize speech", "POST", "/audio/speech", json_body=body,
                        parse=functools.partial(read_wav, provider=PROVIDER,
                                                what=f"audio of sentence {index + 1}"),
                        paid=True,  # billed, not idempotent: never resent once it may have arrived
                    )
                    pcm: Pcm = reply.data
                    cost = self._cost(text, pcm.duration_s)
                    paid.confirm(request_id=reply.request_id, cost_usd=cost)
                pieces.append((text, pcm))
                metrics.record_cost(PROVIDER, "speech", cost)
                calls.append(ProviderCall(
                    provider=PROVIDER, operation="audio.speech", model=self.model,
                    duration_s=round(reply.duration_s, 3), cost_usd=round(cost, 6),
                    request_id=reply.request_id, attempts=reply.attempts,
                ))
        return pieces, calls

    def _cost(self, text: str, audio_s: float) -> float:
        per_m_chars, per_minute = PRICES.get(self.model, (0.0, 0.0))
        return len(text) * per_m_chars / 1e6 + audio_s / 60 * per_minute
