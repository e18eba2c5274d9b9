"""A ``clips`` job: the best moments of one of the tenant's library videos as captioned
shorts (``pipeline/clips.py``, the code ``reelforge clips`` runs), stored as the job's files.

The transcript and the shot scan, the long parts, are kept in the tenant's step cache (sealed
when the tenant encrypts) under the library item, so a job re-queued after a worker died, or a
second job on the same video, starts at the moments. Progress goes out as step events.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reelforge.domain import ClipsOrder, JobSpec
from reelforge.errors import Canceled, InputError, ReelforgeError
from reelforge.pipeline.step import StepEvent
from reelforge.store import usage
from reelforge.store.artifacts import record_artifact
from reelforge.store.library import get_item

if TYPE_CHECKING:
    from reelforge.jobs.lease import Lease
    from reelforge.jobs.platform import Platform
    from reelforge.pipeline.clips import Remember

#: The share of the job done when each stage ends; the clips share the rest evenly.
STAGE_END = {"shots": 0.15, "speech": 0.5, "moments": 0.55}
CLIPS_END = 0.97
#: Bump when what the cached transcript or shot scan holds changes.
CACHE_VERSION = "1"


class ClipEvents:
    """``make_clips``'s ``(stage, fraction)`` reports as the job's step events; raises
    ``Canceled`` at the next report once the owner canceled."""

    def __init__(self, send: Callable[[StepEvent], None], should_stop: Callable[[], bool]) -> None:
        self.send, self.should_stop = send, should_stop
        self.current: str | None = None
        self.finished: set[str] = set()

    def share(self, stage: str, fraction: float) -> float | None:
        """The share of the whole job done at ``fraction`` of ``stage`` (None: not known)."""
        if stage.startswith("clip "):
            number, _, total = stage.removeprefix("clip ").partition("/")
            done = (int(number) - 1 + fraction) / max(1, int(total or 1))
            return STAGE_END["moments"] + (CLIPS_END - STAGE_END["moments"]) * done
        names = list(STAGE_END)
        if stage not in names:
            return None
        start = STAGE_END[names[names.index(stage) - 1]] if names.index(stage) else 0.0
        return start + (STAGE_END[stage] - start) * fraction

    def __call__(self, stage: str, fraction: float) -> None:
        if self.should_stop():
            raise Canceled("the clips job was canceled")
        if stage in self.finished:
            return
        if stage != self.current:
            if self.current is not None:
                self._end(self.current)
            self.current = stage
            self.send(StepEvent(self._step(stage), stage, "started", 0.0, self.share(stage, 0.0)))
        if fraction >= 1.0:
            self._end(stage)
        else:
            self.send(StepEvent(self._step(stage), stage, "progress", fraction,
                                self.share(stage, fraction)))

    def _end(self, stage: str) -> None:
        self.send(StepEvent(self._step(stage), stage, "done", 1.0, self.share(stage, 1.0)))
        self.finished.add(stage)
        self.current = None

    @staticmethod
    def _step(stage: str) -> str:
        return "clip" if stage.startswith("clip ") else stage


def in_owners_words(exc: ReelforgeError, path: str, name: str) -> None:
    """``exc`` as the video's owner knows it: the library name, not a folder of the server
    (or the worker's copy), and the request's fields instead of ``reelforge clips``' flags."""
    exc.message = exc.message.replace(path, name)
    if exc.hint:
        exc.hint = in_api_words(exc.hint.replace(path, name))


def in_api_words(hint: str) -> str:
    """A hint written for ``reelforge clips`` with the request's field names instead."""
    for flag, field in (("--visual-only", '"visual_only": true'), ("--length 5-15", '"5-15"'),
                        ("--length 10-90", '"10-90"'), ("--length 20-60", '"20-60"'),
                        ("--length", "length"), ("--aspect", "aspect")):
        hint = hint.replace(flag, field)
    return hint


def step_cache_memory(platform: Platform, tenant_id: int, source_key: str) -> Remember:
    """``Remember`` in the tenant's step cache, keyed by the library item (its bytes never
    change once stored) and the cache version."""
    from reelforge.pipeline.cache import CacheScope, StepCache, step_key

    keys = platform.artifacts.keys
    cache = StepCache.for_settings(platform.settings, CacheScope.of_tenant(
        tenant_id, keys.for_step_cache(tenant_id) if keys else None))

    def remember(name: str, make: Callable[[], Any]) -> Any:
        key = step_key(f"clips-{name}", "clips", CACHE_VERSION, {"source": source_key})
        return cache.get_or_make(key, lambda folder: {"value": make()}).value["value"]

    return remember


def music_file(platform: Platform, tenant_id: int, item_id: str, folder: Path) -> Path:
    """The tenant's song ``item_id`` as a local file (an upload copied into ``folder``)."""
    with platform.db.session() as session:
        item = get_item(session, tenant_id, item_id)
        location, stored, name, size = item.location, item.stored, item.name, item.size
    if not stored:
        if not Path(location).is_file():
            raise InputError(f"the song {name} is no longer where it was registered",
                             hint="register it again, upload it, or choose no music")
        return Path(location)
    song_folder = folder / "music"
    song_folder.mkdir(parents=True, exist_ok=True)
    return _local_copy(platform, location, size, song_folder, name)


def _local_copy(platform: Platform, location: str, size: int, folder: Path, name: str) -> Path:
    """A stored upload copied to ``folder`` in chunks (an hour of video never sits in memory)."""
    local = folder / Path(name).name
    with local.open("wb") as out:
        for chunk in platform.artifacts.read_range(location, 0, max(0, size - 1)):
            out.write(chunk)
    return local


def run_clips(platform: Platform, job_id: str, tenant_id: int, spec: JobSpec,
              lease: Lease) -> tuple[dict[str, Any], Callable[[Any], None]]:
    """Cut, reframe and caption the moments; store every clip, its SRT, ``clips.json`` and the
    contact sheet as the job's artifacts. The local folder goes when the job ends."""
    from reelforge.jobs.worker import EventWriter, jobs_dir
    from reelforge.pipeline.clips import CLIPS_JSON, CONTACT_SHEET, ClipRequest, make_clips

    assert spec.item_id is not None and spec.clips is not None
    order: ClipsOrder = spec.clips
    with platform.db.session() as session:
        item = get_item(session, tenant_id, spec.item_id)
        location, stored, name, size = item.location, item.stored, item.name, item.size
    if not stored and not Path(location).is_file():
        raise InputError(f"{name} is no longer where it was registered on the server",
                         hint="register the file again, or upload it")
    mtime = "" if stored else str(Path(location).stat().st_mtime_ns)
    job_dir = jobs_dir(platform) / str(tenant_id) / job_id
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="rf-clips-src-") as folder:
            video = (_local_copy(platform, location, size, Path(folder), name) if stored
                     else Path(location))
            music = (music_file(platform, tenant_id, order.music_item_id, Path(folder))
                     if order.music_item_id else None)
            request = ClipRequest(video=video, out_dir=job_dir / "clips", count=order.count,
                                  min_s=order.min_s, max_s=order.max_s, aspect=order.aspect,
                                  about=order.about, captions=order.captions,
                                  visual_only=order.visual_only, source_name=name,
                                  hook_title=order.hook_title, music=music)
            events = ClipEvents(EventWriter(platform, job_id), lease.should_stop)
            memory = step_cache_memory(platform, tenant_id, f"{spec.item_id}|{size}|{mtime}")
            try:
                made = make_clips(request, platform.settings, events, memory)
            except ReelforgeError as exc:  # said for the CLI: say it in the API's words
                in_owners_words(exc, str(video), name)
                raise
        out = request.out_dir
        names = [p.name for clip in made for p in (clip.file, clip.file.with_suffix(".srt"))
                 if p.exists()] + [CLIPS_JSON, CONTACT_SHEET]
        stored_files = [(n, f"{tenant_id}/{job_id}/{n}",
                         platform.artifacts.put_file(out / n, f"{tenant_id}/{job_id}/{n}"))
                        for n in names if (out / n).exists()]
    finally:
        shutil.rmtree(job_dir, ignore_errors=True)
    seconds = round(sum(c.moment.duration_s for c in made), 3)

    def record(session: Any) -> None:
        for artifact, path, bytes_ in stored_files:
            record_artifact(session, tenant_id, job_id, artifact, path, bytes_)
        usage.record(session, tenant_id, job_id, "render", seconds=seconds)

    result = {"item_id": spec.item_id, "source": name,
              "clips": [{"file": c.file.name, "start_s": c.moment.start_s,
                         "end_s": c.moment.end_s, "score": round(c.moment.scores.total, 3),
                         "reason": c.moment.reason} for c in made],
              "artifacts": [n for n, _, _ in stored_files],
              "seconds": round(time.monotonic() - started, 1)}
    return {"progress": 1.0, "duration_s": seconds, "error": None, "result": result}, record
