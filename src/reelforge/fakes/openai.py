"""A faithful local OpenAI server: ``/v1/chat/completions``, ``/v1/audio/speech``, ``/v1/models``.

Bearer auth, ``{"error": {...}}`` bodies with OpenAI's statuses, ``x-request-id``; chat answers
``json_schema`` requests with a JSON *string* that is a valid instance of the schema (filled from
the prompt), and speech is real audio from reelforge's offline voice. The official ``openai`` SDK
accepts it (``OpenAI(base_url=<fake>/v1)``).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from reelforge.fakes import media, vision
from reelforge.fakes.common import (
    FakeConfig,
    FakeState,
    add_admin_routes,
    http_fault,
    key_matches,
    request_id,
    service_fault,
)
from reelforge.fakes.schema_instance import instance_of
from reelforge.settings import Settings

CHAT_MODELS = ("gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-4.1", "gpt-5-mini", "gpt-5",
               "gpt-3.5-turbo")

SPEECH_MODELS = ("gpt-4o-mini-tts", "tts-1", "tts-1-hd")
VOICES = ("alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer",
          "verse")
AUDIO_TYPES = {"mp3": "audio/mpeg", "opus": "audio/ogg", "aac": "audio/aac", "flac": "audio/flac",
               "wav": "audio/wav", "pcm": "audio/pcm"}
ROLES = ("system", "developer", "user", "assistant", "tool")
_SCHEMA_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def openai_error(status: int, message: str, *, param: str | None = None,
                 code: str | None = None) -> dict[str, Any]:
    kind = "requests" if status == 429 else (
        "invalid_request_error" if status < 500 else "server_error")
    if status == 429 and code is None:
        code = "rate_limit_exceeded"
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def _bad(message: str, param: str | None, status: int = 400, code: str | None = None) -> Response:
    return JSONResponse(openai_error(status, message, param=param, code=code), status_code=status,
                        headers=request_id())


def _masked(key: str) -> str:
    return f"{key[:3]}{'*' * 8}{key[-4:]}" if len(key) > 10 else "***"


def create_app(settings: Settings, config: FakeConfig | None = None) -> FastAPI:
    """The OpenAI fake as an ASGI app; its FakeState is ``app.state.fake``."""
    state = FakeState(config or FakeConfig.from_settings(settings))
    app = FastAPI(title="fake OpenAI", docs_url=None, redoc_url=None,
                  redirect_slashes=False)
    app.state.fake = state
    add_admin_routes(app, state, "openai")

    def auth_failure(request: Request) -> Response | None:
        header = request.headers.get("authorization", "")
        key = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if key_matches(state, key):
            return None
        if not key:
            return _bad("You didn't provide an API key. You need to provide your API key in an"
                        " Authorization header using Bearer auth.", None, 401)
        return _bad(f"Incorrect API key provided: {_masked(key)}. You can find your API key at"
                    " https://platform.openai.com/account/api-keys.", None, 401, "invalid_api_key")

    async def json_body(request: Request) -> dict[str, Any] | Response:
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            return _bad("We could not parse the JSON body of your request.", None)
        if not isinstance(body, dict):
            return _bad("The request body must be a JSON object.", None)
        return body

    @app.get("/v1/models")
    async def models(request: Request) -> Response:
        if (fault := await http_fault(state, "GET /v1/models", request, openai_error)) is not None:
            return fault
        if (denied := auth_failure(request)) is not None:
            return denied
        data = [{"id": m, "object": "model", "created": 1700000000, "owned_by": "openai"}
                for m in (*CHAT_MODELS, *SPEECH_MODELS)]
        return JSONResponse({"object": "list", "data": data}, headers=request_id())

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Response:
        route = "POST /v1/chat/completions"
        if (fault := await http_fault(state, route, request, openai_error)) is not None:
            return fault
        if (denied := auth_failure(request)) is not None:
            return denied
        body = await json_body(request)
        if isinstance(body, Response):
            return body
        state.remember(route, body)
        if not isinstance(body.get("model"), str) or not body["model"]:
            return _bad("you must provide a model parameter", "model")
        if body["model"] not in CHAT_MODELS:
            return _bad(f"The model `{body['model']}` does not exist or you do not have access"
                        " to it.", "model", 404, "model_not_found")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return _bad("'messages' must be a non-empty array", "messages")
        for i, message in enumerate(messages):
            if not isinstance(message, dict) or message.get("role") not in ROLES:
                return _bad(f"Invalid value for 'messages[{i}].role'", f"messages[{i}].role")
        if body.get("stream"):
            return _bad("This fake does not stream; send stream=false.", "stream")
        texts, images, text_chars, image_tokens = [], [], 0, 0
        for i, message in enumerate(messages):
            parts = vision.content_parts(message.get("content"), i, body["model"])
            if isinstance(parts, vision.PartError):
                return _bad(parts.message, parts.param, 400, parts.code)
            if message["role"] == "user":
                texts += parts.texts
                images += parts.images
            text_chars += sum(len(text) for text in parts.texts)
            image_tokens += parts.image_tokens
        fmt = body.get("response_format") or {"type": "text"}
        prompt = " ".join(texts)
        if images and fmt.get("type", "text") == "text":
            content: str | None = " ".join(vision.describe_picture(image) for image in images)
        elif fmt.get("type") == "json_schema":
            spec = fmt.get("json_schema") or {}
            if not _SCHEMA_NAME.match(str(spec.get("name", ""))):
                return _bad("Invalid 'response_format.json_schema.name': must match"
                            " ^[a-zA-Z0-9_-]{1,64}$", "response_format.json_schema.name")
            if not isinstance(spec.get("schema"), dict):
                return _bad("'response_format.json_schema.schema' must be an object",
                            "response_format.json_schema.schema")
            content = json.dumps(instance_of(spec["schema"], prompt))
        elif fmt.get("type") == "json_object":
            content = json.dumps({"answer": prompt[:200]})
        else:
            content = f"Here is a short answer about {prompt[:200]}"
        refusal = None
        kind = service_fault(request)
        if kind == "refusal":
            content, refusal = None, "I'm sorry, but I can't help with that request."
        elif kind == "invalid-output":
            content = json.dumps({"title": 42})
        prompt_tokens = text_chars // 4 + 8 + image_tokens
        completion_tokens = len(content or refusal or "") // 4 + 1
        state.pay("chat")
        state.pay("chat_tokens", prompt_tokens + completion_tokens)
        return JSONResponse({
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion",
            "created": int(time.time()), "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                         "message": {"role": "assistant", "content": content, "refusal": refusal,
                                     "tool_calls": None, "annotations": []}}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
            "system_fingerprint": "fp_reelforge_fake", "service_tier": "default",
        }, headers={**request_id(), "openai-processing-ms": "12",
                    "x-ratelimit-remaining-requests": "4999"})

    @app.post("/v1/audio/speech")
    async def speech(request: Request) -> Response:
        route = "POST /v1/audio/speech"
        if (fault := await http_fault(state, route, request, openai_error)) is not None:
            return fault
        if (denied := auth_failure(request)) is not None:
            return denied
        body = await json_body(request)
        if isinstance(body, Response):
            return body
        state.remember(route, body)
        for name in ("model", "input", "voice"):
            if not isinstance(body.get(name), str) or not body[name]:
                return _bad(f"Missing required parameter: '{name}'.", name)
        if body["model"] not in SPEECH_MODELS:
            return _bad(f"The model `{body['model']}` does not exist or you do not have access"
                        " to it.", "model", 404, "model_not_found")
        if len(body["input"]) > 4096:
            return _bad("'input' is too long: at most 4096 characters", "input",
                        code="string_above_max_length")
        if body["voice"] not in VOICES:
            return _bad(f"Invalid value for 'voice': {body['voice']!r}; expected one of"
                        f" {', '.join(VOICES)}.", "voice")
        fmt = body.get("response_format", "mp3")
        if fmt not in AUDIO_TYPES:
            return _bad(f"Invalid value for 'response_format': {fmt!r}.", "response_format")
        speed = body.get("speed", 1.0)
        if not isinstance(speed, int | float) or not 0.25 <= speed <= 4.0:
            return _bad("'speed' must be between 0.25 and 4.0", "speed")
        wav = await asyncio.to_thread(media.speech_wav, body["input"], settings)
        audio = await asyncio.to_thread(media.encode_audio, wav, fmt, settings)
        state.pay("speech")
        state.pay("speech_characters", len(body["input"]))
        return Response(audio, media_type=AUDIO_TYPES[fmt], headers=request_id())

    return app
