"""What is quoted is what runs: the estimate and the job read the same engine table."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from reelforge.domain import Brief
from reelforge.errors import InputError, InvalidField
from reelforge.pipeline.runner import prepare
from reelforge.providers import registry
from reelforge.providers.script.template import TemplateScriptWriter
from reelforge.services.briefs import check_brief
from reelforge.services.estimate import estimate_cost
from reelforge.settings import Settings

ENGINE_SETTINGS = {
    "script_engine": ("auto", "template", "openai"),
    "video_engine": ("auto", "local", "runware"),
    "music_engine": ("auto", "builtin", "library"),
    "voice_engine": ("auto", "piper", "hume"),
}
VOICES = ("joe", "espeak:en-us", "hume:Ava Song", "openai:coral")
KEYS = ({}, {"openai_api_key": "sk-test", "hume_api_key": "h", "runware_api_key": "r"})


def _combinations() -> list[tuple[dict[str, str], dict[str, str], str]]:
    names = list(ENGINE_SETTINGS)
    found = []
    for values in itertools.product(*ENGINE_SETTINGS.values()):
        for keys, voice in itertools.product(KEYS, VOICES):
            found.append((dict(zip(names, values, strict=True)), keys, voice))
    return found


def test_the_estimate_names_the_engines_prepare_runs_for_every_setting_and_voice(
        tmp_path: Path) -> None:
    checked = 0
    for engine_settings, keys, voice in _combinations():
        settings = Settings(_env_file=None, data_dir=tmp_path, **engine_settings, **keys)
        if voice.startswith("espeak:") and not _espeak_has(voice, settings):
            continue
        brief = Brief(prompt="Why octopuses are smart", duration_s=30, voice=voice)
        quoted = estimate_cost(brief, settings)
        try:
            ran = prepare(brief, settings, tmp_path)
        except InputError as exc:  # a remote engine named without its key: refused, not run
            assert "needs an API key" in exc.message or "API key" in str(exc), exc
            continue
        names = {capability: registry.ENGINE_NAMES[(capability, choice)]
                 for capability, choice in quoted.engines.items()}
        assert names == {"script": ran.script.name, "voice": ran.voice.engine.name,
                         "video": ran.video.name, "music": ran.music.name}, (
            engine_settings, keys, voice)
        assert (quoted.cost_usd > 0) == any(
            (capability, choice) in registry.REMOTE
            for capability, choice in quoted.engines.items()), (engine_settings, keys, voice)
        checked += 1
    assert checked >= 200  # the rest were refused for a missing key, as they should be


@pytest.mark.parametrize("duration", [5, 8, 12, 30, 61, 200, 600])
def test_the_estimate_counts_the_scenes_the_template_writer_plans(duration: float) -> None:
    settings = Settings(_env_file=None, script_engine="template", video_engine="runware",
                        runware_api_key="r")
    brief = Brief(prompt="Why octopuses are smart", duration_s=duration)
    plan = TemplateScriptWriter.from_settings(settings).write(brief).plan
    assert estimate_cost(brief, settings).scenes == len(plan.scenes)


def test_a_voice_engine_that_contradicts_the_voice_is_refused_before_anything_runs() -> None:
    settings = Settings(_env_file=None)
    brief = Brief(prompt="Why octopuses are smart", voice="joe")
    with pytest.raises(InvalidField, match="spoken by piper, not by the chosen voice engine hume"):
        check_brief(brief, settings, {"voice": "hume"})
    check_brief(brief, settings, {"voice": "piper"})


def _espeak_has(voice: str, settings: Settings) -> bool:
    try:
        registry.voice_for(voice, settings)
    except Exception:
        return False
    return True
