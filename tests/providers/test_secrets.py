"""A key never appears in logs, errors or the recorded calls, whatever fails."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from pydantic import SecretStr

from reelforge.domain import Brief, Scene
from reelforge.errors import ReelforgeError
from reelforge.fakes.server import RunningFakes
from reelforge.providers.base import ClipRequest, SpeechRequest
from reelforge.providers.music.spotify import SpotifyCatalog
from reelforge.providers.script.openai_writer import OpenAIScriptWriter
from reelforge.providers.video.runware import RunwareVideo
from reelforge.providers.voice.hume import HumeVoice
from reelforge.providers.voice.openai_speech import OpenAISpeechVoice
from reelforge.settings import Settings

WRONG = "sk-wrong-SECRET-fedcba9876543210"


def test_keys_never_appear_in_logs_errors_or_call_records(
    remote_settings: Settings, fakes: RunningFakes, api_key: str, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    scene = Scene(index=0, title="Jar", narration="x", visual_prompt="an octopus and a jar")
    for route in ("POST /v1/chat/completions", "POST /v1/audio/speech"):
        fakes["openai"].state.inject(route, "500", times=10)  # retries log, then give up
    for service, route in (("hume", "POST /v0/tts"), ("runware", "POST /v1 videoInference"),
                           ("spotify", "POST /api/token")):
        fakes[service].state.inject(route, "503", times=10)

    def attempt(settings: Settings) -> None:
        actions = [
            lambda: OpenAIScriptWriter.from_settings(settings).write(Brief(prompt="octopus")),
            lambda: OpenAISpeechVoice.from_settings(settings).speak(
                SpeechRequest(sentences=("Hi.",), voice="coral"), tmp_path / "a.wav"),
            lambda: HumeVoice.from_settings(settings).speak(
                SpeechRequest(sentences=("Hi.",), voice="Ava Song"), tmp_path / "b.wav"),
            lambda: RunwareVideo.from_settings(settings).generate(
                ClipRequest(scene=scene, width=1080, height=1920, fps=30, duration_s=3),
                tmp_path / "c.mp4"),
            lambda: SpotifyCatalog.from_settings(settings).search_tracks("piano"),
        ]
        for action in actions:
            try:
                result = action()
                texts.append(json.dumps([c.model_dump() for c in getattr(result, "calls", [])]))
            except ReelforgeError as exc:
                texts.append(str(exc))
                texts.append(repr(exc.__dict__))

    attempt(remote_settings)  # every service failing after retries
    wrong = remote_settings.model_copy(update={
        name: SecretStr(WRONG) for name in ("openai_api_key", "hume_api_key", "runware_api_key",
                                            "spotify_client_secret")})
    for fake in fakes.fakes.values():
        fake.state.reset()
    attempt(wrong)  # every service rejecting the key
    attempt(remote_settings)  # every service succeeding
    captured = capsys.readouterr()
    everything = "\n".join([*texts, captured.out, captured.err, caplog.text])
    assert "gave up after" in everything and "(HTTP 401)" in everything  # the paths ran
    assert api_key not in everything
    assert WRONG not in everything
