"""The official openai SDK accepts the OpenAI fake: chat with json_schema and audio.speech."""

from __future__ import annotations

import json

import openai
import pytest

from reelforge.fakes.server import RunningFakes


@pytest.fixture
def client(fakes: RunningFakes, api_key: str) -> openai.OpenAI:
    return openai.OpenAI(api_key=api_key, base_url=f"{fakes['openai'].url}/v1", max_retries=1)


SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["title", "items"],
    "properties": {
        "title": {"type": "string"},
        "items": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["index", "text"],
            "properties": {"index": {"type": "integer"}, "text": {"type": "string"}}}},
    },
}


def test_official_sdk_parses_a_json_schema_chat_completion_from_the_fake(
    client: openai.OpenAI,
) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": 'List 4 items about "tide pools".'}],
        response_format={"type": "json_schema",
                         "json_schema": {"name": "listing", "strict": True, "schema": SCHEMA}},
    )
    data = json.loads(completion.choices[0].message.content or "")
    assert [item["index"] for item in data["items"]] == [0, 1, 2, 3]
    assert "tide pools" in data["title"].lower()
    assert completion.usage is not None and completion.usage.total_tokens > 0
    assert completion.choices[0].finish_reason == "stop"


def test_official_sdk_reads_speech_bytes_from_the_fake(client: openai.OpenAI) -> None:
    response = client.audio.speech.create(
        model="gpt-4o-mini-tts", voice="coral", input="Hello from the fake.",
        instructions="Speak warmly.", response_format="wav",
    )
    audio = response.read()
    assert audio[:4] == b"RIFF" and audio[8:12] == b"WAVE"


def test_official_sdk_raises_its_own_error_classes_on_fake_errors(
    client: openai.OpenAI, fakes: RunningFakes
) -> None:
    bad = openai.OpenAI(api_key="sk-wrong-key-000000", base_url=f"{fakes['openai'].url}/v1")
    with pytest.raises(openai.AuthenticationError) as caught:
        bad.chat.completions.create(model="gpt-4o-mini",
                                    messages=[{"role": "user", "content": "hi"}])
    assert caught.value.code == "invalid_api_key"
    fakes["openai"].state.inject("POST /v1/chat/completions", "429", times=2)
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="gpt-4o-mini",
                                       messages=[{"role": "user", "content": "hi"}])
    assert fakes["openai"].state.requests["POST /v1/chat/completions"] == 3  # 1 + max_retries
