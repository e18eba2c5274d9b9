"""`reelforge make` with every remote engine pointed at the fakes: complete output, each paid
call in the manifest with its cost and request id, and a second run that pays for nothing."""

from __future__ import annotations

import json
from pathlib import Path

import av
import pytest
from typer.testing import CliRunner

from reelforge.fakes.server import RunningFakes

pytest.importorskip("reelforge.pipeline.runner")

PAID = (("openai", "chat"), ("hume", "tts"), ("runware", "videoInference"))
OUTPUTS = {"video", "captions", "plan", "thumbnail", "manifest"}


def paid(fakes: RunningFakes) -> dict[tuple[str, str], int]:
    return {(service, op): fakes[service].state.paid[op] for service, op in PAID}


@pytest.fixture
def remote_env(fakes: RunningFakes, api_key: str, tmp_path: Path,
               monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment a user would export after `reelforge fakes serve`, plus quick settings."""
    env = {
        **fakes.env(), "OPENAI_API_KEY": api_key, "HUME_API_KEY": api_key,
        "RUNWARE_API_KEY": api_key, "REELFORGE_SCRIPT_ENGINE": "openai",
        "REELFORGE_VIDEO_ENGINE": "runware", "REELFORGE_DATA_DIR": str(tmp_path / "data"),
        "REELFORGE_FPS": "12", "REELFORGE_RUNWARE_RESOLUTION": "256",
        "REELFORGE_RUNWARE_FPS": "12", "REELFORGE_RUNWARE_POLL_INITIAL_S": "0.05",
        "REELFORGE_RUNWARE_POLL_MAX_S": "0.2", "REELFORGE_HTTP_BACKOFF_INITIAL_S": "0.01",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)  # no stray .env


def make(out: Path) -> dict:  # type: ignore[type-arg]
    from reelforge.cli.main import app

    result = CliRunner().invoke(app, [
        "make", "Why octopuses are smarter than you think", "--duration", "10",
        "--voice", "hume:Ava Song", "--emotion", "curious", "--intensity", "0.7",
        "--out", str(out), "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.mark.slow
def test_make_with_all_remote_engines_on_the_fakes_is_complete_and_pays_once(
    remote_env: None, fakes: RunningFakes, api_key: str, tmp_path: Path
) -> None:
    first = make(tmp_path / "out")
    assert set(first["outputs"]) >= OUTPUTS
    job_dir = next((tmp_path / "out").iterdir())
    for name in ("final.mp4", "captions.srt", "plan.json", "manifest.json", "thumbnail.jpg"):
        assert (job_dir / name).stat().st_size > 0, name
    with av.open(str(job_dir / "final.mp4")) as video:
        assert video.streams.video and video.streams.audio
        assert float(video.duration or 0) / 1e6 == pytest.approx(first["duration_s"], abs=0.5)

    calls = [(step["step"], call) for step in first["steps"] for call in step["calls"]]
    assert {"openai", "hume", "runware"} <= {call["provider"] for _, call in calls}
    for step, call in calls:
        if call["provider"] in ("openai", "hume") or call["operation"] == "videoInference":
            assert call["request_id"] and call["cost_usd"] > 0, (step, call)
    scenes = sum(1 for step in first["steps"] if step["step"].startswith("narrate"))
    assert scenes >= 2
    assert paid(fakes) == {("openai", "chat"): 1, ("hume", "tts"): scenes,
                           ("runware", "videoInference"): scenes}
    assert api_key not in (job_dir / "manifest.json").read_text()

    before = paid(fakes)
    second = make(tmp_path / "out")
    assert paid(fakes) == before  # every paid step came from the step cache
    remote_steps = [s for s in second["steps"] if s["engine"] in ("openai", "hume", "runware")]
    assert remote_steps and all(s["cache_hit"] and not s["calls"] for s in remote_steps)
    assert set(second["outputs"]) == set(first["outputs"])


@pytest.mark.slow
@pytest.mark.parametrize(("route", "fault"), [("POST /v1 getResponse", "500"),
                                              ("GET /media", "truncate")])
def test_make_that_gave_up_on_runware_is_run_again_and_pays_one_task_per_scene(
    route: str, fault: str, remote_env: None, fakes: RunningFakes, tmp_path: Path
) -> None:
    """Issue 15: every poll answered 500 until `make` gave up, then the same make again paid
    for 4 videoInference tasks of a 2-scene plan. The second run now finishes those tasks."""
    from reelforge.cli.main import app

    runware = fakes["runware"].state
    runware.inject(route, fault, times=1000)
    args = ["make", "Why octopuses are smarter than you think", "--duration", "10",
            "--voice", "hume:Ava Song", "--out", str(tmp_path / "out"), "--json"]
    failed = CliRunner().invoke(app, args)
    assert failed.exit_code != 0
    scenes = fakes["hume"].state.paid["tts"]
    assert scenes >= 2 and runware.paid["videoInference"] == scenes
    runware.faults.clear()
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, (again.output, again.exception)
    assert runware.paid["videoInference"] == scenes  # one billed task per scene, not two
