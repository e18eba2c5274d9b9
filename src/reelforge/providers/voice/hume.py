"""Hume Octave TTS as a Voice: ``POST /v0/tts`` with one utterance per sentence.

One utterance per sentence with ``split_utterances: false`` gives one snippet per sentence, so
every subtitle cue is timed from the audio itself. The emotion and intensity become Hume's acting
``description``. Hume's docs announce the end of TTS API access on 2026-11-13; the client stays
complete behind the Voice Protocol so another engine can take its place.
"""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path
from typing import Any

import httpx

from reelforge.domain import ProviderCall
from reelforge.errors import InputError, ProviderError
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

PROVIDER = "hume"
_UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
MAX_UTTERANCES_PER_REQUEST = 12
MAX_CHARS_PER_REQUEST = 4000
VOICES_PAGE_SIZE = 50


class HumeVoice:
    """Speaks through Hume's Octave TTS REST API (voice by name or id, library or custom)."""

    name = "hume"

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = "https://api.hume.ai",
        policy: HttpPolicy | None = None,
        voice_provider: str = "HUME_AI",
        octave_version: str | None = None,
        usd_per_1k_chars: float = 0.20,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._api_key = api_key
        self.base_url = base_url
        self.policy = policy or HttpPolicy()
        self.voice_provider = voice_provider
        self.octave_version = octave_version
        self.usd_per_1k_chars = usd_per_1k_chars
        self._transport = transport
        self.model = f"octave-{octave_version or 'auto'}"
        # the step cache key: another Octave version speaks differently, so it is new audio
        self.version = f"2:{self.model}"

    @classmethod
    def from_settings(cls, settings: Settings) -> HumeVoice:
        if settings.hume_api_key is None:
            raise InputError(
                "the Hume voice needs an API key",
                hint="set HUME_API_KEY (or pick an offline voice such as --voice joe)",
            )
        return cls(
            settings.hume_api_key.get_secret_value(),
            base_url=settings.hume_base_url,
            policy=HttpPolicy.from_settings(settings),
            voice_provider=settings.hume_voice_provider,
            octave_version=settings.hume_octave_version,
            usd_per_1k_chars=settings.hume_usd_per_1k_chars,
        )

    def _http(self) -> ProviderHttp:
        return ProviderHttp(
            PROVIDER, self.base_url, policy=self.policy, key_name="HUME_API_KEY",
            headers={"X-Hume-Api-Key": self._api_key}, secrets=[self._api_key],
            transport=self._transport,
        )

    # --- voices ---------------------------------------------------------------------------------

    def voices(self) -> list[VoiceInfo]:
        """Every voice of the configured provider (Hume's library or your custom voices)."""
        return run_sync(self._voices())

    async def _voices(self) -> list[VoiceInfo]:
        found: list[VoiceInfo] = []
        async with self._http() as http:
            page = 0
            while True:
                reply = await http.request(
                    "list voices", "GET", "/v0/tts/voices",
                    params={"provider": self.voice_provider, "page_number": page,
                            "page_size": VOICES_PAGE_SIZE, "ascending_order": "true"},
                )
                body = reply.data if isinstance(reply.data, dict) else {}
                for item in body.get("voices_page") or []:
                    found.append(VoiceInfo(
                        id=f"hume:{item.get('name') or item.get('id')}",
                        name=str(item.get("name", "")), language="en", accent="", gender="",
                        engine=self.name,
                        description=f"{item.get('provider', self.voice_provider)} voice"
                                    f" {item.get('id', '')}".strip(),
                    ))
                page += 1
                if page >= int(body.get("total_pages") or 1):
                    return found

    # --- speech ---------------------------------------------------------------------------------

    def speak(self, request: SpeechRequest, out_wav: Path) -> SpeechResult:
        sentences = [s.strip() for s in request.sentences if s.strip()]
        if not sentences:
            raise InputError("there is nothing to say", hint="give the scene some narration")
        if not request.voice.strip():
            raise InputError("no Hume voice was named", hint="use e.g. --voice 'hume:Ava Song'")
        pieces, calls = run_sync(self._speak(sentences, request))
        pcm, cues = join_sentences(pieces)
        write_wav(out_wav, pcm)
        return SpeechResult(duration_s=pcm.duration_s, sample_rate=pcm.sample_rate, cues=cues,
                            calls=calls)

    def _voice_spec(self, voice: str) -> dict[str, str]:
        key = "id" if _UUID.match(voice) else "name"
        return {key: voice, "provider": self.voice_provider}

    def _batches(self, sentences: list[str]) -> list[list[str]]:
        batches: list[list[str]] = [[]]
        for sentence in sentences:
            batch = batches[-1]
            if batch and (len(batch) >= MAX_UTTERANCES_PER_REQUEST
                          or sum(map(len, batch)) + len(sentence) > MAX_CHARS_PER_REQUEST):
                batches.append([])
            batches[-1].append(sentence)
        return batches

    async def _speak(
        self, sentences: list[str], request: SpeechRequest
    ) -> tuple[list[tuple[str, Pcm]], list[ProviderCall]]:
        description = acting_direction(request.emotion, request.intensity)
        voice = self._voice_spec(request.voice.strip())
        pieces: list[tuple[str, Pcm]] = []
        calls: list[ProviderCall] = []
        async with self._http() as http:
            for batch in self._batches(sentences):
                utterances: list[dict[str, Any]] = []
                for text in batch:
                    utterance: dict[str, Any] = {"text": text, "voice": voice}
                    if description:
                        utterance["description"] = description
                    utterances.append(utterance)
                body: dict[str, Any] = {
                    "utterances": utterances, "format": {"type": "wav"},
                    "num_generations": 1, "split_utterances": False, "strip_headers": False,
                }
                if self.octave_version:
                    body["version"] = self.octave_version
                cost = sum(map(len, batch)) * self.usd_per_1k_chars / 1000
                # billed per character and not idempotent: never resent once it may have arrived
                with paid_call(PROVIDER, "tts", self.model, request=body,
                               estimated_cost_usd=cost) as paid:
                    reply = await http.request("synthesize speech", "POST", "/v0/tts",
                                               json_body=body, paid=True)
                    data = reply.data if isinstance(reply.data, dict) else {}
                    request_id = data.get("request_id") or reply.request_id
                    paid.confirm(request_id=request_id, cost_usd=cost)
                pieces += self._snippets(data, batch, request_id)
                metrics.record_cost(PROVIDER, "tts", cost)
                calls.append(ProviderCall(
                    provider=PROVIDER, operation="tts", model=self.model,
                    duration_s=round(reply.duration_s, 3), cost_usd=round(cost, 6),
                    request_id=request_id, attempts=reply.attempts,
                ))
        return pieces, calls

    def _snippets(
        self, data: dict[str, Any], batch: list[str], request_id: str | None
    ) -> list[tuple[str, Pcm]]:
        """One validated piece of audio per sentence, from the first generation's snippets."""

        def broken(reason: str) -> ProviderError:
            return ProviderError(f"the TTS reply is unusable: {reason}", provider=PROVIDER,
                                 request_id=request_id, hint="try again; report it if it persists")

        generations = data.get("generations")
        if not isinstance(generations, list) or not generations:
            raise broken("it holds no generations")
        generation = generations[0]
        whole = _b64(generation.get("audio"), broken, "generation audio")
        if generation.get("file_size") not in (None, len(whole)):
            raise broken(f"file_size {generation.get('file_size')} but {len(whole)} bytes arrived")
        encoding = generation.get("encoding") or {}
        if encoding.get("format", "wav") != "wav":
            raise broken(f"asked for wav, got {encoding.get('format')}")
        groups = generation.get("snippets") or []
        if len(groups) != len(batch):
            raise broken(f"{len(batch)} sentences sent, {len(groups)} snippet groups returned")
        pieces = []
        for index, (text, group) in enumerate(zip(batch, groups, strict=True)):
            if not group:
                raise broken(f"no audio for sentence {index + 1}")
            parts = [read_wav(_b64(s.get("audio"), broken, "snippet audio"), provider=PROVIDER,
                              what=f"audio of sentence {index + 1}") for s in group]
            pcm = parts[0] if len(parts) == 1 else join_sentences([("", p) for p in parts])[0]
            pieces.append((text, pcm))
        return pieces


def _b64(value: Any, broken: Any, what: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise broken(f"{what} is missing")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise broken(f"{what} is not valid base64") from None
