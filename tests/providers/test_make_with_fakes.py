"""`make` with every remote engine pointed at the fakes: complete output, paid calls recorded
in the manifest with cost and request id, and a second run that pays for nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reelforge.domain import Brief
from reelforge.fakes.server import RunningFakes
from reelforge.settings import Settings

runner = pytest.importorskip("reelforge.pipeline.runner")

PAID = (("openai", "chat"), ("hume", "tts"), ("runware", "videoInference"))


def paid(fakes: RunningFakes) -> dict[tuple[str, str], int]:
    return {(service, op): fakes[service].state.paid[op] for service, op in PAID}


@pytest.mark.slow
def test_make_with_all_remote_engines_on_the_fakes_is_complete_and_pays_once(
    remote_settings: Settings, fakes: RunningFakes, api_key: str, tmp_path: Path
) -> None:
    settings = remote_settings.model_copy(update={
        "script_engine": "openai", "video_engine": "runware", "fps": 12})
    brief = Brief(prompt="Why octopuses are smarter than you think", duration_s=10,
                  voice="hume:Ava Song", emotion="curious", intensity=0.7)

    first = runner.make_video(brief, settings, tmp_path / "out")
    for name in ("final.mp4", "captions.srt", "plan.json", "manifest.json"):
        assert (first.job_dir / name).stat().st_size > 0, name
    calls = [(step.step, call) for step in first.manifest.steps for call in step.calls]
    providers = {call.provider for _, call in calls}
    assert {"openai", "hume", "runware"} <= providers
    for step, call in calls:
        if call.provider in ("openai", "hume") or call.operation == "videoInference":
            assert call.request_id, (step, call)
            assert call.cost_usd > 0, (step, call)
    scenes = sum(1 for step in first.manifest.steps if step.step.startswith("narrate"))
    assert scenes >= 2
    assert paid(fakes) == {("openai", "chat"): 1, ("hume", "tts"): scenes,
                           ("runware", "videoInference"): scenes}
    manifest_text = (first.job_dir / "manifest.json").read_text()
    assert api_key not in manifest_text
    assert json.loads(manifest_text)["steps"]

    before = paid(fakes)
    second = runner.make_video(brief, settings, tmp_path / "out")
    assert paid(fakes) == before  # every paid step came from the step cache
    assert (second.job_dir / "final.mp4").stat().st_size > 0
    assert all(step.cache_hit for step in second.manifest.steps
               if step.engine in ("openai", "hume", "runware"))
    assert second.manifest.cost_usd == 0
