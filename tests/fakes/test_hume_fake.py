"""The Hume fake speaks Hume's wire format: auth, 422 bodies, ReturnTts, NDJSON, voice paging."""

from __future__ import annotations

import base64
import json

import httpx

from reelforge.fakes.server import RunningFakes

TTS = {"utterances": [{"text": "Tide pools are tiny oceans.", "voice": {"name": "Ava Song",
                                                                        "provider": "HUME_AI"}}],
       "format": {"type": "wav"}}


def test_hume_fake_rejects_a_missing_key(served: RunningFakes, http: httpx.Client) -> None:
    reply = http.post(f"{served['hume'].url}/v0/tts", json=TTS)
    assert reply.status_code == 401


def test_hume_fake_returns_return_tts_with_base64_wav_whose_size_matches(
    served: RunningFakes, http: httpx.Client, key: str
) -> None:
    reply = http.post(f"{served['hume'].url}/v0/tts", json=TTS, headers={"X-Hume-Api-Key": key})
    assert reply.status_code == 200
    body = reply.json()
    generation = body["generations"][0]
    audio = base64.b64decode(generation["audio"])
    assert audio[:4] == b"RIFF" and generation["file_size"] == len(audio)
    assert generation["encoding"]["format"] == "wav" and generation["duration"] > 0.3
    (group,) = generation["snippets"]
    assert group[0]["text"] == "Tide pools are tiny oceans." and group[0]["utterance_index"] == 0
    assert body["request_id"]
    assert served["hume"].state.paid["tts"] == 1


def test_hume_fake_answers_invalid_bodies_with_fastapi_style_422(
    served: RunningFakes, http: httpx.Client, key: str
) -> None:
    headers = {"X-Hume-Api-Key": key}
    url = f"{served['hume'].url}/v0/tts"
    empty = http.post(url, json={"utterances": [{"text": ""}]}, headers=headers)
    assert empty.status_code == 422
    (problem,) = empty.json()["detail"]
    assert problem["loc"] == ["body", "utterances", 0, "text"] and problem["msg"]
    octave2 = http.post(url, json={"utterances": [{"text": "hi"}], "version": "2"},
                        headers=headers)
    assert octave2.status_code == 422
    assert served["hume"].state.paid["tts"] == 0


def test_hume_fake_streams_newline_delimited_json(
    served: RunningFakes, http: httpx.Client, key: str
) -> None:
    body = {**TTS, "utterances": TTS["utterances"] * 2}
    reply = http.post(f"{served['hume'].url}/v0/tts/stream/json", json=body,
                      headers={"X-Hume-Api-Key": key})
    lines = [json.loads(line) for line in reply.text.splitlines() if line.strip()]
    assert [line["utterance_index"] for line in lines] == [0, 1]
    assert all(line["type"] == "audio" and line["audio"] for line in lines)


def test_hume_fake_file_endpoint_returns_raw_audio(
    served: RunningFakes, http: httpx.Client, key: str
) -> None:
    reply = http.post(f"{served['hume'].url}/v0/tts/file", json=TTS,
                      headers={"X-Hume-Api-Key": key})
    assert reply.headers["content-type"] == "audio/wav" and reply.content[:4] == b"RIFF"


def test_hume_fake_pages_voices_zero_based_and_requires_provider(
    served: RunningFakes, http: httpx.Client, key: str
) -> None:
    url, headers = f"{served['hume'].url}/v0/tts/voices", {"X-Hume-Api-Key": key}
    first = http.get(url, params={"provider": "HUME_AI", "page_size": 10},
                     headers=headers).json()
    last = http.get(url, params={"provider": "HUME_AI", "page_size": 10, "page_number": 2},
                    headers=headers).json()
    assert first["page_number"] == 0 and first["total_pages"] == 3
    assert len(first["voices_page"]) == 10 and len(last["voices_page"]) == 3
    assert http.get(url, headers=headers).status_code == 422
    custom = http.get(url, params={"provider": "CUSTOM_VOICE"}, headers=headers).json()
    assert {v["provider"] for v in custom["voices_page"]} == {"CUSTOM_VOICE"}


def test_hume_fake_429_carries_an_integer_retry_after(
    served: RunningFakes, http: httpx.Client, key: str
) -> None:
    served["hume"].state.config.retry_after_s = 2
    reply = http.post(f"{served['hume'].url}/v0/tts", json=TTS,
                      headers={"X-Hume-Api-Key": key, "X-Fake-Fault": "429"})
    assert reply.status_code == 429 and reply.headers["retry-after"] == "2"
    assert "retry-after-ms" not in reply.headers
