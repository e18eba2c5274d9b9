"""`reelforge voices --provider hume|openai` lists remote voices with ids `make --voice` accepts."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from reelforge.fakes.server import RunningFakes
from reelforge.providers import registry
from reelforge.settings import Settings


def _voices(provider: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reelforge.cli.main", "voices", "--provider", provider, "--json"],
        capture_output=True, text=True, env={**os.environ, **env}, timeout=120)


def test_voices_from_humes_library_page_through_the_fake(
    fakes: RunningFakes, api_key: str, remote_settings: Settings
) -> None:
    result = _voices("hume", {**fakes.env(), "HUME_API_KEY": api_key})
    assert result.returncode == 0, result.stderr
    voices = json.loads(result.stdout)
    assert voices and all(v["id"].startswith("hume:") for v in voices)
    chosen = registry.voice_for(voices[0]["id"], remote_settings)
    assert chosen.engine.name == "hume"


def test_remote_voices_without_a_key_are_one_clear_error() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("HUME_API_KEY", "OPENAI_API_KEY")}
    result = subprocess.run(
        [sys.executable, "-m", "reelforge.cli.main", "voices", "--provider", "hume"],
        capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2
    assert "HUME_API_KEY" in result.stderr and "Traceback" not in result.stderr
