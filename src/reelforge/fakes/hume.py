"""A faithful local Hume Octave TTS server: ``/v0/tts`` (JSON, file, NDJSON stream) and voices.

Same paths, ``X-Hume-Api-Key`` auth, FastAPI-style 422 bodies, ``ReturnTts`` shapes (base64
audio whose ``file_size`` is its decoded length, nested ``snippets``), zero-based voice paging;
the speech is real, spoken by reelforge's offline voice.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from reelforge.fakes import media
from reelforge.fakes.common import (
    FakeConfig,
    FakeState,
    add_admin_routes,
    http_fault,
    key_matches,
    request_id,
)
from reelforge.settings import Settings

LIBRARY_VOICES = (
    "Ava Song", "Kora", "Colton Rivers", "Imani Carter", "Vince Douglas", "Sitcom Girl",
    "Male English Actor", "Terrence Bentley", "Literature Professor", "Campfire Narrator",
    "Booming American Narrator", "Nature Documentary Narrator", "Spanish Instructor",
    "French Chef", "Whimsical Poet", "Serene Assistant", "Lady Elizabeth", "Donovan Sinclair",
    "Mysterious Woman", "Charming Cowgirl", "Sebastian Lockwood", "Alice Bennett", "Ivy",
)
FORMAT_MEDIA = {"wav": "audio/wav", "mp3": "audio/mpeg", "pcm": "audio/pcm"}


class PostedVoice(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = None
    name: str | None = None
    provider: Literal["HUME_AI", "CUSTOM_VOICE"] = "CUSTOM_VOICE"

    @model_validator(mode="after")
    def _id_or_name(self) -> PostedVoice:
        if (self.id is None) == (self.name is None):
            raise ValueError("give exactly one of voice.id or voice.name")
        return self


class PostedUtterance(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=5000)
    description: str | None = Field(default=None, max_length=1000)
    voice: PostedVoice | None = None
    speed: float | None = Field(default=None, ge=0.25, le=3.0)
    trailing_silence: float | None = Field(default=None, ge=0.0, le=5.0)


class PostedFormat(BaseModel):
    type: Literal["mp3", "wav", "pcm"]


class PostedTts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    utterances: list[PostedUtterance] = Field(min_length=1)
    context: dict[str, Any] | None = None
    format: PostedFormat | None = None
    num_generations: int = Field(default=1, ge=1, le=5)
    split_utterances: bool = True
    strip_headers: bool = False
    include_timestamp_types: list[Literal["word", "phoneme"]] | None = None
    version: Literal["1", "2"] | None = None
    instant_mode: bool | None = None

    @model_validator(mode="after")
    def _octave2_needs_voice(self) -> PostedTts:
        if self.version == "2" and self.utterances[0].voice is None:
            raise ValueError("Octave 2 (version '2') requires a voice on the first utterance")
        return self


def hume_error(status: int, message: str) -> dict[str, Any]:
    return {"error": message, "message": message, "code": f"E{status}"}


def _unauthorized() -> JSONResponse:
    return JSONResponse(
        {"fault": {"faultstring": "Invalid ApiKey",
                   "detail": {"errorcode": "oauth.v2.InvalidApiKey"}}},
        status_code=401,
    )


def _validation_error(exc: ValidationError) -> JSONResponse:
    detail = [
        {"loc": ["body", *err["loc"]], "msg": err["msg"], "type": err["type"]}
        for err in exc.errors(include_url=False)
    ]
    return JSONResponse({"detail": detail}, status_code=422)


def create_app(settings: Settings, config: FakeConfig | None = None) -> FastAPI:
    """The Hume fake as an ASGI app; its FakeState is ``app.state.fake``."""
    state = FakeState(config or FakeConfig.from_settings(settings))
    state.data["custom_voices"] = [
        {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"hume-custom-{n}")), "name": n,
         "provider": "CUSTOM_VOICE", "compatible_octave_models": ["1", "2"]}
        for n in ("My Narrator", "Brand Voice")
    ]
    app = FastAPI(title="fake Hume TTS", docs_url=None, redoc_url=None,
                  redirect_slashes=False)
    app.state.fake = state
    add_admin_routes(app, state, "hume")

    def authorised(request: Request) -> bool:
        key = request.headers.get("x-hume-api-key") or request.query_params.get("access_token")
        return key_matches(state, key)

    def library() -> list[dict[str, Any]]:
        return [
            {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"hume-library-{n}")), "name": n,
             "provider": "HUME_AI", "compatible_octave_models": ["1", "2"]}
            for n in LIBRARY_VOICES
        ]

    def find_voice(voice: PostedVoice) -> dict[str, Any] | None:
        pool = library() if voice.provider == "HUME_AI" else state.data["custom_voices"]
        for item in pool:
            if voice.id == item["id"] or voice.name == item["name"]:
                return item
        return None

    async def synthesise(
        request: Request, route: str
    ) -> tuple[PostedTts, list[list[bytes]]] | Response:
        if (fault := await http_fault(state, route, request, hume_error)) is not None:
            return fault
        if not authorised(request):
            return _unauthorized()
        try:
            raw = json.loads(await request.body() or b"null")
            state.remember(route, raw)
            posted = PostedTts.model_validate(raw)
        except ValueError as exc:
            if isinstance(exc, ValidationError):
                return _validation_error(exc)
            return JSONResponse({"detail": [{"loc": ["body"], "msg": "invalid JSON",
                                             "type": "json_invalid"}]}, status_code=422)
        for index, utterance in enumerate(posted.utterances):
            if utterance.voice is not None and find_voice(utterance.voice) is None:
                who = utterance.voice.name or utterance.voice.id
                return JSONResponse(
                    hume_error(400, f"utterances[{index}].voice: no {utterance.voice.provider}"
                                    f" voice named or with id {who!r}"),
                    status_code=400,
                )
        snippets: list[list[bytes]] = []
        for utterance in posted.utterances:
            wav = await asyncio.to_thread(media.speech_wav, utterance.text, settings)
            if utterance.trailing_silence:
                pcm, rate = media.wav_frames(wav)
                wav = media.wav_bytes(pcm + b"\0\0" * int(rate * utterance.trailing_silence), rate)
            snippets.append([wav])
        state.pay("tts")
        state.pay("tts_characters", sum(len(u.text) for u in posted.utterances))
        return posted, snippets

    def whole(snippets: list[list[bytes]]) -> bytes:
        pcm, rate = b"", 22050
        for group in snippets:
            for wav in group:
                frames, rate = media.wav_frames(wav)
                pcm += frames
        return media.wav_bytes(pcm, rate)

    def encoded(wav: bytes, fmt: str, strip_headers: bool = False) -> bytes:
        if fmt == "wav" and strip_headers:
            return media.wav_frames(wav)[0]
        return media.encode_audio(wav, fmt, settings)

    @app.post("/v0/tts")
    async def tts(request: Request) -> Response:
        result = await synthesise(request, "POST /v0/tts")
        if isinstance(result, Response):
            return result
        posted, snippets = result
        fmt = posted.format.type if posted.format else "mp3"
        req_id = str(uuid.uuid4())
        generations = []
        for _ in range(posted.num_generations):
            generation_id = str(uuid.uuid4())
            audio = encoded(whole(snippets), fmt)
            duration, rate = media.wav_duration(whole(snippets))
            generations.append({
                "audio": base64.b64encode(audio).decode(),
                "duration": round(duration, 5),
                "encoding": {"format": fmt, "sample_rate": rate},
                "file_size": len(audio),
                "generation_id": generation_id,
                "snippets": [
                    [{"audio": base64.b64encode(encoded(wav, fmt, posted.strip_headers)).decode(),
                      "generation_id": generation_id, "id": str(uuid.uuid4()),
                      "text": utterance.text, "utterance_index": index, "timestamps": [],
                      "transcribed_text": utterance.text}
                     for wav in group]
                    for index, (utterance, group) in enumerate(zip(posted.utterances, snippets,
                                                                   strict=True))
                ],
            })
        return JSONResponse({"generations": generations, "request_id": req_id},
                            headers=request_id())

    @app.post("/v0/tts/file")
    async def tts_file(request: Request) -> Response:
        result = await synthesise(request, "POST /v0/tts/file")
        if isinstance(result, Response):
            return result
        posted, snippets = result
        fmt = posted.format.type if posted.format else "mp3"
        return Response(encoded(whole(snippets), fmt), media_type=FORMAT_MEDIA[fmt])

    @app.post("/v0/tts/stream/json")
    async def tts_stream_json(request: Request) -> Response:
        result = await synthesise(request, "POST /v0/tts/stream/json")
        if isinstance(result, Response):
            return result
        posted, snippets = result
        fmt = posted.format.type if posted.format else "mp3"
        generation_id, req_id = str(uuid.uuid4()), str(uuid.uuid4())

        async def lines() -> Any:
            for index, (utterance, group) in enumerate(zip(posted.utterances, snippets,
                                                           strict=True)):
                for wav in group:
                    yield json.dumps({
                        "type": "audio", "audio": base64.b64encode(encoded(wav, fmt)).decode(),
                        "audio_format": fmt, "chunk_index": 0, "generation_id": generation_id,
                        "is_last_chunk": True, "request_id": req_id,
                        "snippet_id": str(uuid.uuid4()),
                        "text": utterance.text, "transcribed_text": None,
                        "utterance_index": index, "snippet": None,
                    }) + "\n"

        return StreamingResponse(lines(), media_type="application/json")

    @app.get("/v0/tts/voices")
    async def voices(request: Request) -> Response:
        route = "GET /v0/tts/voices"
        if (fault := await http_fault(state, route, request, hume_error)) is not None:
            return fault
        if not authorised(request):
            return _unauthorized()
        query = request.query_params
        provider = query.get("provider")
        if provider not in ("HUME_AI", "CUSTOM_VOICE"):
            return JSONResponse({"detail": [{
                "loc": ["query", "provider"], "type": "missing" if provider is None else "enum",
                "msg": "provider must be HUME_AI or CUSTOM_VOICE"}]}, status_code=422)
        try:
            page_number = int(query.get("page_number", 0))
            page_size = int(query.get("page_size", 10))
            if page_number < 0 or not 1 <= page_size <= 100:
                raise ValueError
        except ValueError:
            return JSONResponse(hume_error(400, "page_number must be >= 0 and page_size 1-100"),
                                status_code=400)
        pool = library() if provider == "HUME_AI" else list(state.data["custom_voices"])
        pool.sort(key=lambda v: v["name"], reverse=query.get("ascending_order") == "false")
        total_pages = max(1, -(-len(pool) // page_size))
        page = pool[page_number * page_size:(page_number + 1) * page_size]
        return JSONResponse({"page_number": page_number, "page_size": page_size,
                             "total_pages": total_pages, "voices_page": page})

    return app
