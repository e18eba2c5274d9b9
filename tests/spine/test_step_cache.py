from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from reelforge.domain import Brief
from reelforge.errors import Canceled, InputError
from reelforge.pipeline.cache import CacheScope, StepCache, locked, place, step_key
from reelforge.pipeline.cache_upkeep import clean_up, evict
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
    assert not any((cache.folder / "tmp").iterdir())  # no half-written staging left
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
    assert results[0].value == results[1].value and sorted(r.hit for r in results) == [False, True]


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


# --- scopes, sealing, eviction, clean-up ------------------------------------------------------

MARKER = b"tenant-a-secret-frame-0123456789"
KEY_A = bytes(range(32))


def make_marked(folder: Path) -> dict[str, Any]:
    (folder / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypisom" + MARKER * 200)
    return {"title": MARKER.decode()}


def test_each_scope_keeps_its_own_entries(tmp_path: Path) -> None:
    a = StepCache(tmp_path, scope=CacheScope.of_tenant(1))
    b = StepCache(tmp_path, scope=CacheScope.of_tenant(2))
    made = a.get_or_make("ab" * 32, make_marked)
    assert b.get("ab" * 32) is None  # tenant 2 never sees tenant 1's entry
    theirs = b.get_or_make("ab" * 32, lambda folder: {"by": "b"})
    assert not theirs.hit and theirs.value == {"by": "b"}
    assert made.folder != theirs.folder and a.get("ab" * 32).value == made.value  # type: ignore[union-attr]
    assert StepCache(tmp_path).get("ab" * 32) is None  # nor does the CLI's local scope


@pytest.mark.parametrize("name", ["", "ab", "Tenant-1", "../x", "tmp", "locks", "a/b"])
def test_a_bad_scope_name_is_refused_clearly(name: str) -> None:
    with pytest.raises(InputError, match="invalid step cache scope"):
        CacheScope(name)


def all_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


def test_a_sealed_scope_stores_no_plaintext_and_places_the_real_file(tmp_path: Path) -> None:
    cache = StepCache(tmp_path, scope=CacheScope.of_tenant(1, KEY_A))
    entry = cache.get_or_make("cd" * 32, make_marked)
    data = all_bytes(tmp_path)
    assert MARKER not in data and b"ftyp" not in data
    hit = cache.get_or_make("cd" * 32, make_marked)
    assert hit.hit and hit.value == {"title": MARKER.decode()}
    place(entry.file("clip.mp4"), tmp_path / "job" / "clip.mp4")
    assert (tmp_path / "job" / "clip.mp4").read_bytes().count(MARKER) == 200
    other_key = StepCache(tmp_path, scope=CacheScope.of_tenant(1, bytes(32)))
    assert other_key.get("cd" * 32) is None  # sealed with another key: unreadable


def test_plain_entries_are_sealed_when_the_tenant_turns_encryption_on(tmp_path: Path) -> None:
    StepCache(tmp_path, scope=CacheScope.of_tenant(1)).get_or_make("ef" * 32, make_marked)
    assert MARKER in all_bytes(tmp_path)
    sealed = StepCache(tmp_path, scope=CacheScope.of_tenant(1, KEY_A))
    entry = sealed.get_or_make("ef" * 32, lambda folder: pytest.fail("made again"))
    assert entry.hit and MARKER not in all_bytes(tmp_path)
    place(entry.file("clip.mp4"), tmp_path / "job" / "clip.mp4")
    assert MARKER in (tmp_path / "job" / "clip.mp4").read_bytes()


def stored(cache: StepCache, key: str) -> bool:
    """Whether the entry exists, without using it (a ``get`` counts as a use)."""
    return (cache.folder / key[:2] / key / "value.json").exists()


def fill(cache: StepCache, count: int, size: int) -> list[str]:
    """``count`` entries of ``size`` bytes, the first the least recently used (hours ago)."""
    keys = [f"{i:02x}" * 32 for i in range(count)]
    for age, key in zip(range(count, 0, -1), keys, strict=True):
        entry = cache.get_or_make(key, lambda f: (f / "x.bin").write_bytes(b"x" * size) and {})
        old = time.time() - 3600 * age
        os.utime(entry.folder, (old, old))
    return keys


def test_eviction_removes_least_recently_used_entries_until_under_the_bound(
    tmp_path: Path
) -> None:
    cache = StepCache(tmp_path)
    keys = fill(cache, 6, 10_000)
    assert cache.get(keys[0]) is not None  # used now: the most recently used
    report = evict(tmp_path, 35_000)
    assert report.total_bytes <= 35_000 and report.entries == 3
    left = [k for k in keys if cache.get(k) is not None]
    assert left == [keys[0], keys[4], keys[5]]
    assert sum(p.stat().st_size for p in cache.folder.rglob("*") if p.is_file()
               and "locks" not in p.parts) <= 35_000


def test_eviction_never_removes_an_entry_in_use_or_just_used(tmp_path: Path) -> None:
    cache = StepCache(tmp_path)
    keys = fill(cache, 4, 10_000)
    with cache.in_use(keys[0]):  # being placed into a job folder right now
        assert evict(tmp_path, 0).entries == 3
    assert [stored(cache, k) for k in keys] == [True, False, False, False]
    fresh = cache.get_or_make("ff" * 32, lambda f: (f / "x.bin").write_bytes(b"x") and {})
    assert evict(tmp_path, 0).entries == 1  # keys[0]; the fresh one was used seconds ago
    assert stored(cache, fresh.key) and not stored(cache, keys[0])


def test_eviction_waits_for_a_file_being_placed(tmp_path: Path) -> None:
    cache = StepCache(tmp_path)
    (key,) = fill(cache, 1, 32 * 1024 * 1024)
    entry = cache.get(key)
    assert entry is not None
    placing = threading.Thread(target=place, args=(entry.file("x.bin"), tmp_path / "x.bin"))
    placing.start()
    while not (tmp_path / "x.bin.part").exists() and placing.is_alive():
        time.sleep(0.001)  # the copy has begun (the entry is held)
    removed = passes = 0
    while placing.is_alive():
        removed += evict(tmp_path, 0, min_idle_s=0).entries
        if placing.is_alive():  # the copy held the entry for the whole pass
            assert removed == 0
            passes += 1
    placing.join()
    assert passes > 0
    assert (tmp_path / "x.bin").stat().st_size == 32 * 1024 * 1024  # the copy is whole
    assert removed + evict(tmp_path, 0, min_idle_s=0).entries == 1  # then it could go


def test_staging_of_a_killed_step_and_stale_locks_are_cleaned_up(tmp_path: Path) -> None:
    script = (
        "import os, sys; from pathlib import Path\n"
        "from reelforge.pipeline.cache import StepCache\n"
        "def make(folder):\n"
        "    (folder / 'half.mp4').write_bytes(b'x' * 1000); os._exit(9)  # killed mid-step\n"
        "StepCache(Path(sys.argv[1])).get_or_make('9a' * 32, make)\n"
    )
    assert subprocess.run([sys.executable, "-c", script, str(tmp_path)]).returncode == 9
    staging = tmp_path / "steps" / "local" / "tmp"
    assert any(staging.iterdir())  # what the killed step left
    cache = StepCache(tmp_path)  # the first use in a process (a worker starting) cleans up
    assert not any(staging.iterdir()) and not cache.lock_path("9a" * 32).exists()
    assert cache.get_or_make("9a" * 32, lambda f: {"ok": 1}).value == {"ok": 1}

    busy = staging / f"{'7b' * 32}-00000000"
    busy.mkdir()
    killed = staging / f"{'6d' * 32}-00000000"
    killed.mkdir()
    stray = cache.lock_path("5c" * 32)
    stray.touch()  # a lock of no entry, held by nobody
    with locked(cache.lock_path("7b" * 32)):  # that step is being made by a live process
        report = clean_up(tmp_path)
    assert report.staging == 1 and report.locks >= 1
    assert [p.name for p in staging.iterdir()] == [busy.name]
    assert not stray.exists() and cache.lock_path("9a" * 32).exists()  # its entry exists


def test_a_tiny_bound_keeps_the_cache_in_bounds_as_steps_are_made(tmp_path: Path) -> None:
    cache = StepCache(tmp_path, max_bytes=25_000)
    for i in range(5):
        entry = cache.get_or_make(f"{i:02x}" * 32, lambda f: (
            f / "x.bin").write_bytes(b"x" * 10_000) and {})
        if cache.eviction is not None:
            cache.eviction.join()  # it runs beside the job, which never waits for it
        old = time.time() - 3600 * (10 - i)
        os.utime(entry.folder, (old, old))
        (tmp_path / "steps" / ".evicted-at").unlink(missing_ok=True)  # no wait between passes
    kept = [i for i in range(5) if cache.get(f"{i:02x}" * 32) is not None]
    assert kept == [3, 4]
