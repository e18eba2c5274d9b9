from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from reelforge.domain import Brief
from reelforge.errors import Canceled
from reelforge.pipeline.cache import StepCache, step_key
from reelforge.pipeline.runner import make_video
from reelforge.providers import registry
from reelforge.providers.base import ClipRequest, ClipResult
from reelforge.providers.video.local import LocalRenderer
from reelforge.settings import Settings


def test_key_depends_on_step_engine_version_and_inputs() -> None:
    base = step_key("narrate", "piper", "1", {"text": "hi", "n": 1.0})
    assert base == step_key("narrate", "piper", "1", {"n": 1.0, "text": "hi"})
    assert base != step_key("narrate", "piper", "2", {"text": "hi", "n": 1.0})
    assert base != step_key("narrate", "espeak", "1", {"text": "hi", "n": 1.0})
    assert base != step_key("narrate", "piper", "1", {"text": "hi!", "n": 1.0})


def test_a_failing_step_leaves_no_entry_and_runs_again(tmp_path: Path) -> None:
    cache = StepCache(tmp_path)
    calls = []

    def boom(folder: Path) -> dict[str, Any]:
        (folder / "half.bin").write_bytes(b"x")
        calls.append(1)
        raise RuntimeError("crash mid-step")

    with pytest.raises(RuntimeError):
        cache.get_or_make("ab" * 32, boom)
    assert cache.get("ab" * 32) is None
    assert not any(tmp_path.joinpath("tmp").iterdir())  # no half-written staging left
    entry = cache.get_or_make("ab" * 32, lambda folder: {"ok": True})
    assert entry.value == {"ok": True} and not entry.hit
    assert cache.get_or_make("ab" * 32, boom).hit  # now cached: boom never runs again
    assert len(calls) == 1


def test_concurrent_jobs_needing_one_step_pay_for_it_once(tmp_path: Path) -> None:
    cache = StepCache(tmp_path)
    made = []
    started = threading.Event()

    def make(folder: Path) -> dict[str, Any]:
        started.set()
        made.append(threading.current_thread().name)
        time.sleep(0.3)  # a slow paid call; the other job arrives meanwhile
        (folder / "f.txt").write_text(threading.current_thread().name)
        return {"by": threading.current_thread().name}

    results = []
    first = threading.Thread(target=lambda: results.append(cache.get_or_make("cd" * 32, make)))
    first.start()
    started.wait()
    second = threading.Thread(target=lambda: results.append(cache.get_or_make("cd" * 32, make)))
    second.start()
    first.join()
    second.join()
    assert len(made) == 1
    assert results[0].value == results[1].value and [r.hit for r in results] == [False, True]


def test_the_step_lock_holds_across_processes(tmp_path: Path) -> None:
    script = (
        "import sys, time, json; from pathlib import Path\n"
        "from reelforge.pipeline.cache import StepCache\n"
        "def make(folder):\n"
        "    with open(sys.argv[2], 'a') as log: log.write('made\\n')\n"
        "    time.sleep(0.5); return {}\n"
        "print(json.dumps(StepCache(Path(sys.argv[1])).get_or_make('ef' * 32, make).hit))\n"
    )
    log = tmp_path / "made.log"
    procs = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "c"), str(log)],
                              stdout=subprocess.PIPE, text=True) for _ in range(3)]
    hits = sorted(p.communicate(timeout=60)[0].strip() for p in procs)
    assert log.read_text().count("made") == 1
    assert hits == ["false", "true", "true"]


class CrashingRenderer:
    """A video engine that dies on one scene, like a worker killed mid-job."""

    name = "local-renderer"
    version = LocalRenderer.version

    def __init__(self, crash_on: int | None) -> None:
        self.inner = LocalRenderer(scale=0.25)
        self.crash_on = crash_on
        self.rendered: list[int] = []

    def generate(self, request: ClipRequest, out_mp4: Path) -> ClipResult:
        if request.scene.index == self.crash_on:
            raise KeyboardInterrupt("killed")
        self.rendered.append(request.scene.index)
        return self.inner.generate(request, out_mp4)


def test_a_crashed_job_resumes_without_redoing_finished_steps(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings.model_copy(update={"concurrency": 1, "fps": 10})
    brief = Brief(prompt="How tides work", duration_s=10, aspect="1:1")
    crashing = CrashingRenderer(crash_on=2)
    monkeypatch.setattr(registry, "video_generator", lambda s: crashing)
    with pytest.raises(KeyboardInterrupt):
        make_video(brief, settings)
    assert crashing.rendered == [0, 1]

    resumed = CrashingRenderer(crash_on=None)
    monkeypatch.setattr(registry, "video_generator", lambda s: resumed)
    result = make_video(brief, settings)
    assert resumed.rendered == [2]  # only the scene that never finished is rendered
    hits = {s.step: s.cache_hit for s in result.manifest.steps}
    assert hits["plan"] and hits["narrate scene-01"] and hits["visualize scene-02"]
    assert not hits["visualize scene-03"] and not hits["assemble"]
    assert (result.job_dir / "final.mp4").stat().st_size > 0


def test_cancel_stops_between_steps(settings: Settings) -> None:
    brief = Brief(prompt="How tides work", duration_s=10, aspect="1:1")
    with pytest.raises(Canceled):
        make_video(brief, settings, cancel=lambda: True)
